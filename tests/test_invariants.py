"""Invariants declared in descriptions: the Lua API (luaform.policy's
matching, the read-only view, errors at the declaring line) on small
descriptions, and copies of the LTBase descriptions changed so that each
LTBase invariant breaks: the error names the invariant and the statement,
at the line that declares it. (The C side, render_invariants against
altered rendered templates, is tests/unit/test_invariants.c.)"""
import os
import re
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lftest import ROOT, check, report, run, tmpdir, write  # noqa: E402


def line_of(path, needle, text=None):
    if text is None:
        with open(path) as f:
            text = f.read()
    for i, line in enumerate(text.split("\n"), 1):
        if needle in line:
            return i
    raise AssertionError(f"{needle!r} not in {path}")


def render_desc(text):
    d = tmpdir()
    p = write(f"{d}/x.lua", text)
    rc, so, se, _ = run("render", p, "-o", d)
    return p, rc, se


ROLE = '''
description("invariant tests")
local role = resource "R" {
  Type = "AWS::IAM::Role",
  Properties = {
    RoleName = "r",
    AssumeRolePolicyDocument = iam.service_trust("lambda.amazonaws.com"),
    Policies = { { PolicyName = "p", PolicyDocument = iam.policy{
      iam.allow{ actions = { "s3:PutObject" }, resources = Sub("arn:${AWS::Partition}:s3:::b/in/*") },
      %s
    } } },
  },
}
%s
'''


def role_desc(extra_stmt="", rest=""):
    return ROLE % (extra_stmt, rest)


# -- the glob semantics, as the library gives them to checks
GLOBS = '''
resource "B" { Type = "AWS::S3::Bucket" }
invariant("globs", function(t)
  local cases = {
    { policy.action_matches("iam:Put*", "iam:PutRolePolicy"), true },
    { policy.action_matches("IAM:put*", "iam:PutRolePolicy"), true },
    { policy.action_matches("iam:Put*", "iam:AttachRolePolicy"), false },
    { policy.action_matches("s3:?etObject", "s3:GetObject"), true },
    { policy.action_matches("*", "sts:AssumeRole"), true },
    { policy.action_matches("s3:GetObject", "s3:GetObjectVersion"), false },
    { policy.overlap("iam:*", "iam:Put*"), true },
    { policy.overlap("iam:Get*", "iam:Put*"), false },
    { policy.overlap("*Role", "iam:Put*"), true },
    { policy.overlap("a/*/x", "a/b/*"), true },
    { policy.covers("iam:*", "iam:Put*"), true },
    { policy.covers("iam:Put*", "iam:*"), false },
    { policy.covers("a/?", "a/*"), false },
    { policy.covers("a/*", "a/b?"), true },
    { policy.covers("b/in/*", "b/*"), false },
  }
  for i, c in ipairs(cases) do
    policy.check(c[1] == c[2], "case " .. i, "got %s", tostring(c[1]))
  end
end)
'''
_, rc, se = render_desc(GLOBS)
check(rc == 0, "glob matching: IAM wildcards, case-insensitive actions", se)

# a check reports the path it is given, at the line declaring it
p, rc, se = render_desc('''resource "B" { Type = "AWS::S3::Bucket" }
invariant("always broken", function(t)
  policy.check(t.Resources.B.Type == "AWS::S3::Bucket", "Resources.B", "not a bucket")
  policy.fail("Resources.B.Type", "is %s", t.Resources.B.Type)
end)
''')
check(rc == 1 and se.strip() == f"luaform: {p}:2: invariant 'always broken' broken: "
      "Resources.B.Type: is AWS::S3::Bucket", "policy.fail: the declaring line, name, path, why", se)

# the view is read-only, and a broken check's own error is at its line
p, rc, se = render_desc('''resource "B" { Type = "AWS::S3::Bucket" }
invariant("writes", function(t)
  t.Resources.B.Type = "AWS::S3::Other"
end)
''')
check(rc == 1 and f"{p}:3: the rendered template is read-only" in se, "the view is read-only", se)

p, rc, se = render_desc('''resource "B" { Type = "AWS::S3::Bucket" }
invariant("a", function(t) end)
invariant("a", function(t) end)
''')
check(rc == 1 and f"{p}:3: invariant 'a' is already declared" in se, "a name is declared once", se)
p, rc, se = render_desc('''resource "B" { Type = "AWS::S3::Bucket" }
invariant("a", 5)
''')
check(rc == 1 and f"{p}:2: invariant 'a' expects a check function" in se, "a check is a function", se)
p, rc, se = render_desc('''resource "B" { Type = "AWS::S3::Bucket" }
invariant("a", policy.only{ role = "B", action = "s3:*" })
''')
check(rc == 1 and f"{p}:2: policy.only: unknown key 'action'" in se, "declarative forms check their keys", se)

# -- policy.only sees the final template: inline policies, attached policies, managed ARNs
ONLY = ('invariant("R only puts under in/", policy.only{ role = "R", actions = "s3:PutObject",\n'
        '  resources = "arn:${AWS::Partition}:s3:::b/in/*" })\n')
