"""End to end: luaform drift.

Against moto_server itself (--template-only: moto has no drift detection):
a freshly deployed stack is in sync; the stack updated behind luaform's
back by `aws cloudformation update-stack` with a YAML template (short-form
tags) that differs in one property drifts at that path; YAML meaning the
same as the description is in sync again; a changed parameter and a
changed tag drift; a stack that is not deployed drifts; --github caps its
annotations at 10 per kind and writes the whole report to
$GITHUB_STEP_SUMMARY; --format json says what the text says.

Against tests/e2e/driftproxy.py in front of moto (a scripted endpoint:
moto has no DetectStackDrift, shows no code hash for a function a stack
made, and skips AWS::Lambda::Alias), which answers CloudFormation's drift
detection and overrides Lambda's GetFunction/GetAlias from a scenario:
resource drift through the ignore list (config rules, shipped defaults,
equivalences), unchecked statuses, paging, a failed detection, a detection
refused, Lambda code and alias drift. The artifact's SHA-256 comes from
moto's S3 (a real object version). Only 127.0.0.1 is used."""
import hashlib
import base64
import io
import json
import os
import sys
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))
from lftest import check, report, run, tmpdir, write  # noqa: E402
import moto  # noqa: E402

SYSTEMS = os.path.join(HERE, "drift_systems")
FAST = {"LUAFORM_POLL_MS": "20", "LUAFORM_SYSTEMS_DIR": SYSTEMS}

m = moto.FixedMoto()
d = tmpdir()


def zipped(text):
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w") as z:
        z.writestr("index.py", text)
    return b.getvalue()


def sha(data):
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def lf(*args, url=None, **extra):
    env = m.env(**FAST, **extra)
    return run(*args, "--endpoint-url", url or m.url, env=env, timeout=120)


# The YAML an operator might push behind luaform's back: the rendered
# template's meaning, in another form (short-form tags, keys in another
# order, a number quoted), with {timeout} for the queue's visibility.
YAML = """\
Description: 'fnapp: a function from an S3 artifact, its version and alias, a queue'
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Env: {{Type: String, Default: test}}
Resources:
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: {timeout}
      QueueName: !Sub ${{AWS::StackName}}-jobs
  Function:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      FunctionName: !Sub "${{AWS::StackName}}-fn"
      Role: !GetAtt Role.Arn
      Code: {{S3Bucket: fnapp-artifacts, S3Key: app/fn.zip, S3ObjectVersion: {version}}}
      Environment:
        Variables:
          ENV: !Ref Env
  Version:
    Type: AWS::Lambda::Version
    Properties: {{FunctionName: !Ref Function}}
  Alias:
    Type: AWS::Lambda::Alias
    Properties:
      Name: live
      FunctionName: !Ref Function
      FunctionVersion: !GetAtt [Version, Version]
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal: {{Service: lambda.amazonaws.com}}
            Action: [sts:AssumeRole]
Outputs:
  QueueUrl: {{Value: !Ref Queue}}
{extra}"""


def push(timeout="60", env="test", team="ops", extra=""):
    """update-stack with the aws CLI, as someone in the console might."""
    body = YAML.format(timeout=timeout, version=version_id, extra=extra)
    m.aws("cloudformation", "update-stack", "--stack-name", "fnapp", "--template-body", body,
          "--parameters", f"ParameterKey=Env,ParameterValue={env}",
          "--tags", f"Key=team,Value={team}", "--capabilities", "CAPABILITY_IAM")
    st = m.stack("fnapp")
    check(st["StackStatus"] == "UPDATE_COMPLETE", "update-stack behind luaform's back", str(st))


DriftProxy = moto.DriftProxy


