"""The security properties of the rendered LTBase stacks, read off the JSON
that a reviewer reads: for the example config and a second customer's.

What the descriptions declare as invariants (templates/ltbase/*.lua,
checked on every render; broken on purpose in tests/test_invariants.py)
is not repeated here: Role A's only action and prefix and who may assume
it, Role B's lack of IAM writes and of rights over Role A, itself, the
bucket policy and the foundation stack, and the app boundary (every app
role carries it, whatever creates roles requires it, the boundary allows
logs only). What stays is the exact shape: the bucket's settings, the
trust conditions as written, what Role B must be able to do, names."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lftest import ROOT, check, report, run, tmpdir, write  # noqa: E402

AUD = "token.actions.githubusercontent.com:aud"
SUB = "token.actions.githubusercontent.com:sub"


def render(*args):
    d = tmpdir()
    rc, so, se, _ = run("render", "ltbase", "-o", d, *args)
    check(rc == 0, f"render ltbase {args}", se)
    out = {}
    for f in os.listdir(d):
        with open(f"{d}/{f}") as fh:
            out[f[:-5]] = json.load(fh)
    return out


def aslist(v):
    return v if isinstance(v, list) else [v]


def statements(role):
    """All statements of a role's inline policies."""
    out = []
    for p in role["Properties"].get("Policies", []):
        out += p["PolicyDocument"]["Statement"]
    return out


def allowed(role):
    return [(a, s) for s in statements(role) if s["Effect"] == "Allow" for a in aslist(s["Action"])]


def sub_text(v):
    """The text of a string or {"Fn::Sub": "..."}."""
    if isinstance(v, dict) and "Fn::Sub" in v:
        return v["Fn::Sub"]
    return v


