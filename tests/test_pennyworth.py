"""Pennyworth, the second built-in system, against its deployment guide
(the permissions below are the guide's, copied here so the test needs
nothing outside the repository):

- both deploy-policy variants render, JSON and YAML, cfn-lint clean;
- statement by statement on the rendered JSON: the execution role holds
  exactly the guide's runtime permissions; the development policy is the
  guide's, action for action; the production policy is the guide's list
  (plus what the resource handlers need, each named here), narrowed, with
  iam:PassRole on the execution role only, to Lambda only; the deploy role
  is trusted by the configured repository and branch only, aud pinned;
- the invariants hold, and break when the template breaks them;
- `luaform review pennyworth --fail-on high` passes;
- a bad domain, a certificate in another region, a malformed hosted zone
  id: one error at the config line;
- against moto_server: the bootstrap stack deploys (its role and policy
  read back from IAM); the app stack is not deployed there, for the reason
  the test states (moto skips API Gateway v2, custom domains and ACM, and
  a GetAtt on a skipped resource fails the change set)."""
import json
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "e2e"))
from lftest import check, report, run, tmpdir, write  # noqa: E402

EXAMPLE = os.path.join(HERE, "..", "templates", "pennyworth", "example.yaml")

GUIDE_DEVELOPMENT = [
    "cloudformation:*", "cognito-idp:*", "cognito-identity:*", "dynamodb:*", "iam:CreateRole",
    "iam:DeleteRole", "iam:GetRole", "iam:PassRole", "iam:PutRolePolicy", "iam:AttachRolePolicy",
    "iam:DetachRolePolicy", "iam:DeleteRolePolicy", "iam:ListRoles", "iam:ListRolePolicies",
    "iam:GetPolicy", "iam:ListPolicies", "iam:CreatePolicy", "iam:DeletePolicy",
    "iam:UpdateAssumeRolePolicy", "iam:TagRole", "iam:UntagRole", "iam:CreateServiceLinkedRole",
    "logs:*", "lambda:*", "apigateway:*", "s3:*", "route53:GetHostedZone", "route53:ListHostedZones",
    "route53:ChangeResourceRecordSets", "route53:GetChange", "route53:ListResourceRecordSets",
    "acm:DescribeCertificate", "acm:ListCertificates", "acm:GetCertificate", "bedrock:InvokeModel"]
GUIDE_PRODUCTION = [
    "cloudformation:*", "lambda:*", "apigateway:*", "dynamodb:*", "acm:DescribeCertificate",
    "acm:ListCertificates", "acm:GetCertificate", "route53:GetHostedZone", "route53:ListHostedZones",
    "route53:ChangeResourceRecordSets", "route53:GetChange", "route53:ListResourceRecordSets",
    "logs:*", "iam:CreateRole", "iam:DeleteRole", "iam:GetRole", "iam:PassRole", "iam:PutRolePolicy",
    "iam:AttachRolePolicy", "iam:DetachRolePolicy", "iam:DeleteRolePolicy", "iam:ListRoles",
    "iam:ListRolePolicies", "iam:GetPolicy", "iam:ListPolicies", "iam:CreatePolicy",
    "iam:DeletePolicy", "iam:UpdateAssumeRolePolicy", "iam:TagRole", "iam:UntagRole",
    "iam:CreateServiceLinkedRole", "s3:PutObject", "s3:GetObject", "s3:ListBucket", "s3:DeleteObject"]
# What the resource types' published handler permissions need beyond the
# guide's production list (AWS::IAM::Role, AWS::Lambda::Function with an
# S3 object version, AWS::CertificateManager::Certificate when created).
HANDLER_EXTRAS = [
    "iam:GetRolePolicy", "iam:ListAttachedRolePolicies", "iam:UpdateRole", "iam:UpdateRoleDescription",
    "s3:GetObjectVersion", "acm:RequestCertificate", "acm:AddTagsToCertificate",
    "acm:ListTagsForCertificate", "acm:RemoveTagsFromCertificate", "acm:UpdateCertificateOptions",
    "acm:DeleteCertificate",
    # the guide's logs:*, the part that lists the account's log groups
    "logs:DescribeLogGroups",
    # the LogGroup create handler and the Role delete handler
    "logs:DescribeResourcePolicies", "iam:ListInstanceProfilesForRole"]