proxy = None
try:
    s3 = m.client("s3")
    s3.create_bucket(Bucket="fnapp-artifacts")
    s3.put_bucket_versioning(Bucket="fnapp-artifacts", VersioningConfiguration={"Status": "Enabled"})
    code = zipped("def handler(e, c):\n    return 1\n")
    version_id = s3.put_object(Bucket="fnapp-artifacts", Key="app/fn.zip", Body=code)["VersionId"]
    cfg = write(os.path.join(d, "fnapp.yaml"), f"""\
system: fnsys
bucket: fnapp-artifacts
key: app/fn.zip
object_version: {version_id}
drift:
  ignore:
    - logical_id: Queue
      path: /MessageRetentionPeriod
      reason: the retention is tuned by the on-call runbook
""")

    # ------------------------------------------------------------ moto: template, parameters, tags
    rc, so, se, _ = lf("deploy", "fnapp", "fnapp-extra", "-c", cfg, "--yes", "--require-approval", "never")
    check(rc == 0, "deploy fnapp and fnapp-extra to moto", so[-1500:] + se)
    rc, so, se, _ = lf("drift", "fnapp", "-c", cfg, "--template-only")
    check(rc == 0, "a freshly deployed stack has no drift (exit 0)", so + se)
    first = so.splitlines()[0] if so else ""
    check(first.startswith("fnapp: resources not checked (--template-only); template in sync; "
                           "parameters in sync; tags in sync"), "the summary line comes first", so)

    out = os.path.join(d, "out")
    rc, so, se, _ = run("render", "fnapp", "-c", cfg, "-o", out, env=FAST)
    rendered = os.path.join(out, "fnapp.json")
    rc, so, se, _ = lf("drift", rendered, "--stack-name", "fnapp", "--tags", "team=ops", "--template-only")
    check(rc == 0 and "template in sync" in so, "a template file with --stack-name and --tags: in sync", so + se)
    rc, so, se, _ = lf("drift", rendered, "--stack-name", "fnapp", "--template-only")
    check(rc == 2 and "tags drifted (1)" in so and "+ team (in the stack, not in the repository)" in so,
          "the same file without the stack's tag: a tag only the stack has", so + se)

    push(timeout="90")
    rc, so, se, _ = lf("drift", "fnapp", "-c", cfg, "--template-only")
    check(rc == 2, "a YAML update-stack that changes one property: exit 2", so + se)
    check("template drifted (1)" in so.splitlines()[0] and
          "Resources.Queue.Properties.VisibilityTimeout (changed)" in so and
          "expected: 60" in so and "actual:   90" in so,
          "the drift names the path, the expected and the actual value", so)
    rc, jo, se, _ = lf("drift", "fnapp", "-c", cfg, "--template-only", "--format", "json")
    doc = json.loads(jo) if rc == 2 else {}
    st = doc.get("stacks", [{}])[0]
    check(doc.get("exit") == 2 and st.get("state") == "drifted" and
          st["template"]["differences"] == [{"path": "Resources.Queue.Properties.VisibilityTimeout",
                                              "kind": "changed", "expected": 60, "actual": 90}],
          "--format json: the same difference, as data", jo[:1500] + se)
    check(st.get("summary") == so.splitlines()[0].split(": ", 1)[1],
          "--format json: the same summary as the text", jo[:400])

    push(timeout='"60"')
    rc, so, se, _ = lf("drift", "fnapp", "-c", cfg, "--template-only")
    check(rc == 0 and "template in sync" in so,
          "YAML meaning the same as the description (another order, short tags, a quoted number): exit 0",
          so + se)

    push(env="prod")
    rc, so, se, _ = lf("drift", "fnapp", "-c", cfg, "--template-only")
    check(rc == 2 and "parameters drifted (1)" in so and "Env (changed)" in so and
          "expected: test" in so and "actual:   prod" in so, "a changed parameter: exit 2", so + se)

    push(team="platform")
    rc, so, se, _ = lf("drift", "fnapp", "-c", cfg, "--template-only")
    check(rc == 2 and "tags drifted (1)" in so and "team (changed)" in so and "actual:   platform" in so,
          "a changed stack tag: exit 2", so + se)

    # --github: 12 outputs only the deployed stack has; at most 10 annotations of a kind.
    outputs = "".join(f"  Extra{i}:\n    Value: v{i}\n" for i in range(12))
    push(extra=outputs)
    summary = os.path.join(d, "step-summary.md")
    write(summary, "earlier step\n")
    rc, so, se, _ = lf("drift", "fnapp", "-c", cfg, "--template-only", "--github",
                       GITHUB_STEP_SUMMARY=summary)
    errors = [x for x in so.splitlines() if x.startswith("::error ")]
    check(rc == 2 and len(errors) == 10, "--github: 10 ::error annotations for 12 differences", so)
    check(errors and errors[0].startswith("::error title=fnapp template drift::Outputs.Extra0 extra: ") and
          "3 more (drift) in the job summary" in errors[-1],
          "--github: each names the stack and path; the 10th says how many more", "\n".join(errors))
    with open(summary) as f:
        md = f.read()
    check(md.startswith("earlier step\n## luaform drift: drift found") and
          all(f"Outputs.Extra{i}" in md for i in range(12)),
          "--github: the whole report is appended to $GITHUB_STEP_SUMMARY", md[:800])
    rc, so, se, _ = lf("drift", "fnapp", "-c", cfg, "-p", "stack_name=fnapp-absent", "--template-only")
    check(rc == 2 and "fnapp-absent: not deployed" in so, "a stack that is not deployed: exit 2", so + se)
    push()

    # parameters drift cannot compare are listed, not passed over; a decimal is the same number
    params = write(os.path.join(d, "params.json"), json.dumps({
        "Parameters": {"Secret": {"Type": "String", "NoEcho": True},
                       "Env": {"Type": "String"},
                       "Weight": {"Type": "Number", "Default": 0.1}},
        "Resources": {"Q": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "params-q"}}}}))
    rc, so, se, _ = lf("deploy", params, "--stack-name", "params", "--parameter", "Secret=s3cret",
                       "--parameter", "Env=prod", "--yes", "--require-approval", "never")
    check(rc == 0, "deploy a template with a NoEcho parameter and a decimal default", so[-800:] + se)
    rc, so, se, _ = lf("drift", params, "--stack-name", "params", "--template-only")
    check(rc == 0 and "parameters in sync (2 not compared)" in so.splitlines()[0] and
          "Parameters not compared" in so and "Secret: NoEcho" in so and
          "Env: no value given and no default (give it with --parameter)" in so and "Weight" not in so,
          "NoEcho and unknown parameters are listed as not compared; 0.1 is 0.1", so + se)
    rc, so, se, _ = lf("drift", params, "--stack-name", "params", "--parameter", "Env=test",
                       "--template-only", "--github")
    check(rc == 2 and "Env (changed)" in so and
          "::warning title=params not compared::parameter Secret: NoEcho" in so,
          "given, the parameter is compared; the one not compared is a warning annotation", so + se)
    rc, so, se, _ = lf("drift", params, "--stack-name", "params", "--template-only", "--github",
                       "--format", "json")
    check(rc == 1 and "give the JSON a file with -o FILE" in se and not so,
          "--format json --github without -o: refused (the annotations would break the JSON)", so + se)

    # moto has no drift detection: without --template-only that is an error, never a pass
    rc, so, se, _ = lf("drift", "fnapp", "-c", cfg)
    check(rc == 1 and so.startswith("fnapp: resources not checked (drift detection failed); template in sync;")
          and so.splitlines()[0].endswith("; error") and "drift detection of fnapp: DetectStackDrift" in so,
          "an endpoint without drift detection: exit 1 unless --template-only", so + se)

    # ------------------------------------------------------------ errors before any call
    bad = write(os.path.join(d, "bad.yaml"), open(cfg).read().replace(
        "      reason: the retention is tuned by the on-call runbook\n", ""))
    rc, so, se, _ = lf("drift", "fnapp", "-c", bad, "--template-only")
    check(rc == 1 and f"luaform: {bad}:7: drift.ignore.1: reason is required" in se,
          "an ignore rule without a reason: one error at its line", se)
    bad = write(os.path.join(d, "bad2.yaml"), open(cfg).read().replace("path: /Message", "path: Message"))
    rc, so, se, _ = lf("drift", "fnapp", "-c", bad, "--template-only")
    check(rc == 1 and f"luaform: {bad}:8: drift.ignore.1.path: expected a property path" in se,
          "a path not starting with '/': error at its line", se)

    # ------------------------------------------------------------ driftproxy: resource and Lambda drift
    proxy = DriftProxy(m.url)
    res = {r["LogicalResourceId"]: r for r in
           m.client("cloudformation").list_stack_resources(StackName="fnapp")["StackResourceSummaries"]
           if r["LogicalResourceId"]}
    fn_name = res["Function"]["PhysicalResourceId"]
    # moto gives the version no physical id and skips the alias: the proxy
    # lists them as CloudFormation does (the version's ARN, the alias's).
    fn_arn = f"arn:aws:lambda:us-east-1:{moto.ACCOUNT}:function:{fn_name}"
    physical = {"Version": {"PhysicalResourceId": fn_arn + ":1"},
                "Alias": {"PhysicalResourceId": fn_arn + ":live", "ResourceType": "AWS::Lambda::Alias",
                          "ResourceStatus": "CREATE_COMPLETE"}}
    for lid, fields in physical.items():
        res[lid] = dict(res.get(lid, {"LogicalResourceId": lid}), **fields)

    def in_sync(lid, **kw):
        r = {"LogicalResourceId": lid, "PhysicalResourceId": res[lid]["PhysicalResourceId"],
             "ResourceType": res[lid]["ResourceType"], "StackResourceDriftStatus": "IN_SYNC",
             "PropertyDifferences": []}
        r.update(kw)
        return r

    ok_lambda = {"functions": {fn_name: {"CodeSha256": sha(code)}},
                 "aliases": {f"{fn_name}/live": {"Name": "live", "FunctionVersion": "1"}}}
    base = {"detect": {"pending": 2, "status": "DETECTION_COMPLETE"}, "page_size": 2, "list_page_size": 2,
            "resources": {"fnapp": physical},
            "drifts": {"fnapp": [in_sync(x) for x in sorted(res)]}, "lambda": ok_lambda}
    proxy.scenario(base)
    rc, so, se, _ = lf("drift", "fnapp", "-c", cfg, url=proxy.url)
    total = len(res)
    check(rc == 0 and so.startswith(f"fnapp: 0 of {total} resources drifted; template in sync; "
                                    "parameters in sync; tags in sync; Lambda code in sync\n"),
          "in sync: resources, template, Lambda code and alias (exit 0)", so + se)
    stats = proxy.stats()
    check(stats["requests"].get("DescribeStackDriftDetectionStatus", 0) >= 3,
          "the detection is polled until it is done", json.dumps(stats)[:600])
    check(stats["requests"].get("DescribeStackResourceDrifts", 0) >= 3,
          "the resource drifts are read page by page (5 drifts, 2 a page)", json.dumps(stats)[:600])
    check(stats["requests"].get("ListStackResources", 0) >= 3,
          "the stack's resources are read page by page", json.dumps(stats)[:600])

    policy = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                         "Principal": {"Service": "lambda.amazonaws.com"}}]})
    drifts = [
        in_sync("Queue", StackResourceDriftStatus="MODIFIED", PropertyDifferences=[
            {"PropertyPath": "/VisibilityTimeout", "ExpectedValue": "60", "ActualValue": "90",
             "DifferenceType": "NOT_EQUAL"},
            {"PropertyPath": "/MessageRetentionPeriod", "ExpectedValue": "345600", "ActualValue": "86400",
             "DifferenceType": "NOT_EQUAL"}]),
        in_sync("Role", StackResourceDriftStatus="MODIFIED", PropertyDifferences=[
            {"PropertyPath": "/AssumeRolePolicyDocument", "ExpectedValue": policy,
             "ActualValue": json.dumps(json.loads(policy), indent=1, sort_keys=True),
             "DifferenceType": "NOT_EQUAL"}]),
        in_sync("Function", StackResourceDriftStatus="MODIFIED", PropertyDifferences=[
            {"PropertyPath": "/Code", "ExpectedValue": '{"SourceKMSKeyArn":"k"}', "ActualValue": "null",
             "DifferenceType": "REMOVE"},
            {"PropertyPath": "/KmsKeyArn", "ExpectedValue": "1234abcd-12ab-34cd-56ef-1234567890ab",
             "ActualValue": "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
             "DifferenceType": "NOT_EQUAL"}]),
        in_sync("Version", StackResourceDriftStatus="NOT_CHECKED",
                DriftStatusReason="Drift detection is not supported for this resource"),
    ]
    proxy.scenario(dict(base, drifts={"fnapp": drifts}))
    rc, so, se, _ = lf("drift", "fnapp", "-c", cfg, url=proxy.url)
    check(rc == 2 and so.startswith(f"fnapp: 1 of {total} resources drifted;"),
          "one resource drifted once the ignore list and equivalences are applied (exit 2)", so + se)
    check("Queue  AWS::SQS::Queue" in so and "/VisibilityTimeout (NOT_EQUAL)" in so and
          "/MessageRetentionPeriod (NOT_EQUAL)" not in so, "the drifted property is shown, the ignored one not there", so)
    check("Ignored" in so and "the retention is tuned by the on-call runbook" in so and
          f"{cfg}:7" in so, "a config rule's difference is listed as ignored, with its rule's line", so)
    check("cloudformation-coverage-roadmap#2324" in so and "(default)" in so,
          "the shipped default for Lambda's Code false positive", so)
    check("the same KMS key" in so and "the same document, serialised differently" in so,
          "key id vs ARN and a re-serialised policy are equivalences, listed as ignored", so)
    check("Unchecked" in so and "Version  AWS::Lambda::Version  NOT_CHECKED: Drift detection is not supported" in so
          and "4 ignored" in so.splitlines()[0], "NOT_CHECKED is listed as unchecked, never in sync", so)
    rc, jo, se, _ = lf("drift", "fnapp", "-c", cfg, "--format", "json", url=proxy.url)
    st = json.loads(jo)["stacks"][0] if rc == 2 else {}
    check(st.get("resources", {}).get("drifted") == 1 and len(st.get("ignored", [])) == 4 and
          [u["logical_id"] for u in st.get("unchecked", [])] == ["Version", "Alias"] and
          st["resources"]["drifted_resources"][0]["differences"] ==
          [{"path": "/VisibilityTimeout", "kind": "NOT_EQUAL", "expected": 60, "actual": 90}],
          "--format json carries the same resource drift, ignored and unchecked", jo[:2000])

    # a resource CloudFormation gave no result for, and the other unchecked statuses
    drifts = [in_sync("Queue", StackResourceDriftStatus="UNKNOWN"),
              in_sync("Role", StackResourceDriftStatus="DELETED")]
    proxy.scenario(dict(base, drifts={"fnapp": drifts}))
    rc, so, se, _ = lf("drift", "fnapp", "-c", cfg, url=proxy.url)
    check(rc == 2 and "Role  AWS::IAM::Role" in so and "DELETED" in so and
          "Queue  AWS::SQS::Queue  UNKNOWN" in so and "Function  AWS::Lambda::Function  NOT_CHECKED: no drift result" in so,
          "DELETED is drift; UNKNOWN and no result at all are unchecked", so + se)

    # Lambda: code swapped by hand, the alias moved and given weights
    lam = {"functions": {fn_name: {"CodeSha256": sha(b"other code")}},
           "aliases": {f"{fn_name}/live": {"Name": "live", "FunctionVersion": "2",
                                           "RoutingConfig": {"AdditionalVersionWeights": {"3": 0.5}}}}}
    proxy.scenario(dict(base, **{"lambda": lam}))
    rc, so, se, _ = lf("drift", "fnapp", "-c", cfg, url=proxy.url)
    check(rc == 2 and "Lambda code drifted (3)" in so and
          f"its code is not the artifact s3://fnapp-artifacts/app/fn.zip?versionId={version_id}" in so and
          f"expected: {sha(code)}" in so and f"actual:   {sha(b'other code')}" in so,
          "code swapped by hand: CodeSha256 against the artifact's SHA-256 (exit 2)", so + se)
    check("alias version: the alias serves another version" in so and "alias weights" in so and
          '{"3":0.5}' in so, "the alias's version and weights against the template", so)
    proxy.scenario(dict(base, **{"lambda": {"functions": ok_lambda["functions"],
                                            "aliases": {f"{fn_name}/live": None}}}))
    rc, so, se, _ = lf("drift", "fnapp", "-c", cfg, url=proxy.url)
    check(rc == 2 and "the alias does not exist" in so, "a deleted alias is drift", so + se)

    # the detection fails, or is refused: exit 1, never a pass
    proxy.scenario(dict(base, detect={"pending": 1, "status": "DETECTION_FAILED",
                                      "reason": "Failed to detect drift on resource [Role]"}))
    rc, so, se, _ = lf("drift", "fnapp", "-c", cfg, url=proxy.url)
    check(rc == 1 and "drift detection failed for fnapp: Failed to detect drift on resource [Role]" in so
          and "resources drifted (detection incomplete)" in so.splitlines()[0] and
          so.splitlines()[0].endswith("; error"), "a failed detection: exit 1, its reason shown", so + se)
    proxy.scenario(dict(base, detect={"error": {"code": "AccessDenied", "status": 403,
                                                "message": "not authorized to perform: cloudformation:DetectStackDrift"}}))
    rc, so, se, _ = lf("drift", "fnapp", "-c", cfg, url=proxy.url)
    check(rc == 1 and "cloudformation:DetectStackDrift" in so + se, "a refused detection: exit 1", so + se)
    # CloudFormation's verdict must agree with the drifts it lists; an unknown status is no verdict
    proxy.scenario(dict(base, detect={"status": "DETECTION_COMPLETE", "stack_drift_status": "DRIFTED",
                                      "drifted_count": 1}, drifts={"fnapp": []}))
    rc, so, se, _ = lf("drift", "fnapp", "-c", cfg, url=proxy.url)
    check(rc == 1 and "CloudFormation counts 1 drifted resources (stack DRIFTED) but lists 0" in so,
          "DRIFTED with no drifted resource listed: exit 1, never in sync", so + se)
    proxy.scenario(dict(base, detect={"status": "DETECTION_SOMETHING_NEW"}))
    rc, so, se, _ = lf("drift", "fnapp", "-c", cfg, url=proxy.url)
    check(rc == 1 and "unexpected DetectionStatus 'DETECTION_SOMETHING_NEW'" in so,
          "a DetectionStatus luaform does not know: exit 1", so + se)

    # Lambda or S3 refusing luaform: an error, and the summary does not say "in sync"
    for op, err_code in (("GetFunction", "AccessDeniedException"), ("HeadObject", "AccessDenied")):
        proxy.scenario(dict(base, fail={op: {"code": err_code, "message": f"not authorized: {op}"}}))
        rc, so, se, _ = lf("drift", "fnapp", "-c", cfg, url=proxy.url)
        check(rc == 1 and "Lambda code not checked (error)" in so.splitlines()[0] and
              "Lambda code in sync" not in so, f"{op} denied: exit 1, Lambda not checked", so + se)

    # one stack that cannot be read does not lose the others' reports
    proxy.scenario(dict(base, fail={"GetTemplate": {"code": "AccessDenied", "stack": "fnapp-extra",
                                                    "message": "not authorized: GetTemplate"}}))
    rc, so, se, _ = lf("drift", "fnapp", "fnapp-extra", "-c", cfg, "--template-only", "-p", "team=x",
                       url=proxy.url)
    lines = so.splitlines()
    check(rc == 1 and len(lines) > 2 and lines[0].startswith("fnapp: ") and "tags drifted (1)" in lines[0]
          and lines[1].startswith("fnapp-extra: ") and "not authorized: GetTemplate" in so,
          "a stack that fails is reported as an error beside the others' drift (exit 1)", so + se)

    # an alias whose routing depends on a condition is not guessed at: unchecked
    cond = write(os.path.join(d, "cond.json"), json.dumps({
        "Conditions": {"Canary": {"Fn::Equals": ["a", "a"]}},
        "Resources": {
            "Role": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": json.loads(policy)}},
            "Fn": {"Type": "AWS::Lambda::Function", "Properties": {
                "FunctionName": "cond-fn", "Runtime": "python3.12", "Handler": "index.handler",
                "Role": {"Fn::GetAtt": ["Role", "Arn"]},
                "Code": {"S3Bucket": "fnapp-artifacts", "S3Key": "app/fn.zip", "S3ObjectVersion": version_id}}},
            "V": {"Type": "AWS::Lambda::Version", "Properties": {"FunctionName": {"Ref": "Fn"}}},
            "A": {"Type": "AWS::Lambda::Alias", "Properties": {
                "FunctionName": {"Ref": "Fn"}, "Name": "live", "FunctionVersion": "1",
                "RoutingConfig": {"Fn::If": ["Canary", {"AdditionalVersionWeights": [
                    {"FunctionVersion": {"Fn::GetAtt": ["V", "Version"]}, "FunctionWeight": 0.5}]},
                    {"Ref": "AWS::NoValue"}]}}}}}))
    rc, so, se, _ = lf("deploy", cond, "--stack-name", "cond", "--yes", "--require-approval", "never")
    check(rc == 0, "deploy a stack whose alias routes by a condition", so[-800:] + se)
    carn = f"arn:aws:lambda:us-east-1:{moto.ACCOUNT}:function:cond-fn"
    proxy.scenario(dict(base, resources={"cond": {
        "V": {"PhysicalResourceId": carn + ":1"},
        "A": {"PhysicalResourceId": carn + ":live", "ResourceType": "AWS::Lambda::Alias",
              "ResourceStatus": "CREATE_COMPLETE"}}},
        **{"lambda": {"functions": {"cond-fn": {"CodeSha256": sha(code)}},
                      "aliases": {"cond-fn/live": {"Name": "live", "FunctionVersion": "1"}}}}))
    rc, so, se, _ = lf("drift", cond, "--stack-name", "cond", url=proxy.url)
    check(rc == 0 and "A  AWS::Lambda::Alias  NOT_CHECKED: the alias cannot be resolved "
          "(RoutingConfig is not a plain list of weights (a condition?))" in so and
          "Lambda code in sync" in so, "Fn::If in RoutingConfig: the alias is unchecked, never in sync", so + se)

    # a stack in the middle of an operation: reported as such, not as drift
    before = proxy.stats()["requests"].get("DetectStackDrift", 0)
    proxy.scenario(dict(base, stack_status={"fnapp": "UPDATE_IN_PROGRESS"}))
    rc, so, se, _ = lf("drift", "fnapp", "-c", cfg, url=proxy.url)
    check(rc == 1 and so.startswith("fnapp: UPDATE_IN_PROGRESS: not checked\n") and
          "the stack is UPDATE_IN_PROGRESS: check again when it has settled" in so and
          "drifted" not in so and proxy.stats()["requests"].get("DetectStackDrift", 0) == before,
          "a stack mid-operation: exit 1, said so, no detection started", so + se)
    proxy.scenario(base)
    rc, so, se, _ = lf("drift", "fnapp", "-c", cfg, "--template-only", url=proxy.url)
    check(rc == 0 and proxy.stats()["requests"].get("DetectStackDrift", 0) == before,
          "--template-only asks for no drift detection", so + se)
finally:
    if proxy:
        proxy.stop()
    m.stop()
report()
