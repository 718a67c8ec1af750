"""The AWS-client half of `luaform drift`, driven by build/tests/awscall
(tests/e2e/awscall.c): ListStackResources and DescribeStacks' tags against
moto_server (signature checking on), and CloudFormation's drift detection
(DetectStackDrift, DescribeStackDriftDetectionStatus,
DescribeStackResourceDrifts) and the Lambda reads drift needs (a stack-made
function's CodeSha256, its aliases) through tests/e2e/driftproxy.py, a
scripted endpoint in front of moto: moto has no drift detection, shows no
code hash for a function a stack made, and skips AWS::Lambda::Alias. boto3
reads the proxy's answers too, so they are CloudFormation's XML as the SDKs
parse it. Only 127.0.0.1 is used."""
import io
import json
import os
import subprocess
import sys
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))
from lftest import BIN, ROOT, check, report, tmpdir, write  # noqa: E402
import moto as M  # noqa: E402

import boto3  # noqa: E402

AWSCALL = M.find_awscall(BIN, ROOT)


DriftProxy = M.DriftProxy


m = M.FixedMoto()
D = tmpdir()
p = None


def call(ep, *args):
    """awscall against ep; (rc, result or error object, stderr)."""
    e = m.env(LUAFORM_RETRY_BASE_MS="1")
    r = subprocess.run([AWSCALL, "--endpoint-url", ep, *args], capture_output=True, text=True,
                       env=e, timeout=120)
    try:
        out = json.loads(r.stdout)
    except ValueError:
        out = {"raw": r.stdout}
    return r.returncode, out.get("error", out), r.stderr


def one_line(se):
    return len([x for x in se.strip().splitlines() if x]) == 1


def diff(path, expected, actual, kind="NOT_EQUAL"):
    return {"PropertyPath": path, "ExpectedValue": expected, "ActualValue": actual,
            "DifferenceType": kind}


# five drifts, in the order the service gives them: every field the client
# keeps, a reason on some, a physical id missing on one
DRIFTS = [
    {"LogicalResourceId": "Api", "PhysicalResourceId": "api-fn", "ResourceType": "AWS::Lambda::Function",
     "StackResourceDriftStatus": "MODIFIED", "DriftStatusReason": "changed by hand",
     "ExpectedProperties": {"MemorySize": 512}, "ActualProperties": {"MemorySize": 1024},
     "PropertyDifferences": [diff("/MemorySize", "512", "1024"),
                             diff("/Environment/Variables/MODE", "", "debug", "ADD")]},
    {"LogicalResourceId": "Bucket", "PhysicalResourceId": "b-1", "ResourceType": "AWS::S3::Bucket",
     "StackResourceDriftStatus": "IN_SYNC", "PropertyDifferences": []},
    {"LogicalResourceId": "Table", "PhysicalResourceId": "t-1", "ResourceType": "AWS::DynamoDB::Table",
     "StackResourceDriftStatus": "DELETED", "DriftStatusReason": "The resource does not exist"},
    {"LogicalResourceId": "Role", "ResourceType": "AWS::IAM::Role",
     "StackResourceDriftStatus": "NOT_CHECKED",
     "PropertyDifferences": [diff("/Policies/0/PolicyDocument", '{"a": 1}', '{"a": 2}'),
                             diff("/Tags/1", "x", "", "REMOVE")]},
    {"LogicalResourceId": "Queue", "PhysicalResourceId": "https://sqs/q <&>", "ResourceType": "AWS::SQS::Queue",
     "StackResourceDriftStatus": "UNKNOWN", "DriftStatusReason": "Internal Failure\nline two"},
]


def kept(d):
    """What cfn_describe_resource_drifts keeps of a drift."""
    out = {"LogicalResourceId": d["LogicalResourceId"],
           "PhysicalResourceId": d.get("PhysicalResourceId", ""),
           "ResourceType": d["ResourceType"], "StackResourceDriftStatus": d["StackResourceDriftStatus"]}
    if "DriftStatusReason" in d:
        out["DriftStatusReason"] = d["DriftStatusReason"]
    out["PropertyDifferences"] = d.get("PropertyDifferences", [])
    return out