RUNTIME = {
    "dynamodb": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
                 "dynamodb:Query", "dynamodb:Scan"],
    "bedrock": ["bedrock:InvokeModel"],
    "logs": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
}
P = "arn:${AWS::Partition}:"
EXEC_ROLE = P + "iam::${AWS::AccountId}:role/pennyworth-lambda-execution"


def sub(v):
    return v["Fn::Sub"] if isinstance(v, dict) and "Fn::Sub" in v else v


def as_list(v):
    return v if isinstance(v, list) else [v]


def render(*args, fmt="json"):
    d = tmpdir()
    rc, so, se, _ = run("render", "pennyworth", "-o", d, "--format", fmt, *args)
    check(rc == 0, f"render pennyworth {fmt} {' '.join(args)}", se)
    return d


def load(d, name):
    with open(os.path.join(d, name + ".json")) as f:
        return json.load(f)


# ------------------------------------------------------------ both variants, JSON and YAML, cfn-lint clean
lint = shutil.which("cfn-lint")
check(lint is not None, "cfn-lint is installed")
for variant in ("development", "production"):
    for fmt in ("json", "yaml"):
        d = render("-p", f"deploy_policy={variant}", fmt=fmt)
        files = sorted(os.listdir(d))
        check(files == [f"pennyworth-app.{fmt}", f"pennyworth-bootstrap.{fmt}"], f"{variant} {fmt}: two stacks", str(files))
        if lint:
            p = subprocess.run([lint, *[os.path.join(d, f) for f in files]], capture_output=True, text=True)
            check(p.returncode == 0 and not p.stdout.strip(), f"{variant} {fmt}: cfn-lint clean (no error, no warning)",
                  p.stdout + p.stderr)

# ------------------------------------------------------------ statement by statement
prod = render()
dev = render("-p", "deploy_policy=development")
app = load(prod, "pennyworth-app")
boot = load(prod, "pennyworth-bootstrap")

role = app["Resources"]["ExecutionRole"]["Properties"]
stmts = role["Policies"][0]["PolicyDocument"]["Statement"]
check(len(stmts) == 3, "the execution role: three statements", json.dumps(stmts))
by_sid = {s["Sid"]: s for s in stmts}
check(by_sid.get("ApiKeys", {}).get("Action") == RUNTIME["dynamodb"] and
      sub(by_sid["ApiKeys"]["Resource"][0]) == P + "dynamodb:${AWS::Region}:${AWS::AccountId}:table/pennyworth-apikeys" and
      len(by_sid["ApiKeys"]["Resource"]) == 1,
      "the six DynamoDB actions of the guide, on pennyworth-apikeys only", json.dumps(by_sid.get("ApiKeys")))
check(by_sid.get("Models", {}).get("Action") == RUNTIME["bedrock"] and by_sid["Models"]["Resource"] == ["*"],
      "bedrock:InvokeModel on any model, as the guide", json.dumps(by_sid.get("Models")))
check(by_sid.get("Logs", {}).get("Action") == RUNTIME["logs"] and
      [sub(r) for r in by_sid["Logs"]["Resource"]] ==
      [P + "logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/lambda/pennyworth*"],
      "logs on /aws/lambda/pennyworth* only", json.dumps(by_sid.get("Logs")))
check(all(s["Effect"] == "Allow" and "Condition" not in s for s in stmts), "no condition, no deny: the guide's form")
check(sub(role["PermissionsBoundary"]) == P + "iam::${AWS::AccountId}:policy/pennyworth-execution-boundary",
      "the execution role carries the boundary the deploy role cannot lift", json.dumps(role.get("PermissionsBoundary")))
