"""End to end against moto_server (signature checking on): the IAM diff in
plan and deploy, and --require-approval. A small YAML stack with a role is
deployed; plan shows an added statement as broadening and a description
change as no IAM change; without a terminal, deploy --yes refuses the
broadening update (the stack is unchanged, the change set left for review)
and deploys it with --require-approval never; a narrowing update deploys
with --yes alone. Each test talks only to 127.0.0.1."""
import json
import os
import pty
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))
from lftest import BIN, check, report, run, tmpdir, write  # noqa: E402
import moto  # noqa: E402

BASE = """\
AWSTemplateFormatVersion: 2010-09-09
Description: DESCRIPTION
Resources:
  Data:
    Type: AWS::S3::Bucket
  Worker:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal: {Service: lambda.amazonaws.com}
            Action: sts:AssumeRole
      Policies:
        - PolicyName: worker
          PolicyDocument:
            Version: '2012-10-17'
            Statement:
              - Sid: Read
                Effect: Allow
                Action: [s3:GetObject, s3:PutObject]
                Resource: !Sub '${Data.Arn}/*'
EXTRA"""

DELETE = """\
              - Sid: Delete
                Effect: Allow
                Action: s3:DeleteObject
                Resource: !Sub '${Data.Arn}/*'
"""


def template(description="the first", extra="", read="[s3:GetObject, s3:PutObject]"):
    return (BASE.replace("DESCRIPTION", description).replace("EXTRA", extra)
            .replace("[s3:GetObject, s3:PutObject]", read))


m = moto.Moto()
d = tmpdir()
v1 = write(os.path.join(d, "v1.yaml"), template())
v2 = write(os.path.join(d, "v2.yaml"), template(extra=DELETE))          # adds a statement
v3 = write(os.path.join(d, "v3.yaml"), template(description="the second", extra=DELETE))
v4 = write(os.path.join(d, "v4.yaml"), template(description="the second", extra=DELETE,
                                                read="s3:GetObject"))     # narrows
STACK = ["--stack-name", "iam-app"]


def lf(*args, **kw):
    return run(*args, env=m.env(), input="", **kw)    # stdin is no terminal


def ep():
    return ["--endpoint-url", m.url]


def on_terminal(args, answer, timeout=120):
    """Run luaform on a pseudo-terminal; type answer at its first [y/N]
    question. Returns (exit status, everything it printed)."""
    pid, fd = pty.fork()
    if pid == 0:
        os.execve(BIN, ["luaform", *args], m.env())
    out, asked, end = b"", False, time.time() + timeout
    while time.time() < end:
        try:
            b = os.read(fd, 65536)
        except OSError:
            break
        if not b:
            break
        out += b
        if not asked and b"[y/N] " in out:
            os.write(fd, answer.encode() + b"\n")
            asked = True
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), out.decode(errors="replace")


def deployed_actions():
    """Every action of the deployed role's policy (boto3)."""
    body = m.client("cloudformation").get_template(StackName="iam-app", TemplateStage="Original")["TemplateBody"]
    text = body if isinstance(body, str) else json.dumps(body)
    return {a for a in ("s3:GetObject", "s3:PutObject", "s3:DeleteObject") if a in text}