_, rc, se = render_desc(role_desc(rest=ONLY))
check(rc == 0, "policy.only holds", se)

p, rc, se = render_desc(role_desc(rest=ONLY + '''
resource "Extra" { Type = "AWS::IAM::Policy", Properties = { PolicyName = "x", Roles = { role },
  PolicyDocument = iam.policy{ iam.allow{ actions = "s3:DeleteObject", resources = "*" } } } }
'''))
check(rc == 1 and se.strip() == f"luaform: {p}:{line_of(p, 'invariant(' + chr(34) + 'R only')}: "
      "invariant 'R only puts under in/' broken: "
      "Resources.Extra.Properties.PolicyDocument.Statement[0]: allows s3:DeleteObject",
      "policy.only: an AWS::IAM::Policy attached to the role", se)

p, rc, se = render_desc(role_desc('iam.allow{ actions = "s3:PutObject", resources = "arn:${AWS::Partition}:s3:::b/*" },',
                                  ONLY))
check(rc == 1 and "Statement[1]: allows it on arn:${AWS::Partition}:s3:::b/*" in se,
      "policy.only: a resource outside", se)

p, rc, se = render_desc(role_desc('iam.allow{ not_actions = "iam:*", resources = "*" },', ONLY))
check(rc == 1 and "Statement[1]: allows every action but iam:*" in se, "policy.only: NotAction", se)

p, rc, se = render_desc(role_desc(rest=ONLY).replace(
    'RoleName = "r",', 'RoleName = "r", ManagedPolicyArns = { "arn:aws:iam::aws:policy/AdministratorAccess" },'))
check(rc == 1 and "Resources.R.Properties.ManagedPolicyArns[0]: attaches managed policy "
      "arn:aws:iam::aws:policy/AdministratorAccess" in se, "policy.only: a managed policy it cannot see", se)

# -- never: case-insensitive, an unconditional Deny takes an Allow away, a conditional one does not
NEVER = 'invariant("R writes no IAM", policy.never{ role = "R", actions = policy.IAM_WRITE })\n'
p, rc, se = render_desc(role_desc('iam.allow{ actions = "IAM:putrolepolicy", resources = "*" },', NEVER))
check(rc == 1 and "Statement[1]: allows IAM:putrolepolicy" in se, "never: action case does not matter", se)
_, rc, se = render_desc(role_desc('iam.allow{ actions = "iam:PutRolePolicy", resources = "*" }, '
                                  'iam.deny{ actions = "iam:Put*", resources = "*" },', NEVER))
check(rc == 0, "never: an unconditional Deny takes the Allow away", se)
p, rc, se = render_desc(role_desc('iam.allow{ actions = "iam:PutRolePolicy", resources = "*" }, '
                                  'iam.deny{ actions = "iam:Put*", resources = "*", '
                                  'condition = { Bool = { ["aws:MultiFactorAuthPresent"] = "false" } } },',
                                  NEVER))
check(rc == 1 and "Statement[1]: allows iam:PutRolePolicy" in se, "never: a conditional Deny does not", se)
p, rc, se = render_desc(role_desc('iam.allow{ actions = "iam:PassRole", resources = GetAtt("R", "Arn") },',
                                  'invariant("R cannot pass itself", function(t)\n'
                                  '  policy.role(t, "R"):never("iam:PassRole", role:arn()) end)\n'))
check(rc == 1 and "Statement[1]: allows iam:PassRole on arn:${AWS::Partition}:iam::${AWS::AccountId}:role/r"
      in se, "never: ${R.Arn} reads as the role's ARN", se)

# -- the LTBase invariants, each broken in a copy of the descriptions
base = tmpdir()
sysdir = os.path.join(base, "ltx")
shutil.copytree(os.path.join(ROOT, "templates/ltbase"), sysdir)
for f, pat, rep in (("system.lua", r'name = "ltbase(-?)', r'name = "ltx\1'),
                    ("example.yaml", r"^system: ltbase", "system: ltx")):
    path = os.path.join(sysdir, f)
    with open(path) as fh:
        text = fh.read()
    write(path, re.sub(pat, rep, text, flags=re.M))
FOUNDATION = os.path.join(sysdir, "foundation.lua")
BETA = os.path.join(sysdir, "beta.lua")
with open(FOUNDATION) as fh:
    FOUNDATION_TEXT = fh.read()
with open(BETA) as fh:
    BETA_TEXT = fh.read()
ENV = {"LUAFORM_SYSTEMS_DIR": base}


def ltx(file, original, old, new, *args):
    check(old in original, f"the copy has {old!r}")
    global changed
    changed = original.replace(old, new, 1)
    write(file, changed)
    rc, so, se, _ = run("render", "ltx", "-o", tmpdir(), *args, env=ENV)
    write(file, original)
    return rc, se


changed = None


rc, so, se, _ = run("render", "ltx", "-o", tmpdir(), env=ENV)
check(rc == 0, "the unchanged copy renders", se)