narrow = load(render("-p", "lambda.bedrock_models=anthropic.claude-3-haiku-20240307-v1:0"), "pennyworth-app")
models = narrow["Resources"]["ExecutionRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"][1]
check([sub(r) for r in models["Resource"]] ==
      [P + "bedrock:${AWS::Region}::foundation-model/anthropic.claude-3-haiku-20240307-v1:0"],
      "bedrock_models narrows InvokeModel to those foundation models", json.dumps(models))

dev_policy = load(dev, "pennyworth-bootstrap")["Resources"]["DeploymentPolicy"]["Properties"]
dev_stmts = dev_policy["PolicyDocument"]["Statement"]
check(dev_policy["ManagedPolicyName"] == "pennyworth-deployment" and len(dev_stmts) == 1 and
      dev_stmts[0]["Action"] == GUIDE_DEVELOPMENT and dev_stmts[0]["Resource"] == ["*"],
      "development: the guide's development policy, action for action, on *", json.dumps(dev_stmts))

policy = boot["Resources"]["DeploymentPolicy"]["Properties"]
allst = policy["PolicyDocument"]["Statement"]
pst = [s for s in allst if s["Effect"] == "Allow"]
actions = [a for s in pst for a in as_list(s["Action"])]
check(sorted(set(actions)) == sorted(set(GUIDE_PRODUCTION + HANDLER_EXTRAS)),
      "production: the guide's production list, action for action, plus the handler permissions named here",
      f"missing {sorted(set(GUIDE_PRODUCTION + HANDLER_EXTRAS) - set(actions))} "
      f"extra {sorted(set(actions) - set(GUIDE_PRODUCTION + HANDLER_EXTRAS))}")
star_ok = {"route53:ListHostedZones", "acm:ListCertificates", "iam:ListRoles", "iam:ListPolicies",
           "acm:RequestCertificate", "logs:DescribeResourcePolicies"}
wide = [(s["Sid"], a) for s in pst for a in as_list(s["Action"]) if "*" in as_list(s["Resource"]) and a not in star_ok]
check(not wide, "production: '*' only for the actions that act on no resource", str(wide))
passes = [s for s in pst if "iam:PassRole" in as_list(s["Action"])]
check(len(passes) == 1 and as_list(passes[0]["Action"]) == ["iam:PassRole"] and
      [sub(r) for r in passes[0]["Resource"]] == [EXEC_ROLE] and
      passes[0].get("Condition") == {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}},
      "iam:PassRole: the execution role only, to Lambda only, from the first deploy", json.dumps(passes))
widen = [s for s in pst if {"iam:CreateRole", "iam:PutRolePolicy", "iam:AttachRolePolicy"} & set(as_list(s["Action"]))]
check(widen and all(json.dumps(s.get("Condition", {})).find("pennyworth-execution-boundary") > 0 and
                    [sub(r) for r in s["Resource"]] == [EXEC_ROLE] for s in widen),
      "role writes that widen only on the execution role, only with the boundary", json.dumps(widen))
records = [s for s in pst if "route53:ChangeResourceRecordSets" in as_list(s["Action"])]
check(len(records) == 1 and records[0]["Condition"] == {
        "ForAllValues:StringLike": {"route53:ChangeResourceRecordSetsNormalizedRecordNames":
                                    ["api.example.com", "_*.api.example.com"]},
        "ForAllValues:StringEquals": {"route53:ChangeResourceRecordSetsRecordTypes": ["A", "CNAME"]}},
      "DNS changes only for api.<domain> and ACM's validation record under it, A and CNAME only",
      json.dumps(records))
denies = [s for s in allst if s["Effect"] == "Deny"]
check(len(denies) == 1 and {"iam:CreatePolicy", "iam:DeletePolicy", "iam:CreatePolicyVersion",
                            "iam:SetDefaultPolicyVersion"} <= set(denies[0]["Action"]) and
      sorted(sub(r) for r in denies[0]["Resource"]) ==
      [P + "iam::${AWS::AccountId}:policy/pennyworth-deployment",
       P + "iam::${AWS::AccountId}:policy/pennyworth-execution-boundary"],
      "the boundary and the deploy policy cannot be deleted, re-created or re-versioned by the deploy role",
      json.dumps(denies))