def make_stack():
    cf = m.client("cloudformation")
    res = {"B%d" % i: {"Type": "AWS::S3::Bucket"} for i in range(4)}
    res["Q"] = {"Type": "AWS::SQS::Queue"}
    cf.create_stack(StackName="lf-drift", TemplateBody=json.dumps({"Resources": res}),
                    Tags=[{"Key": "team", "Value": "platform"}, {"Key": "cost", "Value": "a & <b>"}])
    cf.create_stack(StackName="lf-plain", TemplateBody=json.dumps(
        {"Resources": {"Only": {"Type": "AWS::S3::Bucket"}}}))
    return cf


def test_resources_and_tags(cf):
    want = cf.list_stack_resources(StackName="lf-drift")["StackResourceSummaries"]
    want = [{"LogicalResourceId": r["LogicalResourceId"], "PhysicalResourceId": r["PhysicalResourceId"],
             "ResourceType": r["ResourceType"], "ResourceStatus": r["ResourceStatus"]} for r in want]
    rc, o, se = call(m.url, "list-stack-resources", "lf-drift")
    check(rc == 0 and o["resources"] == want and len(want) == 5,
          "ListStackResources: every resource with its four fields, in moto's order", f"{o} {se}")
    rc, o, se = call(m.url, "list-stack-resources", "lf-nope")
    check(rc == 1 and o["code"] == "ValidationError" and
          "ListStackResources: ValidationError: Stack with id lf-nope does not exist" in se and
          one_line(se), "ListStackResources of a missing stack: the service's error", str(o) + se)

    # moto does not page ListStackResources: the proxy does, 2 a page
    p.scenario({"list_page_size": 2})
    before = p.count("forwarded", "ListStackResources")
    rc, o, se = call(p.url, "list-stack-resources", "lf-drift")
    check(rc == 0 and o["resources"] == want and
          p.count("forwarded", "ListStackResources") - before == 3,
          "ListStackResources: three pages of two, following NextToken (driftproxy pages)",
          f"{o} {p.stats()} {se}")
    p.scenario({"list_page_size": 2, "loop_token": True})
    rc, o, se = call(p.url, "list-stack-resources", "lf-drift")
    check(rc == 1 and "ListStackResources: the service gave the same page token twice "
          "(the answer is incomplete)" in se and "resources" not in o,
          "ListStackResources: a repeated page token is an error, not a short list", str(o) + se)

    rc, o, se = call(m.url, "describe-stack", "lf-drift")
    check(rc == 0 and o["exists"] and o["tags"] == {"team": "platform", "cost": "a & <b>"},
          "DescribeStacks: the stack's tags as an object", f"{o} {se}")
    rc, o, se = call(m.url, "describe-stack", "lf-plain")
    check(rc == 0 and o["exists"] and o["tags"] == {}, "a stack without tags: {}", f"{o} {se}")
    rc, o, se = call(m.url, "describe-stack", "lf-nope")
    check(rc == 0 and not o["exists"] and o["tags"] is None, "no such stack: no tags", f"{o} {se}")


