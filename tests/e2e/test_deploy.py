"""End to end against moto_server (signature checking on): deploy the LTBase
stacks, update, no change, a rejected deploy, plan, delete, wait, and every
credential source. Each test talks only to 127.0.0.1."""
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))
from lftest import BIN, check, report, run, tmpdir, write  # noqa: E402
import moto  # noqa: E402

ACCT = ["-p", f"account={moto.ACCOUNT}"]
m = moto.Moto()


def lf(*args, env=None, **kw):
    return run(*args, env=env if env is not None else m.env(), **kw)


def ep(url=None):
    return ["--endpoint-url", url or m.url]


stack = m.stack


def change_sets(name):
    return m.change_sets(name, waiting=True)


def one_error_line(se):
    lines = [x for x in se.strip().splitlines() if x.startswith("luaform: ")]
    return len(lines) == 1


def one_pipe(*args):
    """Run luaform with stdout and stderr into one pipe, as a CI log has
    them: (rc, the text as it came)."""
    p = subprocess.run([BIN, *args], env=m.env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, timeout=120)
    return p.returncode, p.stdout


def stack_params(name):
    st = m.client("cloudformation").describe_stacks(StackName=name)["Stacks"][0]
    return ({p["ParameterKey"]: p["ParameterValue"] for p in st.get("Parameters", [])},
            {t["Key"]: t["Value"] for t in st.get("Tags", [])})