def broken(name, se, stmt, why, file=FOUNDATION):
    want = (f"luaform: {file}:{line_of(file, 'invariant(' + chr(34) + name, changed)}: invariant '{name}' "
            f"broken: {stmt}: {why}")
    check(se.strip() == want, f"'{name}' broken: {why}", f"\n got {se.strip()}\nwant {want}")


ROLE_A = "Resources.ArtifactReceiverRole.Properties."
ROLE_B = "Resources.DeploymentRole.Properties.Policies[0].PolicyDocument.Statement"
ROLE_B_CHANGES = "role B cannot change role A, itself, the bucket policy or the foundation stack"
BOUNDARY = "no role the app stacks create escapes the permissions boundary"
CASES = [  # (text of foundation.lua, its replacement, invariant, statement, why)
    ('sid = "PutArtifacts", actions = "s3:PutObject",',
     'sid = "PutArtifacts", actions = { "s3:PutObject", "s3:GetObject" },',
     "role A only puts artifacts under the vendor prefix",
     ROLE_A + "Policies[0].PolicyDocument.Statement[0]", "allows s3:GetObject"),
    ('bucket_name .. "/" .. config.bucket.vendor_prefix .. "*")) },', 'bucket_name .. "/*")) },',
     "role A only puts artifacts under the vendor prefix", ROLE_A + "Policies[0].PolicyDocument.Statement[0]",
     "allows it on arn:${AWS::Partition}:s3:::ltbase-artifacts-111111111111/*"),
    ("subjects = { config.github.vendor_subject },",
     'subjects = { config.github.vendor_subject, "repo:someone/fork:*" },',
     "only the vendor repository may assume role A", ROLE_A + "AssumeRolePolicyDocument.Statement[0]",
     "lets subject repo:someone/fork:* assume it"),
    ('resources = stage_objects, actions = "s3:PutObject" },',
     'resources = stage_objects, actions = "s3:PutObject" },\n'
     '        iam.allow{ resources = "*", actions = "iam:UploadSSHPublicKey" },',
     "role B holds no IAM write", ROLE_B + "[8]", "allows iam:UploadSSHPublicKey"),
    ('"s3:ListBucket", "s3:ListBucketVersions",', '"s3:ListBucket", "s3:PutBucketPolicy", "s3:ListBucketVersions",',
     ROLE_B_CHANGES, ROLE_B + "[5]",
     "allows s3:PutBucketPolicy on arn:${AWS::Partition}:s3:::ltbase-artifacts-111111111111"),
    ('resources = cfn_role:arn(), actions = "iam:PassRole",',
     'resources = { cfn_role:arn(), role_a:arn() }, actions = "iam:PassRole",',
     ROLE_B_CHANGES, ROLE_B + "[3]",
     "allows iam:PassRole on arn:${AWS::Partition}:iam::${AWS::AccountId}:role/ltbase-artifact-receiver"),
    ('condition = { StringEquals = { ["iam:PermissionsBoundary"] = boundary } } },', '},', BOUNDARY,
     "Resources.CloudFormationServiceRole.Properties.Policies[0].PolicyDocument.Statement[1]",
     "allows iam:CreateRole without requiring the boundary "
     "arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/ltbase-app-boundary"),
    ('actions = { "logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents" },\n'
     '                 resources = { Sub(arn("logs"',
     'actions = { "logs:*" },\n                 resources = { Sub(arn("logs"', BOUNDARY,
     "Resources.AppPermissionsBoundary.Properties.PolicyDocument.Statement[0]", "the boundary allows logs:*"),
]
for old, new, name, stmt, why in CASES:
    rc, se = ltx(FOUNDATION, FOUNDATION_TEXT, old, new)
    broken(name, se, stmt, why)

# the app stacks: a role without the boundary; the invariant is declared in app.lua
rc, se = ltx(BETA, BETA_TEXT, 'local alias = resource "BetaAlias" {',
             'resource "Helper" { Type = "AWS::IAM::Role", Properties = {\n'
             '  AssumeRolePolicyDocument = iam.service_trust("lambda.amazonaws.com") } }\n'
             'local alias = resource "BetaAlias" {')
app = os.path.join(ROOT, "templates/ltbase/app.lua")
name = "no role the app stacks create escapes the permissions boundary"
want = (f"luaform: templates/ltbase/app.lua:{line_of(app, 'env.invariant(' + chr(34) + name)}: "
        f"invariant '{name}' broken: Resources.Helper.Properties.PermissionsBoundary: is missing, not the "
        "app boundary arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/ltbase-app-boundary")
check(rc == 1 and se.strip() == want, "app stacks: a role without the boundary", se)

# a second customer's config (existing OIDC provider, tag-only vendor subject) holds too
rc, so, se, _ = run("render", "ltbase", "-o", tmpdir(), "-c", os.path.join(ROOT, "tests/configs/acme.yaml"))
check(rc == 0, "acme config: every invariant holds", se)

report()