def test_detection():
    p.scenario({"detect": {"pending": 2, "stack_drift_status": "DRIFTED", "reason": ""},
                "drifts": {"lf-drift": DRIFTS}})
    rc, o, se = call(p.url, "detect-drift", "lf-drift")
    did = o.get("detection_id", "")
    check(rc == 0 and len(did) == 36, "DetectStackDrift: a detection id", f"{o} {se}")
    seen = []
    for _ in range(3):
        rc, o, se = call(p.url, "drift-status", did)
        seen.append(o)
    check([s.get("detection_status") for s in seen] ==
          ["DETECTION_IN_PROGRESS", "DETECTION_IN_PROGRESS", "DETECTION_COMPLETE"],
          "DescribeStackDriftDetectionStatus: in progress twice, then complete", str(seen))
    check(seen[0].get("stack_drift_status") == "" and seen[0].get("drifted_count") == -1 and
          seen[0].get("reason") == "", "in progress: no drift status, no count (absent, not 0)",
          str(seen[0]))
    check(seen[2] == {"detection_status": "DETECTION_COMPLETE", "stack_drift_status": "DRIFTED",
                      "reason": "", "drifted_count": 2},
          "complete: DRIFTED, 2 resources drifted (MODIFIED and DELETED)", str(seen[2]))
    rc, o, se = call(p.url, "detect-drift", "lf-drift")
    check(rc == 0 and o.get("detection_id") not in (None, did), "each detection has a new id", str(o))
    rc, o, se = call(p.url, "drift-status", o.get("detection_id", ""))
    check(rc == 0 and o["detection_status"] == "DETECTION_IN_PROGRESS",
          "a new detection starts in progress again", str(o))

    p.scenario({"detect": {"status": "DETECTION_FAILED", "stack_drift_status": None,
                           "drifted_count": None,
                           "reason": "Failed to detect drift on resources [Api]: Access Denied"}})
    rc, o, se = call(p.url, "drift-status", did)
    check(rc == 0 and o == {"detection_status": "DETECTION_FAILED", "stack_drift_status": "",
                            "reason": "Failed to detect drift on resources [Api]: Access Denied",
                            "drifted_count": -1},
          "a failed detection: its reason; absent status and count read as '' and -1", f"{o} {se}")
    rc, o, se = call(p.url, "drift-status", "00000000-0000-0000-0000-000000000000")
    check(rc == 1 and o["code"] == "ValidationError" and
          se.startswith("awscall: DescribeStackDriftDetectionStatus: ValidationError: "),
          "an unknown detection id: the service's error", str(o) + se)