def check_stacks(t, cfg, label):
    fnd, beta, prod = t["ltbase-foundation"], t["ltbase-beta"], t["ltbase-prod"]
    R = fnd["Resources"]
    bucket = cfg["bucket"]
    prefix = cfg["prefix"]

    # -- the bucket
    b = R["ArtifactBucket"]
    bp = b["Properties"]
    check(bp["BucketName"] == bucket, f"{label}: bucket name")
    check(bp["VersioningConfiguration"] == {"Status": "Enabled"}, f"{label}: versioning on")
    check(bp["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True, "BlockPublicPolicy": True,
        "IgnorePublicAcls": True, "RestrictPublicBuckets": True}, f"{label}: all four public-access blocks")
    sse = bp["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    check(len(sse) == 1 and sse[0]["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in ("AES256", "aws:kms"),
          f"{label}: default encryption")
    check(bp["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
          f"{label}: BucketOwnerEnforced")
    check(b.get("DeletionPolicy") == "Retain" and b.get("UpdateReplacePolicy") == "Retain",
          f"{label}: bucket retained on delete and replace")
    pol = R["ArtifactBucketPolicy"]
    check(pol["Properties"]["Bucket"] == {"Ref": "ArtifactBucket"}, f"{label}: policy on the bucket")
    tls = [s for s in pol["Properties"]["PolicyDocument"]["Statement"]
           if s["Effect"] == "Deny" and s.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}}]
    check(len(tls) == 1 and aslist(tls[0]["Action"]) == ["s3:*"]
          and tls[0]["Principal"] in ("*", {"AWS": "*"})
          and {"Fn::GetAtt": ["ArtifactBucket", "Arn"]} in tls[0]["Resource"]
          and any(sub_text(r) == "${ArtifactBucket.Arn}/*" for r in tls[0]["Resource"]),
          f"{label}: bucket policy denies non-TLS access to bucket and objects", json.dumps(tls))

    # -- the OIDC provider
    if cfg["provider_arn"]:
        check("GitHubOidcProvider" not in R, f"{label}: existing provider is not created again")
        provider = cfg["provider_arn"]
    else:
        p = R["GitHubOidcProvider"]["Properties"]
        check(p["Url"] == "https://token.actions.githubusercontent.com"
              and p["ClientIdList"] == ["sts.amazonaws.com"], f"{label}: OIDC provider")
        provider = {"Ref": "GitHubOidcProvider"}

    def check_trust(role, sub, op, name):
        st = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
        check(len(st) == 1, f"{label}: {name} trust has one statement")
        s = st[0]
        check(s["Effect"] == "Allow" and s["Principal"] == {"Federated": provider}
              and aslist(s["Action"]) == ["sts:AssumeRoleWithWebIdentity"],
              f"{label}: {name} trusted only through the GitHub OIDC provider", json.dumps(s))
        want = {"StringEquals": {AUD: "sts.amazonaws.com"}}
        if op == "StringEquals":
            want["StringEquals"][SUB] = sub
        else:
            want[op] = {SUB: sub}
        check(s.get("Condition") == want, f"{label}: {name} trust is exactly aud + sub",
              json.dumps(s.get("Condition")))

    # -- Role A (its actions, resources and trust are invariants; here the exact form)
    a = R["ArtifactReceiverRole"]
    check_trust(a, cfg["vendor_sub"], "StringLike" if "*" in cfg["vendor_sub"] else "StringEquals", "Role A")

    # -- the CloudFormation service role
    c = R["CloudFormationServiceRole"]
    ct = c["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    check(ct == [{"Effect": "Allow", "Principal": {"Service": "cloudformation.amazonaws.com"},
                  "Action": ["sts:AssumeRole"]}], f"{label}: service role trusted by CloudFormation only")
    app_roles = f"arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:role/{prefix}-app/*"
    iam_statements = [s for s in statements(c) if s["Effect"] == "Allow" and
                      any(x.startswith("iam:") for x in aslist(s["Action"]))]
    exec_roles = [f"arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:role/{prefix}-app/"
                  f"{prefix}-{stage}-exec" for stage in ("beta", "prod")]
    svc = [x for s2 in statements(c) if s2["Effect"] == "Allow" for x in aslist(s2["Action"])]
    for need in ("lambda:GetFunctionCodeSigningConfig", "lambda:GetFunctionRecursionConfig",
                 "lambda:GetRuntimeManagementConfig", "lambda:GetProvisionedConcurrencyConfig",
                 "iam:UpdateRole", "iam:UpdateRoleDescription"):
        check(need in svc, f"{label}: the service role holds the handler permission {need}")
    check("iam:UpdateAssumeRolePolicy" not in svc,
          f"{label}: the service role cannot rewrite an app role's trust")
    for s in iam_statements:
        want = exec_roles if "iam:PassRole" in aslist(s["Action"]) else [app_roles]
        check([sub_text(r) for r in aslist(s["Resource"])] == want,
              f"{label}: service role's IAM rights only on app roles, PassRole only on the "
              f"two execution roles ({s.get('Sid')})", json.dumps(s))
        if "iam:PassRole" in aslist(s["Action"]):
            check(s.get("Condition") == {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}},
                  f"{label}: service role passes app roles only to Lambda")

    # -- Role B
    b = R["DeploymentRole"]
    check_trust(b, cfg["ops_sub"], "StringEquals", "Role B")
    acts = allowed(b)
    names = [x for x, _ in acts]
    check(not any(x == "*" or x.endswith(":*") for x in names), f"{label}: Role B has no wildcard action")
    iam_allowed = [(x, s) for x, s in acts if x.startswith("iam:")]
    check([x for x, _ in iam_allowed] == ["iam:PassRole"], f"{label}: Role B's only IAM action is PassRole")
    for _, s in iam_allowed:
        check(aslist(s["Resource"]) == [{"Fn::GetAtt": ["CloudFormationServiceRole", "Arn"]}]
              and s.get("Condition") == {"StringEquals": {"iam:PassedToService": "cloudformation.amazonaws.com"}},
              f"{label}: Role B passes only the service role, only to CloudFormation")
    puts = [s for x, s in acts if x == "s3:PutObject"]
    check(len(puts) == 1 and sorted(sub_text(r) for r in aslist(puts[0]["Resource"])) ==
          [f"arn:${{AWS::Partition}}:s3:::{bucket}/beta/*", f"arn:${{AWS::Partition}}:s3:::{bucket}/prod/*"],
          f"{label}: Role B writes only under beta/ and prod/")
    check(not any(x.startswith("s3:Delete") or x.endswith("Acl") for x in names),
          f"{label}: Role B deletes nothing and sets no ACL")
    stacks = sorted([f"arn:${{AWS::Partition}}:cloudformation:${{AWS::Region}}:${{AWS::AccountId}}:stack/{prefix}-beta/*",
                     f"arn:${{AWS::Partition}}:cloudformation:${{AWS::Region}}:${{AWS::AccountId}}:stack/{prefix}-prod/*"])
    for x, s in acts:
        if x == "cloudformation:DescribeStackDriftDetectionStatus":
            # names a detection, never a stack: "*" is its only resource
            check(aslist(s["Resource"]) == ["*"] and aslist(s["Action"]) == [x],
                  f"{label}: {x} on '*', alone in its statement (it supports no other resource)")
        elif x.startswith("cloudformation:"):
            check(sorted(sub_text(r) for r in aslist(s["Resource"])) == stacks,
                  f"{label}: {x} only on the app stacks")
        if x.startswith("lambda:"):
            check(all(f":function:{prefix}-beta" in sub_text(r) or f":function:{prefix}-prod" in sub_text(r)
                      for r in aslist(s["Resource"])), f"{label}: {x} only on the app functions")
    cs = [s for x, s in acts if x == "cloudformation:CreateChangeSet"]
    check(len(cs) == 1 and cs[0].get("Condition") == {"StringEquals": {"cloudformation:RoleArn": {
        "Fn::GetAtt": ["CloudFormationServiceRole", "Arn"]}}},
          f"{label}: Role B's change sets run as the service role")
    for need in ("cloudformation:ExecuteChangeSet", "cloudformation:DescribeStacks", "s3:GetObject",
                 "s3:ListBucket", "lambda:GetAlias",
                 # luaform tags its change sets; drift lists resources and polls the detection
                 "cloudformation:TagResource", "cloudformation:ListStackResources",
                 "cloudformation:DetectStackDrift", "cloudformation:DescribeStackDriftDetectionStatus",
                 "cloudformation:DescribeStackResourceDrifts"):
        check(need in names, f"{label}: Role B can {need}")

    # -- foundation outputs
    o = fnd["Outputs"]
    check(o.get("VendorKeyPrefix", {}).get("Value") == cfg.get("vendor_prefix", "releases/"),
          f"{label}: the vendor key prefix is handed over as an output", json.dumps(o.get("VendorKeyPrefix")))
    check(o["ArtifactReceiverRoleArn"]["Value"] == {"Fn::GetAtt": ["ArtifactReceiverRole", "Arn"]}
          and o["ArtifactBucketName"]["Value"] == {"Ref": "ArtifactBucket"}
          and "DeploymentRoleArn" in o and "CloudFormationServiceRoleArn" in o,
          f"{label}: foundation outputs hand over Role A, the bucket, Role B, the service role")

    # -- the application stacks
    for stage, t2 in (("beta", beta), ("prod", prod)):
        R2 = t2["Resources"]
        role = R2["ExecutionRole"]
        check({x for x, _ in allowed(role)} <= {"logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"},
              f"{label}: {stage} execution role: logs only")
        check(role["Properties"]["Path"] == f"/{prefix}-app/", f"{label}: {stage} execution role under the app path")
        fn = R2["Function"]["Properties"]
        check(fn["FunctionName"] == f"{prefix}-{stage}", f"{label}: {stage} function name")
        check(fn["Code"] == {"S3Bucket": bucket, "S3Key": f"{stage}/current.zip",
                             "S3ObjectVersion": cfg[stage + "_version"]},
              f"{label}: {stage} code from the bucket with its object version", json.dumps(fn["Code"]))
        check(fn["Role"] == {"Fn::GetAtt": ["ExecutionRole", "Arn"]}, f"{label}: {stage} uses its own role")
        lg = R2.get("LogGroup", {})
        check(lg.get("Type") == "AWS::Logs::LogGroup" and
              lg["Properties"] == {"LogGroupName": f"/aws/lambda/{prefix}-{stage}", "RetentionInDays": 30} and
              R2["Function"].get("DependsOn") == ["LogGroup"],
              f"{label}: {stage}: the function's log group is the stack's, with a retention, made first",
              json.dumps(lg))
        groups = [s2 for s2 in statements(c) if s2["Effect"] == "Allow" and "logs:CreateLogGroup" in aslist(s2["Action"])]
        check(len(groups) == 1 and f"log-group:/aws/lambda/{prefix}-{stage}" in json.dumps(groups[0]["Resource"]) and
              "logs:PutRetentionPolicy" in groups[0]["Action"],
              f"{label}: {stage}: the service role may create it and set its retention", json.dumps(groups))
        versions = [k for k, v in R2.items() if v["Type"] == "AWS::Lambda::Version"]
        check(len(versions) == 1 and all(R2[k]["DeletionPolicy"] == "Retain" and
                                          R2[k]["UpdateReplacePolicy"] == "Retain" for k in versions),
              f"{label}: {stage}: one version, retained")
    check("BetaAlias" in beta["Resources"] and beta["Resources"]["BetaAlias"]["Properties"]["Name"] == "beta",
          f"{label}: beta alias")
    check(not any(k in beta["Resources"] for k in ("ProdAlias", "OneBoxAlias")), f"{label}: beta is isolated")
    PR = prod["Resources"]
    ver = [k for k, v in PR.items() if v["Type"] == "AWS::Lambda::Version"][0]
    ob = PR["OneBoxAlias"]["Properties"]
    check(ob["Name"] == "one-box" and ob["FunctionVersion"] == {"Fn::GetAtt": [ver, "Version"]},
          f"{label}: one-box serves the candidate version")
    pa = PR["ProdAlias"]["Properties"]
    check(pa["Name"] == "prod", f"{label}: prod alias")
    if cfg["stable"]:
        check(pa["FunctionVersion"] == cfg["stable"] and pa["RoutingConfig"] == {"AdditionalVersionWeights": [
            {"FunctionVersion": {"Fn::GetAtt": [ver, "Version"]}, "FunctionWeight": cfg["weight"]}]},
              f"{label}: prod serves the stable version and sends the canary weight to the candidate",
              json.dumps(pa))
    else:
        check(pa["FunctionVersion"] == {"Fn::GetAtt": [ver, "Version"]} and "RoutingConfig" not in pa,
              f"{label}: with no canary prod serves the candidate")
    po = prod["Outputs"]
    for k in ("FunctionArn", "FunctionName", "CandidateVersion", "StableVersion", "OneBoxAliasArn",
              "ProdAliasArn", "ArtifactObjectVersion"):
        check(k in po, f"{label}: prod output {k}")
    for k in ("FunctionArn", "BetaVersion", "BetaAliasArn"):
        check(k in beta["Outputs"], f"{label}: beta output {k}")