try:
    # ------------------------------------------------------------ a new stack with a role
    rc, so, se, _ = lf("deploy", v1, *STACK, "--yes", *ep(), timeout=300)
    check(rc == 1 and "broaden" in se and "--require-approval never" in se and "left for review" in se,
          "a new stack with a role: --yes alone refuses (a new role broadens)", so[-1500:] + se)
    check("IAM statement changes" in so and "new role" in so and "Worker" in so,
          "the new role's statements are shown", so[-1500:])
    st = m.stack("iam-app")
    check(st is not None and st["StackStatus"] == "REVIEW_IN_PROGRESS" and
          len(m.change_sets("iam-app", waiting=True)) == 1,
          "nothing was created; the change set waits for review", str(st))
    # moto duplicates a stack given a second CREATE change set (AWS does not): start afresh
    m.client("cloudformation").delete_stack(StackName="iam-app")
    rc, so, se, _ = lf("deploy", v1, *STACK, "--yes", "--require-approval", "never", *ep(), timeout=300)
    check(rc == 0, "--require-approval never --yes creates it", so[-1500:] + se)
    check(deployed_actions() == {"s3:GetObject", "s3:PutObject"}, "v1 deployed", str(deployed_actions()))

    # ------------------------------------------------------------ plan: a statement added
    rc, so, se, _ = lf("plan", v2, *STACK, "--discard", *ep())
    rows = [x for x in so.splitlines() if "s3:DeleteObject" in x]
    check(rc == 0 and "IAM statement changes of iam-app (broadening)" in so and
          any(x.lstrip().startswith("+") and "BROADENS" in x and "Worker" in x and "Allow" in x
              for x in rows), "plan shows the added statement, flagged broadening", so)
    rc, so, se, _ = lf("plan", v2, *STACK, "--json", "--discard", *ep())
    doc = json.loads(so) if rc == 0 else {}
    diff = doc.get("iam_diff") or {}
    ch = diff.get("changes") or [{}]
    check(diff.get("broadening") is True and len(ch) == 1 and ch[0].get("change") == "added" and
          ch[0].get("kind") == "permission" and ch[0].get("principal") == "Worker" and
          ch[0]["statement"]["action"] == ["s3:DeleteObject"] and
          ch[0]["statement"]["resource"] == ["${Data.Arn}/*"],
          "plan --json has the diff", so[-2000:] + se)

    # ------------------------------------------------------------ plan: only the description
    v1b = write(os.path.join(d, "v1b.yaml"), template(description="other"))
    rc, so, se, _ = lf("plan", v1b,
                       *STACK, "--discard", *ep())
    check(rc == 0 and "iam-app: no IAM changes" in so and "BROADENS" not in so,
          "a description change: no IAM changes", so + se)
    rc, so, se, _ = lf("plan", v1b, *STACK, "--format", "json", "--discard", *ep())
    doc = json.loads(so) if rc == 0 else {}
    check(doc.get("iam_diff") == {"changes": [], "broadening": False}, "... and in --format json",
          so[-800:])

    # ------------------------------------------------------------ deploy: broadening refused, then approved
    rc, so, se, _ = lf("deploy", v2, *STACK, "--yes", *ep())
    check(rc == 1 and "IAM changes that broaden permissions" in se and "--require-approval never" in se and
          "change set luaform-" in se and "left for review" in se,
          "deploy --yes without a terminal refuses the broadening change, naming its change set", se)
    check(deployed_actions() == {"s3:GetObject", "s3:PutObject"}, "the stack is unchanged", str(deployed_actions()))
    name = se.split("change set ", 1)[1].split(" ", 1)[0] if "change set " in se else "?"
    waiting = [c["ChangeSetName"] for c in m.change_sets("iam-app", waiting=True)]
    check(name in waiting, "its change set waits for review", f"{name} {waiting}")
    rc, so, se, _ = lf("deploy", v2, *STACK, "--require-approval", "any-change", "--yes", *ep())
    check(rc == 1 and "has IAM changes and no terminal" in se, "any-change refuses it too", se)
    # on a terminal it asks, even with --yes (as cdk deploy); 'n' executes nothing
    rc, out = on_terminal(["deploy", v2, *STACK, "--yes", *ep()], "n")
    check("This change set has IAM changes that broaden permissions" in out and
          "Execute it? [y/N]" in out and deployed_actions() == {"s3:GetObject", "s3:PutObject"},
          "on a terminal, --yes still asks about a broadening change; 'n' leaves the stack",
          f"rc={rc} {out[-1500:]}")
    rc, so, se, _ = lf("deploy", v2, *STACK, "--require-approval", "never", "--yes", *ep())
    check(rc == 0 and "BROADENS" in so, "--require-approval never --yes deploys it", so[-1500:] + se)
    check(deployed_actions() == {"s3:GetObject", "s3:PutObject", "s3:DeleteObject"}, "v2 deployed",
          str(deployed_actions()))

    # ------------------------------------------------------------ a description change, then a narrowing one
    rc, so, se, _ = lf("deploy", v3, *STACK, "--yes", *ep())
    check(rc == 0 and "no IAM changes" in so, "a description change deploys with --yes", so[-1500:] + se)
    rc, so, se, _ = lf("deploy", v4, *STACK, "--require-approval", "any-change", "--yes", *ep())
    check(rc == 1 and "has IAM changes" in se, "any-change: a narrowing change needs approval", se)
    rc, so, se, _ = lf("deploy", v4, *STACK, "--yes", *ep())
    check(rc == 0 and "narrows: removes s3:PutObject" in so and "BROADENS" not in so,
          "a narrowing update deploys with --yes alone", so[-1500:] + se)
    check(deployed_actions() == {"s3:GetObject", "s3:DeleteObject"}, "v4 deployed", str(deployed_actions()))

    # ------------------------------------------------------------ a bad mode
    rc, so, se, _ = lf("deploy", v4, *STACK, "--require-approval", "sometimes", "--yes",
                       "--endpoint-url", "http://127.0.0.1:9")
    check(rc == 1 and "--require-approval takes never, any-change or broadening, not 'sometimes'" in se,
          "an unknown --require-approval is refused before any call", se)
finally:
    m.stop()
report()