def test_detect_errors():
    msg = ("Stack [lf-drift] is in UPDATE_IN_PROGRESS state and can not be used for drift "
           "detection <now> & later")
    p.scenario({"detect": {"error": {"code": "ValidationError", "message": msg, "status": 400}}})
    rc, o, se = call(p.url, "detect-drift", "lf-drift")
    check(rc == 1 and o["code"] == "ValidationError" and o["status"] == 400 and
          "DetectStackDrift: ValidationError: " + msg in se and one_line(se) and
          "detection_id" not in o, "DetectStackDrift refused: the service's code and whole message",
          str(o) + se)
    p.scenario({"detect": {"stacks": {"lf-other": {"error": {"code": "AccessDenied",
                                                             "message": "no", "status": 403}}}}})
    rc, o, se = call(p.url, "detect-drift", "lf-drift")
    rc2, o2, se2 = call(p.url, "detect-drift", "lf-other")
    check(rc == 0 and rc2 == 1 and o2["code"] == "AccessDenied" and o2["status"] == 403,
          "a per-stack error leaves the other stacks alone", f"{o} {o2} {se2}")

    # answers without what the API always gives are errors, never defaults
    bad = [("DetectStackDrift", ["detect-drift", "lf-drift"],
            "<DetectStackDriftResponse><DetectStackDriftResult/></DetectStackDriftResponse>",
            "no <StackDriftDetectionId>"),
           ("DescribeStackDriftDetectionStatus", ["drift-status", "x"],
            "<DescribeStackDriftDetectionStatusResponse><ResponseMetadata/>"
            "</DescribeStackDriftDetectionStatusResponse>",
            "<DescribeStackDriftDetectionStatusResponse> without "
            "<DescribeStackDriftDetectionStatusResult>"),
           ("DescribeStackDriftDetectionStatus", ["drift-status", "x"],
            "<DescribeStackDriftDetectionStatusResponse><DescribeStackDriftDetectionStatusResult>"
            "<DetectionStatus>DETECTION_COMPLETE</DetectionStatus>"
            "<DriftedStackResourceCount>two</DriftedStackResourceCount>"
            "</DescribeStackDriftDetectionStatusResult></DescribeStackDriftDetectionStatusResponse>",
            "DriftedStackResourceCount 'two' is not a count"),
           ("DescribeStackDriftDetectionStatus", ["drift-status", "x"],
            "<DescribeStackDriftDetectionStatusResponse><DescribeStackDriftDetectionStatusResult>"
            "<StackDriftStatus>IN_SYNC</StackDriftStatus>"
            "</DescribeStackDriftDetectionStatusResult></DescribeStackDriftDetectionStatusResponse>",
            "no <DetectionStatus>"),
           ("DescribeStackResourceDrifts", ["resource-drifts", "lf-drift"],
            "<DescribeStackResourceDriftsResponse/>",
            "<DescribeStackResourceDriftsResponse> without <DescribeStackResourceDriftsResult>")]
    for action, args, body, why in bad:
        p.scenario({"raw": {action: body}})
        rc, o, se = call(p.url, *args)
        check(rc == 1 and o["code"] == "UnexpectedAnswer" and
              f"{action}: unexpected answer ({why})" in se,
              f"{action}: an answer without what the API always gives is an error ({why})",
              str(o) + se)
    for field in ("LogicalResourceId", "StackResourceDriftStatus", "ResourceType"):
        d = dict(DRIFTS[0])
        del d[field]
        p.scenario({"drifts": {"lf-drift": [DRIFTS[1], d]}})
        rc, o, se = call(p.url, "resource-drifts", "lf-drift")
        check(rc == 1 and "DescribeStackResourceDrifts: unexpected answer (a StackResourceDrift "
              f"without <{field}>)" in se, f"a drift without {field} is an error", str(o) + se)
    d = dict(DRIFTS[0], PropertyDifferences=[{"ExpectedValue": "1", "ActualValue": "2",
                                              "DifferenceType": "NOT_EQUAL"}])
    p.scenario({"drifts": {"lf-drift": [d]}})
    rc, o, se = call(p.url, "resource-drifts", "lf-drift")
    check(rc == 1 and "(a PropertyDifference without <PropertyPath>)" in se,
          "a property difference without its path is an error", str(o) + se)


def boto3_drifts(b, **kw):
    """Every page of DescribeStackResourceDrifts as boto3 reads them (it has
    no paginator for it)."""
    out, token = [], None
    for _ in range(20):
        page = b.describe_stack_resource_drifts(StackName="lf-drift", **kw,
                                                **({"NextToken": token} if token else {}))
        out += page["StackResourceDrifts"]
        token = page.get("NextToken")
        if not token:
            break
    return out