example = {"bucket": "ltbase-artifacts-111111111111", "prefix": "ltbase", "provider_arn": None,
           "vendor_sub": "repo:Lychee-Technology/ltbase.api:*", "vendor_prefix": "releases/",
           "ops_sub": "repo:example-org/ltbase-ops:ref:refs/heads/main",
           "beta_version": "example-beta-object-version", "prod_version": "example-prod-object-version",
           "stable": None, "weight": 0.01}
check_stacks(render(), example, "example")

canary = dict(example, stable="9")
check_stacks(render("-p", "prod.stable_version=9"), canary, "example+canary")

acme = {"bucket": "acme-ltbase-artifacts", "prefix": "acme-lt",
        "provider_arn": "arn:aws:iam::012345678901:oidc-provider/token.actions.githubusercontent.com",
        "vendor_sub": "repo:Lychee-Technology/ltbase.api:ref:refs/tags/v*", "vendor_prefix": "drops/ltbase/",
        "ops_sub": "repo:acme-corp/platform-ops:environment:production",
        "beta_version": "3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY", "prod_version": "Uo5jn.8PgZk2fJ1rQ2Vdg0ExAmPlE",
        "stable": "9", "weight": 0.05}
check_stacks(render("-c", os.path.join(ROOT, "tests/configs/acme.yaml")), acme, "acme")