creates = [s for s in pst if "iam:CreatePolicy" in as_list(s["Action"])]
check(len(creates) == 1 and [sub(r) for r in creates[0]["Resource"]] ==
      [P + "iam::${AWS::AccountId}:policy/pennyworth-app-*"],
      "CreatePolicy/DeletePolicy only under pennyworth-app-*, a prefix the admin's policies lack",
      json.dumps(creates))
cfn = [s for s in pst if "cloudformation:*" in as_list(s["Action"])][0]
check([sub(r) for r in cfn["Resource"]] ==
      [P + "cloudformation:${AWS::Region}:${AWS::AccountId}:stack/pennyworth/*",
       P + "cloudformation:${AWS::Region}:${AWS::AccountId}:changeSet/*/*"],
      "cloudformation:* on the app stack and change sets, never the bootstrap stack", json.dumps(cfn))
with_cert = load(render("-p", "certificate_arn=arn:aws:acm:us-west-2:111111111111:certificate/1234abcd-12ab"),
                 "pennyworth-bootstrap")
acts = [a for s in with_cert["Resources"]["DeploymentPolicy"]["Properties"]["PolicyDocument"]["Statement"]
        for a in as_list(s["Action"])]
check("acm:RequestCertificate" not in acts and "acm:DeleteCertificate" not in acts,
      "an existing certificate: no certificate is requested, none may be deleted", str(acts))
check("Certificate" not in load(render("-p", "certificate_arn=arn:aws:acm:us-west-2:111111111111:certificate/1234abcd-12ab"),
                                "pennyworth-app")["Resources"], "an existing certificate is used, not created")

trust = boot["Resources"]["DeployRole"]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
check(len(trust) == 1 and trust[0]["Action"] == ["sts:AssumeRoleWithWebIdentity"] and
      trust[0]["Condition"] == {"StringEquals": {
          "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
          "token.actions.githubusercontent.com:sub": "repo:johnwbyrd/pennyworth:ref:refs/heads/main"}},
      "the deploy role: trusted by johnwbyrd/pennyworth main only, aud pinned", json.dumps(trust))
other = load(render("-p", "github.repository=acme/pw", "-p", "github.branch=release"), "pennyworth-bootstrap")
sub_ = other["Resources"]["DeployRole"]["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Condition"]
check(sub_["StringEquals"]["token.actions.githubusercontent.com:sub"] == "repo:acme/pw:ref:refs/heads/release",
      "repository and branch come from the config", json.dumps(sub_))
shared = load(render("-p", "github.oidc_provider_arn=arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com"),
              "pennyworth-bootstrap")