def test_drift_pages():
    p.scenario({"page_size": 2, "drifts": {"lf-drift": DRIFTS}})
    before = p.count("requests", "DescribeStackResourceDrifts")
    rc, o, se = call(p.url, "resource-drifts", "lf-drift")
    check(rc == 0 and o["drifts"] == [kept(d) for d in DRIFTS],
          "DescribeStackResourceDrifts: all five drifts in order, each with its property "
          "differences, DriftStatusReason only where given, a missing physical id as ''",
          json.dumps(o)[:3000] + se)
    check(p.count("requests", "DescribeStackResourceDrifts") - before == 3,
          "three pages of two, following NextToken", str(p.stats()))
    # what boto3 reads from the same answers (the proxy speaks CloudFormation's XML)
    b = boto3.client("cloudformation", endpoint_url=p.url, region_name=M.REGION,
                     aws_access_key_id=m.key_id, aws_secret_access_key=m.secret)
    got = boto3_drifts(b)
    check([(d["LogicalResourceId"], d["StackResourceDriftStatus"], d.get("PhysicalResourceId", ""),
            d.get("PropertyDifferences", [])) for d in got] ==
          [(d["LogicalResourceId"], d["StackResourceDriftStatus"], d.get("PhysicalResourceId", ""),
            d.get("PropertyDifferences", [])) for d in DRIFTS],
          "boto3 reads the same drifts from the proxy", str(got)[:2000])
    did = b.detect_stack_drift(StackName="lf-drift")["StackDriftDetectionId"]
    st = b.describe_stack_drift_detection_status(StackDriftDetectionId=did)
    check(st["DetectionStatus"] == "DETECTION_COMPLETE" and st["DriftedStackResourceCount"] == 2 and
          st["StackId"].endswith(":stack/lf-drift/" + st["StackId"].rsplit("/", 1)[-1]) and
          st["ResponseMetadata"]["RequestId"], "boto3 reads the proxy's detection answers", str(st))

    filtered = [d for d in DRIFTS if d["StackResourceDriftStatus"] in ("MODIFIED", "DELETED")]
    got = [d["LogicalResourceId"] for d in
           boto3_drifts(b, StackResourceDriftStatusFilters=["MODIFIED", "DELETED"])]
    check(got == [d["LogicalResourceId"] for d in filtered],
          "the proxy honours StackResourceDriftStatusFilters", str(got))

    many = [dict(DRIFTS[1], LogicalResourceId="R%03d" % i) for i in range(150)]
    p.scenario({"page_size": 500, "drifts": {"lf-drift": many}})
    before = p.count("requests", "DescribeStackResourceDrifts")
    rc, o, se = call(p.url, "resource-drifts", "lf-drift")
    check(rc == 0 and [d["LogicalResourceId"] for d in o["drifts"]] ==
          ["R%03d" % i for i in range(150)] and
          p.count("requests", "DescribeStackResourceDrifts") - before == 2,
          "the client asks for 100 a page (MaxResults=100): two pages for 150", str(p.stats()) + se)
    p.scenario({"drifts": {"lf-drift": DRIFTS}})
    rc, o, se = call(p.url, "resource-drifts", "lf-plain")
    check(rc == 0 and o["drifts"] == [], "a stack without drifts: an empty list", str(o) + se)

    p.scenario({"page_size": 2, "loop_token": True, "drifts": {"lf-drift": DRIFTS}})
    before = p.count("requests", "DescribeStackResourceDrifts")
    rc, o, se = call(p.url, "resource-drifts", "lf-drift")
    check(rc == 1 and "DescribeStackResourceDrifts: the service gave the same page token twice "
          "(the answer is incomplete)" in se and "drifts" not in o and
          p.count("requests", "DescribeStackResourceDrifts") - before == 2,
          "a repeated NextToken is an error after the page that repeats it", str(o) + se)
    p.scenario({"page_size": 2, "endless_token": True, "drifts": {"lf-drift": DRIFTS}})
    before = p.count("requests", "DescribeStackResourceDrifts")
    rc, o, se = call(p.url, "resource-drifts", "lf-drift")
    check(rc == 1 and "DescribeStackResourceDrifts: more pages than luaform reads (the answer is "
          "incomplete)" in se and p.count("requests", "DescribeStackResourceDrifts") - before == 1000,
          "a NextToken on every page: an error after 1000 pages", str(o) + se)


def code_zip(n):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("index.py", "def handler(event, context):\n    return %d\n" % n)
    return buf.getvalue()