try:
    # ------------------------------------------------------------ each command takes its own options
    # (an option another command takes is an error naming the command and
    # the option, before anything is rendered or sent)
    nowhere = ["--endpoint-url", "http://127.0.0.1:9"]
    for cmd, opt in (("deploy", ["--discard"]), ("deploy", ["--json"]), ("plan", ["--yes"]), ("plan", ["-y"]),
                     ("wait", ["-c", "x.yaml"]), ("wait", ["-p", "a=b"]), ("wait", ["--json"]),
                     ("wait", ["--cfn-role-arn", "arn:aws:iam::123456789012:role/x"]), ("wait", ["--yes"]),
                     ("delete", ["--discard"]), ("delete", ["--s3-bucket", "b"]),
                     ("delete", ["--parameter", "K=V"]), ("delete", ["-v"])):
        stack_arg = ["ltbase-beta"] if cmd in ("plan", "deploy") else ["--stack-name", "x"]
        rc, so, se, _ = lf(cmd, *stack_arg, *opt, *nowhere, "--yes" if cmd == "delete" else "--debug")
        check(rc == 1 and one_error_line(se) and f"luaform: {cmd}: unknown option '{opt[0]}'" in se
              and "http://127.0.0.1:9" not in se, f"{cmd} {opt[0]}: an error naming both", se)
    for cmd in ("plan", "deploy", "delete", "wait"):
        rc, so, se, _ = lf("help", cmd)
        check(rc == 0 and "--endpoint-url" in so and "--max-attempts" in so, f"help {cmd}: the AWS options", so)
        check(("--parameter" in so and "--tags" in so) == (cmd in ("plan", "deploy")) and
              ("--config" in so) == (cmd in ("plan", "deploy")), f"help {cmd}: only its own options", so)

    # ------------------------------------------------------------ create all
    rc, so, se, _ = lf("deploy", "ltbase", "--yes", "--require-approval", "never", *ep(), *ACCT, timeout=300)
    check(rc == 0, "deploy ltbase (3 stacks)", so[-2000:] + se)
    for s in ("ltbase-foundation", "ltbase-beta", "ltbase-prod"):
        st = stack(s)
        check(st is not None and st["StackStatus"] == "CREATE_COMPLETE", f"{s} created", str(st))
    check("CREATE_COMPLETE" in so and "AWS::CloudFormation::Stack" in so, "events streamed", so[-1000:])
    check("Change set luaform-" in so and "IAM statement changes of ltbase-foundation" in so, "the plan is shown before executing")
    st = stack("ltbase-beta")
    check(st and st.get("RoleARN", "").endswith(":role/ltbase-cfn-exec"),
          "the app stack runs as the CloudFormation service role", str(st and st.get("RoleARN")))
    tags = {t["Key"]: t["Value"] for t in (st or {}).get("Tags", [])}
    check(tags.get("luaform:stage") == "beta", "stack tags", str(tags))

    # ------------------------------------------------------------ update
    rc, so, se, _ = lf("deploy", "ltbase-prod", "--yes", "--require-approval", "never", *ep(), *ACCT, "-p", "prod.object_version=v2",
                       "-p", "prod.stable_version=1")
    check(rc == 0 and "UPDATE_COMPLETE" in so, "update ltbase-prod", so[-1500:] + se)
    tpl = m.client("cloudformation").get_template(StackName="ltbase-prod")["TemplateBody"]
    if isinstance(tpl, str):
        tpl = json.loads(tpl)
    pa = tpl["Resources"]["ProdAlias"]["Properties"]
    check(pa.get("FunctionVersion") == "1" and "RoutingConfig" in pa, "the update reached CloudFormation")
    check(re.search(r"Add\s+Version[0-9A-F]{16}", so) and re.search(r"Remove\s+Version[0-9A-F]{16}", so),
          "a new artifact adds a version and the old one leaves the template", so[:1500])

    # ------------------------------------------------------------ no change
    rc, so, se, _ = lf("deploy", "ltbase-prod", "--yes", "--require-approval", "never", *ep(), *ACCT, "-p", "prod.object_version=v2",
                       "-p", "prod.stable_version=1")
    check(rc == 0 and "no changes" in so, "no-change deploy exits 0 and says so", so + se)
    check(change_sets("ltbase-prod") == [], "no change set left behind", str(change_sets("ltbase-prod")))

    # ------------------------------------------------------------ plan
    rc, so, se, _ = lf("plan", "ltbase-beta", *ep(), *ACCT, "-p", "beta.object_version=b2")
    check(rc == 0 and re.search(r"Modify\s+Function\s+AWS::Lambda::Function", so), "plan prints the changes", so)
    check(len(change_sets("ltbase-beta")) == 1, "plan leaves the change set for review")
    check(stack("ltbase-beta")["StackStatus"] == "CREATE_COMPLETE", "plan does not execute")
    rc, so, se, _ = lf("plan", "ltbase-beta", *ep(), *ACCT, "-p", "beta.object_version=b3", "--json", "--discard")
    try:
        doc = json.loads(so)
    except ValueError:
        doc = {}
    check(rc == 0 and doc.get("stack") == "ltbase-beta" and doc.get("type") == "UPDATE"
          and any(c["logical_id"] == "Function" and c["action"] == "Modify" for c in doc.get("changes", [])),
          "plan --json", so + se)
    check(len(change_sets("ltbase-beta")) == 1, "--discard removes its change set")

    # ------------------------------------------------------------ a deploy moto rejects
    bad = write(os.path.join(tmpdir(), "rejected.lua"), '''
resource "Q" { Type = "AWS::SQS::Queue", Properties = { QueueName = "not a valid queue name!" } }
''')
    rc, so, se, _ = lf("deploy", bad, "--yes", "--require-approval", "never", *ep())
    check(rc == 1 and one_error_line(se) and "InvalidParameterValue" in se and "alphanumeric" in se,
          "a rejected deploy: exit 1 with the reason",
          so[-800:] + se)

    check(stack("rejected") is None, "a rejected create leaves no empty stack behind", str(stack("rejected")))
    # stdout and stderr in one pipe (a CI log): the change table, then the
    # error that ends it, last
    rc, out = one_pipe("deploy", bad, "--yes", "--require-approval", "never", *ep())
    lines = out.strip().splitlines()
    table = next((i for i, x in enumerate(lines) if x.startswith("Change set luaform-")), None)
    err = next((i for i, x in enumerate(lines) if x.startswith("luaform: ")), None)
    check(rc == 1 and table is not None and err == len(lines) - 1 and table < err and
          "alphanumeric" in lines[-1], "one log: the change table first, the error after it", out)

    # plan on a new stack leaves it REVIEW_IN_PROGRESS; wait says nothing runs
    fixed = write(os.path.join(tmpdir(), "fresh.lua"),
                  'resource "Q" { Type = "AWS::SQS::Queue", Properties = { QueueName = "a-valid-name" } }\n')
    rc, so, se, _ = lf("plan", fixed, *ep())
    check(rc == 0 and stack("fresh") and stack("fresh")["StackStatus"] == "REVIEW_IN_PROGRESS",
          "plan of a new stack leaves it for review", so + se)
    rc, so, se, _ = lf("wait", "--stack-name", "fresh", *ep(), timeout=20)
    check(rc == 0 and "nothing is running" in so, "wait on a REVIEW_IN_PROGRESS stack returns", so + se)
    rc, so, se, _ = lf("plan", fixed, *ep(), "--json")
    check(rc == 0 and json.loads(so or "{}").get("type") == "CREATE", "plan into a REVIEW_IN_PROGRESS stack: CREATE",
          so + se)

    # ------------------------------------------------------------ no terminal, no --yes
    rc, so, se, _ = lf("deploy", "ltbase-beta", *ep(), *ACCT, input="")
    check(rc == 1 and "--yes" in se, "deploy without a terminal needs --yes", se)

    # ------------------------------------------------------------ wait
    rc, so, se, _ = lf("wait", "--stack-name", "ltbase-prod", *ep())
    check(rc == 0 and "UPDATE_COMPLETE" in so, "wait on a settled stack", so + se)
    rc, so, se, _ = lf("wait", "--stack-name", "nonesuch", *ep())
    check(rc == 1 and one_error_line(se), "wait on a missing stack", se)

    # ------------------------------------------------------------ credentials
    env = m.env(AWS_SECRET_ACCESS_KEY="wrong" + m.secret[5:])
    rc, so, se, _ = lf("plan", "ltbase-beta", *ep(), *ACCT, env=env)
    check(rc == 1 and one_error_line(se) and "SignatureDoesNotMatch" in se, "a wrong secret: one clear error", se)
    check(m.secret[5:] not in se + so, "the secret is not printed")
    env = m.env(AWS_ACCESS_KEY_ID=None, AWS_SECRET_ACCESS_KEY=None)
    rc, so, se, _ = lf("plan", "ltbase-beta", *ep(), *ACCT, env=env)
    check(rc == 1 and one_error_line(se) and "no AWS credentials found" in se and "environment" in se
          and "web identity" in se, "no credentials: one error listing what was tried", se)

    d = tmpdir()
    write(f"{d}/credentials", f"[ops]\naws_access_key_id = {m.key_id}\naws_secret_access_key = {m.secret}\n")
    write(f"{d}/config", "[profile ops]\nregion = us-east-1\n")
    env = m.env(AWS_ACCESS_KEY_ID=None, AWS_SECRET_ACCESS_KEY=None, AWS_REGION=None,
                AWS_SHARED_CREDENTIALS_FILE=f"{d}/credentials", AWS_CONFIG_FILE=f"{d}/config")
    rc, so, se, _ = lf("plan", "ltbase-beta", *ep(), *ACCT, "-p", "beta.object_version=cred1", "--profile", "ops", "--discard", env=env)
    check(rc == 0 and "Change set" in so, "credentials and region from a profile", so + se)

    # a role to assume (trust anyone: moto does not check the trust's conditions)
    m.auth(False)
    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{moto.ACCOUNT}:user/ci"}, "Action": "sts:AssumeRole"},
        {"Effect": "Allow", "Principal": {"Federated": f"arn:aws:iam::{moto.ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"},
         "Action": "sts:AssumeRoleWithWebIdentity"}]}
    dummy = ("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    iam = m.client("iam", key=dummy)
    role = iam.create_role(RoleName="deployer", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    iam.put_role_policy(RoleName="deployer", PolicyName="all", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
    m.auth(True)

    write(f"{d}/config", f"[profile ops]\nregion = us-east-1\n[profile deployer]\nrole_arn = {role}\n"
                         "source_profile = ops\nregion = us-east-1\n")
    rc, so, se, _ = lf("plan", "ltbase-beta", *ep(), *ACCT, "-p", "beta.object_version=cred2", "--profile", "deployer", "--discard", env=env)
    check(rc == 0 and "Change set" in so, "a profile's role_arn + source_profile (STS AssumeRole)", so + se)

    # web identity: AssumeRoleWithWebIdentity is unsigned by design, and moto
    # cannot check an unsigned call with enforcement on (it answers 500), so
    # exactly that one request is let through; everything after is checked.
    jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZXBvOm9yZy9vcHM6cmVmOnJlZnMvaGVhZHMvbWFpbiJ9.c2lnbmF0dXJlLXRlc3Q"
    tok = write(f"{d}/token", jwt)
    env = m.env(AWS_ACCESS_KEY_ID=None, AWS_SECRET_ACCESS_KEY=None, AWS_WEB_IDENTITY_TOKEN_FILE=tok,
                AWS_ROLE_ARN=role, AWS_ROLE_SESSION_NAME="e2e")
    m.free_actions(1)
    rc, so, se, _ = lf("plan", "ltbase-beta", *ep(), *ACCT, "-p", "beta.object_version=cred3", "--discard", "--debug", env=env)
    check(rc == 0 and "Change set" in so, "web identity token file", so[-500:] + se[-1500:])
    check(jwt not in so + se and jwt[-20:] not in so + se, "--debug: the web identity token is not printed")
    check(not re.search(r"Signature=[0-9a-f]{64}", so + se), "--debug: no signature printed")
    check("Authorization: AWS4-HMAC-SHA256 Credential=" in se and "Signature=<redacted>" in se,
          "--debug traces requests, signature redacted", se[:500])

    # GitHub Actions: the runner's token from a local endpoint, then --role-arn
    gh_bearer = "ghs_RUNNERREQUESTTOKEN0123456789"
    seen = []

    class Token(BaseHTTPRequestHandler):
        def do_GET(self):
            seen.append((self.path, self.headers.get("Authorization")))
            ok = self.headers.get("Authorization") == f"Bearer {gh_bearer}" and "audience=sts.amazonaws.com" in self.path
            body = json.dumps({"value": jwt} if ok else {"message": "bad"}).encode()
            self.send_response(200 if ok else 401)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *a):
            pass

    srv = HTTPServer((moto.HOST, 0), Token)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    env = m.env(AWS_ACCESS_KEY_ID=None, AWS_SECRET_ACCESS_KEY=None,
                ACTIONS_ID_TOKEN_REQUEST_URL=f"http://{moto.HOST}:{srv.server_port}/token?api-version=2.0",
                ACTIONS_ID_TOKEN_REQUEST_TOKEN=gh_bearer)
    m.free_actions(1)
    rc, so, se, _ = lf("plan", "ltbase-beta", *ep(), *ACCT, "-p", "beta.object_version=cred4", "--discard", "--role-arn", role, "--debug", env=env)
    check(rc == 0 and "Change set" in so, "GitHub Actions OIDC (--role-arn, keyless)", so[-500:] + se[-1500:])
    check(seen and "audience=sts.amazonaws.com" in seen[0][0], "the runner's token is asked for sts.amazonaws.com",
          str(seen))
    check(gh_bearer not in so + se and jwt not in so + se, "--debug: GitHub tokens are not printed")
    srv.shutdown()

    # --debug of a whole deploy with a session token: nothing secret shows
    creds = m.client("sts").assume_role(RoleArn=role, RoleSessionName="dbg")["Credentials"]
    env = m.env(AWS_ACCESS_KEY_ID=creds["AccessKeyId"], AWS_SECRET_ACCESS_KEY=creds["SecretAccessKey"],
                AWS_SESSION_TOKEN=creds["SessionToken"])
    rc, so, se, _ = lf("deploy", "ltbase-beta", "--yes", "--require-approval", "never", *ep(), *ACCT, "-p", "beta.object_version=dbg", "--debug",
                       env=env)
    out = so + se
    check(rc == 0 and "UPDATE_COMPLETE" in so, "deploy with a session token", out[-1500:])
    check(creds["SecretAccessKey"] not in out, "--debug: no secret key")
    check(creds["SessionToken"] not in out and creds["SessionToken"][:40] not in out, "--debug: no session token")
    check(not re.search(r"Signature=[0-9a-f]{64}", out), "--debug: no signature")
    toks = re.findall(r"(?i)x-amz-security-token\s*[:=]\s*([^\s&;,]*)", out)
    check(toks and all(v == "<redacted>" for v in toks), "--debug shows the token header, redacted",
          str(toks[:5]))

    # ------------------------------------------------------------ parameters and tags from deploy{}
    pdir = tmpdir()
    write(f"{pdir}/params.yaml", "env: staging\n")
    pdesc = write(f"{pdir}/params.lua", '''
local env = parameter "Env" { Type = "String", AllowedValues = { "staging", "prod" } }
resource "Q" { Type = "AWS::SQS::Queue", Properties = { QueueName = Sub("q-${Env}") } }
deploy { stack_name = "params-" .. config.env, parameters = { Env = config.env },
         tags = { team = "platform" } }
''')
    rc, so, se, _ = lf("deploy", pdesc, "-c", f"{pdir}/params.yaml", "--yes", "--require-approval", "never", *ep())
    st = stack("params-staging") or {}
    check(rc == 0 and {p["ParameterKey"]: p["ParameterValue"] for p in st.get("Parameters", [])} == {"Env": "staging"}
          and {t["Key"]: t["Value"] for t in st.get("Tags", [])} == {"team": "platform"},
          "parameters and tags from the description's deploy{}", so[-500:] + se + str(st))

    # ------------------------------------------------------------ --parameter and --tags
    # over the description's deploy{} (a key of its own is kept)
    rc, so, se, _ = lf("deploy", pdesc, "-c", f"{pdir}/params.yaml", "--yes", "--require-approval", "never", *ep(), "--stack-name", "params-cli",
                       "--parameter", "Env=prod", "--tags", "team=infra", "--tags", "cost=42")
    check(rc == 0 and stack_params("params-cli") == ({"Env": "prod"}, {"team": "infra", "cost": "42"}),
          "--parameter and --tags reach CloudFormation, over deploy{}'s", so[-500:] + se + str(stack("params-cli")))
    # an update through them: a parameter changed, nothing else
    rc, so, se, _ = lf("deploy", pdesc, "-c", f"{pdir}/params.yaml", "--yes", "--require-approval", "never", *ep(), "--stack-name", "params-cli",
                       "--parameter", "Env=staging", "--tags", "team=infra", "--tags", "cost=42")
    check(rc == 0 and "UPDATE_COMPLETE" in so and stack_params("params-cli")[0] == {"Env": "staging"},
          "--parameter updates a stack", so[-500:] + se)
    # a description with no deploy{}: they are all there is
    bare = write(os.path.join(tmpdir(), "bare.lua"), '''
local env = parameter "Env" { Type = "String" }
resource "Q" { Type = "AWS::SQS::Queue", Properties = { QueueName = Sub("bare-${Env}") } }
''')
    rc, so, se, _ = lf("deploy", bare, "--yes", "--require-approval", "never", *ep(), "--parameter", "Env=x", "--tags", "owner=me")
    check(rc == 0 and stack_params("bare") == ({"Env": "x"}, {"owner": "me"}),
          "--parameter and --tags without deploy{}", so[-500:] + se)
    for args, why in ((["--parameter", "Env=a", "--parameter", "Env=b"], "--parameter 'Env' is given twice"),
                      (["--tags", "a=1", "--tags", "a=1"], "--tags 'a' is given twice"),
                      (["--parameter", "Env"], "--parameter takes KEY=VALUE, not 'Env'"),
                      (["--tags", "=v"], "--tags takes KEY=VALUE, not '=v'")):
        rc, so, se, _ = lf("plan", bare, "--endpoint-url", "http://127.0.0.1:9", *args)
        check(rc == 1 and one_error_line(se) and f"luaform: plan: {why}" in se, f"plan {' '.join(args)}: an error",
              se)

    # ------------------------------------------------------------ big templates
    big = write(os.path.join(tmpdir(), "big.lua"), '''
for i = 1, 90 do
  resource("Topic" .. i) { Type = "AWS::SNS::Topic",
    Properties = { DisplayName = string.rep("x", 80), Tags = { { Key = "k", Value = string.rep("v", 400) } } } }
end
''')
    m.client("s3").create_bucket(Bucket="lf-templates")
    rc, so, se, _ = lf("deploy", big, "--yes", "--require-approval", "never", *ep(), "--stack-name", "big")
    check(rc == 1 and "--s3-bucket" in se and "51200" in se, "a template over 51,200 bytes needs --s3-bucket", se)
    rc, so, se, _ = lf("deploy", big, "--yes", "--require-approval", "never", *ep(), "--stack-name", "big", "--s3-bucket", "lf-templates")
    check(rc == 0 and "CREATE_COMPLETE" in so, "a template over 51,200 bytes goes through S3", so[-600:] + se)
    keys = [o["Key"] for o in m.client("s3").list_objects_v2(Bucket="lf-templates").get("Contents", [])]
    check(len(keys) == 1 and keys[0].startswith("luaform/big/"), "the template was put in the bucket", str(keys))
    huge = write(os.path.join(tmpdir(), "huge.lua"), '''
for i = 1, 200 do
  resource("Topic" .. i) { Type = "AWS::SNS::Topic", Properties = { DisplayName = string.rep("x", 6000) } }
end
''')
    rc, so, se, _ = lf("deploy", huge, "--yes", "--require-approval", "never", "--endpoint-url", "http://127.0.0.1:9", "--stack-name", "huge",
                       "--s3-bucket", "lf-templates")
    check(rc == 1 and one_error_line(se) and "at most 1000000" in se, "over 1 MB is refused before any call", se)

    # ------------------------------------------------------------ delete
    rc, so, se, _ = lf("delete", "--stack-name", "ltbase-prod", *ep(), input="")
    check(rc == 1 and "--yes" in se, "delete without a terminal needs --yes", se)
    rc, so, se, _ = lf("delete", "--stack-name", "ltbase-prod", "--yes", *ep())
    check(rc == 0 and "deleted" in so and "retained" in so and "Version" in so,
          "delete waits and lists retained resources", so + se)
    check(stack("ltbase-prod") is None or stack("ltbase-prod")["StackStatus"] == "DELETE_COMPLETE", "prod is gone")
    rc, so, se, _ = lf("delete", "--stack-name", "ltbase-prod", "--yes", *ep())
    check(rc == 0 and "nothing to delete" in so, "deleting a missing stack", so + se)
    rc, so, se, _ = lf("delete", "--stack-name", "ltbase-foundation", "--yes", *ep())
    check(rc == 0 and "ArtifactBucket" in so, "the foundation's bucket is retained", so + se)
finally:
    m.stop()
report()