check("GitHubOidcProvider" not in shared["Resources"] and
      shared["Resources"]["DeployRole"]["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] ==
      {"Federated": "arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com"},
      "an existing OIDC provider (shared with LTBase) is trusted, none created")
tbl = app["Resources"]["ApiKeyTable"]
check(tbl["DeletionPolicy"] == "Retain" and tbl["UpdateReplacePolicy"] == "Retain" and
      tbl["Properties"]["BillingMode"] == "PAY_PER_REQUEST" and
      tbl["Properties"]["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True} and
      tbl["Properties"]["TableName"] == "pennyworth-apikeys",
      "the table: on demand, point-in-time recovery, retained on delete and replace", json.dumps(tbl))
outs = {**boot["Outputs"], **app["Outputs"]}
for secret, key in (("AWS_DEPLOY_ROLE_ARN", "AwsDeployRoleArn"), ("ROUTE53_HOSTED_ZONE_ID", "Route53HostedZoneId"),
                    ("STACK_NAME", "StackName"), ("AWS_REGION", "AwsRegion"), ("BASE_DOMAIN", "BaseDomain")):
    check(key in outs and secret in outs[key].get("Description", ""), f"an output for the secret {secret}")
check(app["Outputs"]["ApiUrl"]["Value"] == "https://api.example.com/", "the API URL output")

# ------------------------------------------------------------ invariants and review
rc, so, se, _ = run("review", "pennyworth", "--fail-on", "high")
check(rc == 0 and "0 critical, 0 high" in so and "invariants: 4 hold" in so,
      "luaform review pennyworth --fail-on high passes, its four invariants hold", so[:600] + se)
broken = load(prod, "pennyworth-app")
broken["Resources"]["ExecutionRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"][0]["Action"].append("dynamodb:BatchWriteItem")
bad_tpl = write(os.path.join(tmpdir(), "pennyworth-app.json"), json.dumps(broken, indent=2))
rc, so, se, _ = run("review", bad_tpl, "--against", "pennyworth-app")
check(rc == 1 and "exactly the guide's ten actions" in so + se and "dynamodb:BatchWriteItem" in so + se,
      "an eleventh runtime action breaks the execution-role invariant", so[-800:] + se)
broken = load(prod, "pennyworth-bootstrap")
for s in broken["Resources"]["DeploymentPolicy"]["Properties"]["PolicyDocument"]["Statement"]:
    if s["Sid"] == "PassExecutionRole":
        s.pop("Condition")
bad_tpl = write(os.path.join(tmpdir(), "pennyworth-bootstrap.json"), json.dumps(broken, indent=2))
rc, so, se, _ = run("review", bad_tpl, "--against", "pennyworth-bootstrap")
check(rc == 1 and "may pass the role to any service" in so + se,
      "PassRole without iam:PassedToService breaks the PassRole invariant", so[-800:] + se)

broken = load(prod, "pennyworth-bootstrap")
st = broken["Resources"]["DeploymentPolicy"]["Properties"]["PolicyDocument"]["Statement"]
broken["Resources"]["DeploymentPolicy"]["Properties"]["PolicyDocument"]["Statement"] = [
    dict(s, Resource=[{"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/pennyworth-*"}])
    if s["Sid"] == "AppPolicies" else s for s in st if s["Effect"] == "Allow"]
bad_tpl = write(os.path.join(tmpdir(), "pennyworth-bootstrap.json"), json.dumps(broken, indent=2))
rc, so, se, _ = run("review", bad_tpl, "--against", "pennyworth-bootstrap")
check(rc == 1 and "cannot change the boundary or its own policy" in so + se,
      "CreatePolicy over the boundary's name breaks the boundary invariant", so[-800:] + se)
broken = load(prod, "pennyworth-bootstrap")
del broken["Resources"]["DeployRole"]["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Condition"][
    "StringEquals"]["token.actions.githubusercontent.com:aud"]
bad_tpl = write(os.path.join(tmpdir(), "pennyworth-bootstrap.json"), json.dumps(broken, indent=2))
rc, so, se, _ = run("review", bad_tpl, "--against", "pennyworth-bootstrap")
check(rc == 1 and "may assume the deploy role" in so + se and "aud" in so + se,
      "a trust without aud breaks the trust invariant", so[-800:] + se)

# ------------------------------------------------------------ bad configs: one error at the config line
base = open(EXAMPLE).read()
for name, old, new, want in (
        ("a bad domain", "base_domain: example.com", "base_domain: exa_mple.com", "base_domain: 'exa_mple.com' is not valid"),
        ("api.<domain> too long for a created certificate", "base_domain: example.com",
         "base_domain: " + "b" * 40 + "." + "c" * 20 + ".com",
         "is longer than the 64 characters of an ACM certificate's name"),
        ("a domain label over 63 characters", "base_domain: example.com", "base_domain: " + "a" * 64 + ".com",
         "is longer than 63 characters"),
        ("a certificate in another region",
         "# certificate_arn: arn:aws:acm:us-west-2:111111111111:certificate/...  (empty: created)",
         "certificate_arn: arn:aws:acm:us-east-1:111111111111:certificate/1234abcd-12ab",
         "certificate_arn: the certificate is in us-east-1, but a regional custom domain needs one in us-west-2"),
        ("a hosted zone id of the wrong form", "hosted_zone_id: Z0123456789EXAMPLEZONE", "hosted_zone_id: /hostedzone/Z01",
         "hosted_zone_id: '/hostedzone/Z01' is not valid")):
    assert old in base, old
    text = base.replace(old, new)
    line = text.splitlines().index(new.split("  #")[0].rstrip()) + 1 if new in text.splitlines() else \
        next(i + 1 for i, x in enumerate(text.splitlines()) if x.startswith(new.split(":")[0] + ":"))
    cfg = write(os.path.join(tmpdir(), "pw.yaml"), text)
    rc, so, se, _ = run("render", "pennyworth", "-c", cfg, "-o", tmpdir())
    lines = se.strip().splitlines()
    check(rc == 1 and len(lines) == 1 and lines[0].startswith(f"luaform: {cfg}:{line}: ") and want in lines[0],
          f"{name}: one error at line {line}", se)
rc, so, se, _ = run("render", "pennyworth", "-o", tmpdir(), "-p",
                    "certificate_arn=arn:aws:acm:eu-west-1:111111111111:certificate/1234abcd-12ab")
check(rc == 1 and "luaform: -p: certificate_arn: the certificate is in eu-west-1" in se,
      "the same check on -p names -p", se)

# ------------------------------------------------------------ moto_server
import moto  # noqa: E402

if moto.have_tools():
    m = moto.Moto()
    try:
        env = m.env(AWS_REGION="us-west-2")
        rc, so, se, _ = run("deploy", "pennyworth-bootstrap", "--yes", "--require-approval", "never",
                            "--endpoint-url", m.url, env=env, timeout=300)
        check(rc == 0 and "CREATE_COMPLETE" in so, "the bootstrap stack deploys to moto", so[-1500:] + se)
        iam = m.client("iam")
        r = iam.get_role(RoleName="pennyworth-github-deploy-role")["Role"]
        doc = r["AssumeRolePolicyDocument"]
        doc = json.loads(doc) if isinstance(doc, str) else doc
        check(doc["Statement"][0]["Condition"]["StringEquals"]["token.actions.githubusercontent.com:sub"] ==
              "repo:johnwbyrd/pennyworth:ref:refs/heads/main", "the deploy role's trust, read back from IAM", json.dumps(doc))
        pols = [p for p in iam.list_policies(Scope="Local")["Policies"] if p["PolicyName"] == "pennyworth-deployment"]
        check(len(pols) == 1, "the pennyworth-deployment policy exists in IAM", str(pols))
        if pols:
            v = iam.get_policy_version(PolicyArn=pols[0]["Arn"], VersionId=pols[0]["DefaultVersionId"])
            got = v["PolicyVersion"]["Document"]
            got = json.loads(got) if isinstance(got, str) else got
            check(sorted({a for s in got["Statement"] if s["Effect"] == "Allow" for a in as_list(s["Action"])}) ==
                  sorted(set(GUIDE_PRODUCTION + HANDLER_EXTRAS)), "IAM holds the production policy as rendered")
        # The app stack is not deployed to moto: moto skips every
        # AWS::ApiGatewayV2::* type and AWS::CertificateManager::Certificate
        # (measured on moto_server), and ApiDnsRecord's
        # Fn::GetAtt ApiDomain.RegionalDomainName on the skipped
        # AWS::ApiGatewayV2::DomainName fails ExecuteChangeSet. cfn-lint
        # and the invariants above are the checks of that stack.
        skipped = sorted(k for k, v in app["Resources"].items()
                         if v["Type"].startswith("AWS::ApiGatewayV2::") or v["Type"] == "AWS::CertificateManager::Certificate")
        check(skipped == ["ApiDomain", "ApiMapping", "Certificate", "DefaultRoute", "DefaultStage", "HttpApi",
                          "ProxyIntegration"] and
              app["Resources"]["ApiDnsRecord"]["Properties"]["AliasTarget"]["DNSName"] ==
              {"Fn::GetAtt": ["ApiDomain", "RegionalDomainName"]},
              "the app stack is not deployed to moto: moto skips these types, and ApiDnsRecord's GetAtt on "
              "ApiDomain would fail the change set", str(skipped))
    finally:
        m.stop()
else:
    check(False, "moto_server and the aws CLI are installed")
report()