def test_lambda():
    iam, lam = m.client("iam"), m.client("lambda")
    role = iam.create_role(RoleName="lf-role", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                "Principal": {"Service": "lambda.amazonaws.com"}}]}))
    lam.create_function(FunctionName="lf-fn", Runtime="python3.12", Role=role["Role"]["Arn"],
                        Handler="index.handler", Code={"ZipFile": code_zip(0)})
    lam.publish_version(FunctionName="lf-fn")
    lam.create_alias(FunctionName="lf-fn", Name="live", FunctionVersion="1")
    real = lam.get_function(FunctionName="lf-fn")["Configuration"]["CodeSha256"]

    p.scenario({})
    rc, f, se = call(p.url, "get-function", "lf-fn")
    check(rc == 0 and f["code_sha256"] == real, "no scenario: moto's answer as it is", str(f) + se)
    p.scenario({"lambda": {
        "functions": {"lf-fn": {"CodeSha256": "latest-hash"}, "lf-fn:1": {"CodeSha256": "v1-hash"},
                      "stack-fn:3": {"CodeSha256": "stack-hash"}, "gone-fn": None},
        "aliases": {"lf-fn/live": {"FunctionVersion": "1",
                                   "RoutingConfig": {"AdditionalVersionWeights": {"2": 0.01}}},
                    "stack-fn/prod": {"FunctionVersion": "3"}, "lf-fn/gone": None}}})
    rc, f, se = call(p.url, "get-function", "lf-fn")
    check(rc == 0 and f["code_sha256"] == "latest-hash" and f["name"] == "lf-fn" and
          f["version"] == "$LATEST", "GetFunction: moto's function, the scenario's CodeSha256",
          str(f) + se)
    rc, f, se = call(p.url, "get-function", "lf-fn", "--qualifier", "1")
    check(rc == 0 and f["code_sha256"] == "v1-hash" and f["version"] == "1",
          "GetFunction ?Qualifier=1: the version's CodeSha256", str(f) + se)
    rc, f, se = call(p.url, "get-function", "stack-fn", "--qualifier", "3")
    check(rc == 0 and f["code_sha256"] == "stack-hash" and f["version"] == "3" and
          f["name"] == "stack-fn", "GetFunction of a function moto lacks: the scenario's",
          str(f) + se)
    rc, e, se = call(p.url, "get-function", "gone-fn")
    check(rc == 1 and e["code"] == "ResourceNotFoundException" and e["status"] == 404 and
          "GetFunction gone-fn: ResourceNotFoundException: Function not found: "
          "arn:aws:lambda:us-east-1:123456789012:function:gone-fn" in se,
          "GetFunction of a function mapped to null: Lambda's 404", str(e) + se)
    rc, al, se = call(p.url, "get-alias", "lf-fn", "live")
    check(rc == 0 and al["function_version"] == "1" and al["weights"] == {"2": 0.01} and
          al["name"] == "live", "GetAlias: moto's alias with the scenario's routing weights",
          str(al) + se)
    rc, al, se = call(p.url, "get-alias", "stack-fn", "prod")
    check(rc == 0 and al["function_version"] == "3" and al["weights"] is None and
          al["name"] == "prod" and al["arn"].endswith(":function:stack-fn:prod"),
          "GetAlias of an alias moto skipped: the scenario's", str(al) + se)
    rc, e, se = call(p.url, "get-alias", "lf-fn", "gone")
    check(rc == 1 and e["code"] == "ResourceNotFoundException" and e["status"] == 404 and
          "Cannot find alias arn: arn:aws:lambda:us-east-1:123456789012:function:lf-fn:gone" in se,
          "GetAlias of an alias mapped to null: Lambda's 404", str(e) + se)
    p.scenario({"lambda": {"aliases": {"lf-fn/live": {"RoutingConfig": None}}}})
    lam.update_alias(FunctionName="lf-fn", Name="live",
                     RoutingConfig={"AdditionalVersionWeights": {"1": 0.5}})
    rc, al, se = call(p.url, "get-alias", "lf-fn", "live")
    check(rc == 0 and al["weights"] is None and al["function_version"] == "1",
          "a field set to null is taken out of moto's answer", str(al) + se)


try:
    scen = write(os.path.join(D, "scenario.json"), json.dumps({"page_size": 3}))
    p = DriftProxy(m.url, "--scenario", scen)
    check(p.stats()["requests"] == {}, "driftproxy starts with a scenario file")
    cf = make_stack()
    test_resources_and_tags(cf)
    test_detection()
    test_detect_errors()
    test_drift_pages()
    test_lambda()
finally:
    if p:
        p.stop()
    m.stop()
report()