# Role B narrowed to a branch, or to nothing but the repository
t = render("-p", "github.ops_branch=")
b = t["ltbase-foundation"]["Resources"]["DeploymentRole"]["Properties"]["AssumeRolePolicyDocument"]
check(b["Statement"][0]["Condition"] == {"StringEquals": {AUD: "sts.amazonaws.com"},
                                         "StringLike": {SUB: "repo:example-org/ltbase-ops:*"}},
      "Role B for any ref of the repository uses StringLike")

# a new artifact publishes a new version under a new logical ID; the old
# one leaves the template (and, Retain, stays in the account)
def version_ids(t, stack):
    return [k for k, v in t[stack]["Resources"].items() if v["Type"] == "AWS::Lambda::Version"]


v1 = version_ids(render(), "ltbase-prod")
v2 = version_ids(render("-p", "prod.object_version=another"), "ltbase-prod")
v3 = version_ids(render("-p", "prod.object_version=another"), "ltbase-prod")
check(v1 != v2 and v2 == v3 and len(v1) == len(v2) == 1, "version logical ID follows the code identity",
      f"{v1} {v2}")
b1 = version_ids(render(), "ltbase-beta")
check(b1 != v1, "beta and prod versions never share a logical ID")

# ------------------------------------------------------------ the partition of a region (LTBase's
# service role ARN in the app stacks' deploy settings), as botocore maps it
part_desc = write(os.path.join(tmpdir(), "partitions.lua"), """\
local common = require("ltbase.common")
description("partitions")
local out = {}
for _, r in ipairs({ "us-east-1", "cn-north-1", "us-gov-west-1", "us-iso-east-1", "us-isob-east-1",
                     "eu-isoe-west-1", "us-isof-south-1" }) do
  out[#out + 1] = r .. "=" .. common.partition(r)
end
resource "Q" { Type = "AWS::SQS::Queue", Properties = { QueueName = table.concat(out, ",") } }
""")
pd = tmpdir()
rc, so, se, _ = run("render", part_desc, "-o", pd)
qn = json.load(open(os.path.join(pd, "partitions.json")))["Resources"]["Q"]["Properties"]["QueueName"] if rc == 0 else se
check(qn == "us-east-1=aws,cn-north-1=aws-cn,us-gov-west-1=aws-us-gov,us-iso-east-1=aws-iso,"
      "us-isob-east-1=aws-iso-b,eu-isoe-west-1=aws-iso-e,us-isof-south-1=aws-iso-f",
      "ltbase.common.partition maps every partition as botocore does (us-iso*, eu-isoe included)", qn)

report()
