"""Bad input: one error line naming the file and line, exit 1, fast, and no
output file. Also the sandbox and the intrinsics' checks."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lftest import ROOT, check, report, run, tmpdir, write  # noqa: E402

D = tmpdir()
TOPIC = 'resource "Q" { Type = "AWS::SNS::Topic" }\n'
EXAMPLE = open(os.path.join(ROOT, "templates/ltbase/example.yaml")).read()


def bad(name, text, want_line, want_msg, ext="lua", args=None, file=None):
    """A description (or config) that must fail at file:want_line."""
    path = write(os.path.join(D, f"{name}.{ext}"), text)
    out = tmpdir()
    argv = args(path) if args else [path]
    rc, so, se, secs = run("render", *argv, "-o", out, timeout=20)
    lines = se.strip().splitlines()
    where = f"{file or path}:{want_line}: " if want_line else f"{file or path}: "
    check(rc == 1, f"{name}: exit 1", f"rc={rc} {se}")
    check(len(lines) == 1, f"{name}: one error line", se)
    check(lines and lines[0].startswith("luaform: " + where) and want_msg in lines[0],
          f"{name}: names {where} and says '{want_msg}'", se)
    check(secs < 1.0, f"{name}: fails within a second", f"{secs:.2f}s")
    check(os.listdir(out) == [], f"{name}: no output file", str(os.listdir(out)))


# ---------------------------------------------------------------- the list
bad("syntax", "local x = \nresource \"A\" {\n", 3, "unexpected symbol")
bad("runtime", 'description("x")\nlocal t = nil\nlocal y = t.field\n', 3, "attempt to index a nil value")
bad("missing-ref", TOPIC + 'resource "B" {\n  Type = "AWS::S3::Bucket",\n'
    '  Properties = { BucketName = Ref("Missing") },\n}\n', 4, "Ref to 'Missing'")
bad("sub-unknown", TOPIC + 'output "O" {\n  Value = Sub("${Q}-${Nope}"),\n}\n', 3, "'${Nope}'")
bad("loop", TOPIC + "local i = 0\nwhile true do\n  i = i + 1\nend\n", 4, "instruction limit")
bad("alloc-table", TOPIC + "local t = {}\nfor i = 1, 1e12 do\n  t[i] = { i, i }\nend\n", 4, "memory limit")
bad("alloc-string", TOPIC + 'local s = "x"\nwhile true do\n  s = s .. s\nend\n', 4, "memory limit")
bad("alloc-rep", TOPIC + 'local s = string.rep("x", 1 << 40)\n', 2, "too large")
bad("config-type", EXAMPLE.replace("memory_mb: 512", "memory_mb: lots"),
    EXAMPLE.splitlines().index("  memory_mb: 512") + 1, "expected an integer", ext="yaml",
    args=lambda p: ["ltbase", "-c", p])
bad("config-type-map", EXAMPLE.replace("lambda:\n", "lambda: 5\nold_lambda:\n"),
    EXAMPLE.splitlines().index("lambda:") + 1, "expected a map", ext="yaml",
    args=lambda p: ["ltbase", "-c", p])
bad("config-unknown", EXAMPLE.replace("  ops_branch: main\n", "  ops_branch: main\n  ops_brnach: dev\n"),
    EXAMPLE.splitlines().index("  ops_branch: main") + 2, "unknown config key 'github.ops_brnach'",
    ext="yaml", args=lambda p: ["ltbase", "-c", p])
bad("config-pattern", EXAMPLE.replace('account: "111111111111"', 'account: "1234"'), 3,
    "not valid (12 digits)", ext="yaml", args=lambda p: ["ltbase", "-c", p])
bad("config-yaml", "a: [1\n", 2, "YAML", ext="yaml", args=lambda p: ["ltbase", "-c", p])
bad("config-dup", EXAMPLE + "region: us-west-2\n", len(EXAMPLE.splitlines()) + 1, "duplicate key",
    ext="yaml", args=lambda p: ["ltbase", "-c", p])
bad("config-missing", EXAMPLE.replace("  ops_repo: example-org/ltbase-ops\n", ""), 0,
    "required config key 'github.ops_repo'", ext="yaml", args=lambda p: ["ltbase", "-c", p])

# -p overrides
rc, so, se, _ = run("render", "ltbase", "-p", "prod.canary_weight=abc", "-o", tmpdir())
check(rc == 1 and se.startswith("luaform: -p: prod.canary_weight: expected a number"), "-p bad type", se)
rc, so, se, _ = run("render", "ltbase", "-p", "nope=1", "-o", tmpdir())
check(rc == 1 and "unknown config key 'nope'" in se, "-p unknown key", se)
rc, so, se, _ = run("render", "ltbase", "-p", "novalue", "-o", tmpdir())
check(rc == 1 and "KEY=VALUE" in se, "-p without =", se)
rc, so, se, _ = run("render", "ltbase", "-p", "prod.canary_weight=2", "-o", tmpdir())
check(rc == 1 and "above the maximum" in se, "-p out of range", se)

# one failing stack: nothing is written, not even the good ones
good = write(os.path.join(D, "good.lua"), TOPIC)
broken = write(os.path.join(D, "broken.lua"), TOPIC + "error('boom')\n")
out = tmpdir()
rc, so, se, _ = run("render", good, broken, "-o", out)
check(rc == 1 and "broken.lua:2: boom" in se and os.listdir(out) == [], "all or nothing", se)

# ---------------------------------------------------------------- sandbox
for name, code, msg in (
        ("io", "io.open('/etc/passwd')", "undefined global 'io'"),
        ("os", "os.execute('true')", "undefined global 'os'"),
        ("package", "package.loadlib('x', 'y')", "undefined global 'package'"),
        ("debug", "debug.getinfo(1)", "undefined global 'debug'"),
        ("load", "load('return 1')()", "undefined global 'load'"),
        ("dofile", "dofile('/etc/passwd')", "undefined global 'dofile'"),
        ("loadfile", "loadfile('/etc/passwd')", "undefined global 'loadfile'"),
        ("require-missing", "require('posix')", "module 'posix' not found"),
        ("require-path", "require('../../etc/passwd')", "bad module name"),
        ("dump", "string.dump(print)", "undefined global 'print'"),
        ("random", "math.random()", "a nil value"),
        ("undefined", "local x = undefined_thing + 1", "undefined global 'undefined_thing'")):
    bad("sandbox-" + name, TOPIC + code + "\n", 2, msg)
bad("bytecode", "\x1bLua\x54\x00", 0, "binary")

# ---------------------------------------------------------------- the library's checks
for name, code, line, msg in (
        ("getatt", 'output "O" { Value = GetAtt("Nope", "Arn") }', 2, "GetAtt on 'Nope'"),
        ("dup", TOPIC.strip(), 2, "already defined"),
        ("dependson", 'resource "B" { Type = "AWS::SNS::Topic", DependsOn = "Nope" }', 2, "DependsOn 'Nope'"),
        ("if-cond", 'output "O" { Value = If("NoCond", "a", "b") }', 2, "'NoCond' is not a condition"),
        ("findinmap", 'output "O" { Value = FindInMap("M", "a", "b") }', 2, "not a mapping"),
        ("sub-attr", 'output "O" { Value = Sub("${Nope.Arn}") }', 2, "'${Nope.Arn}' names no resource"),
        ("type", 'resource "B" { Type = "Bucket" }', 2, "Type must be like"),
        ("policy", 'resource "B" { Type = "AWS::SNS::Topic", DeletionPolicy = "Keep" }', 2, "DeletionPolicy"),
        ("key", 'resource "B" { Type = "AWS::SNS::Topic", Propertys = {} }', 2, "unknown key 'Propertys'"),
        ("name", 'resource "my-bucket" { Type = "AWS::SNS::Topic" }', 2, "letters and digits"),
        ("action", 'local p = iam.policy{ iam.allow{ actions = "PutObject", resources = "*" } }', 2,
         "not an IAM action"),
        ("trust-mix", 'local t = github.trust{ provider = "arn", subjects = { "repo:a/b:*", '
         '"repo:a/b:ref:refs/heads/main" } }', 2, "mix of exact and wildcard"),
        ("github-repo", 'local s = github.sub.branch("not a repo", "main")', 2, "not a GitHub repository"),
        ("empty-map", 'resource "B" { Type = "AWS::SNS::Topic", Properties = { Tags = {} } }', 2,
         "empty table is ambiguous"),
        ("function-value", 'output "O" { Value = tostring }', 2, "cannot be rendered"),
        ("raw-ref", 'output "O" {\n  Value = { Ref = "Nope" } }', 2, "Ref to 'Nope'"),
        ("raw-sub", 'resource "B" { Type = "AWS::SNS::Topic",\n  Properties = { TopicName = { ["Fn::Sub"] = "${Nope}" } } }',
         2, "'${Nope}'"),
        ("no-resource", None, 1, "no resource")):
    text = (TOPIC + code + "\n") if code else 'description("nothing")\n'
    bad("lib-" + name, text, line if code else 0, msg)

# ---------------------------------------------------------------- what renders
ok = write(os.path.join(D, "ok.lua"), '''
description("intrinsics")
local env = parameter "Env" { Type = "String", AllowedValues = { "dev", "prod" }, Default = "dev" }
local is_prod = condition "IsProd" (Equals(env, "prod"))
local either = condition "Either" (Or(is_prod, Not(is_prod)))
local m = mapping "Sizes" { dev = { mem = 128 }, prod = { mem = 1024 } }
local q = resource "Queue" {
  Type = "AWS::SQS::Queue",
  Condition = is_prod,
  Properties = {
    QueueName = Sub("${AWS::StackName}-${Env}-${!Literal}"),
    Tags = list{},
    RedrivePolicy = map{},
  },
}
local t = resource "Topic" {
  Type = "AWS::SNS::Topic",
  DependsOn = { q },
  Properties = { DisplayName = Join("-", { AWS.Region, Select(0, Split(",", "a,b")) }) },
}
output "Mem" { Value = m:find(env, "mem") }
output "Arn" { Value = If(is_prod, q:arn(), AWS.NoValue), Condition = either }
output "Imported" { Value = ImportValue("shared-vpc"), Export = "exported-name" }
output "Sub2" { Value = Sub("${A}/${Topic.TopicName}", { A = t }) }
output "Count" { Value = tostring(#config) }
''')
out = tmpdir()
rc, so, se, _ = run("render", ok, "-o", out)
check(rc == 0, "intrinsics render", se)
if rc == 0:
    j = json.load(open(f"{out}/ok.json"))
    R = j["Resources"]
    check(list(j) == ["AWSTemplateFormatVersion", "Description", "Parameters", "Mappings", "Conditions",
                      "Resources", "Outputs"], "section order", str(list(j)))
    check(list(R["Queue"]) == ["Type", "Condition", "Properties"] and list(R["Topic"]) ==
          ["Type", "DependsOn", "Properties"], "resource attribute order")
    check(R["Queue"]["Properties"]["Tags"] == [] and R["Queue"]["Properties"]["RedrivePolicy"] == {},
          "list{} and map{} are [] and {}")
    check(R["Queue"]["Properties"]["QueueName"] == {"Fn::Sub": "${AWS::StackName}-${Env}-${!Literal}"}, "Sub")
    check(R["Topic"]["DependsOn"] == ["Queue"], "DependsOn from a handle")
    check(R["Topic"]["Properties"]["DisplayName"] == {"Fn::Join": ["-", [{"Ref": "AWS::Region"}, {
        "Fn::Select": [0, {"Fn::Split": [",", "a,b"]}]}]]}, "Join/Select/Split/pseudo")
    check(j["Conditions"] == {"IsProd": {"Fn::Equals": [{"Ref": "Env"}, "prod"]},
                              "Either": {"Fn::Or": [{"Condition": "IsProd"},
                                                    {"Fn::Not": [{"Condition": "IsProd"}]}]}}, "conditions")
    o = j["Outputs"]
    check(o["Mem"]["Value"] == {"Fn::FindInMap": ["Sizes", {"Ref": "Env"}, "mem"]}, "FindInMap")
    check(o["Arn"] == {"Condition": "Either", "Value": {"Fn::If": ["IsProd", {"Fn::GetAtt": ["Queue", "Arn"]},
                                                                     {"Ref": "AWS::NoValue"}]}}, "If")
    check(o["Imported"] == {"Value": {"Fn::ImportValue": "shared-vpc"}, "Export": {"Name": "exported-name"}},
          "ImportValue/Export")
    check(o["Sub2"]["Value"] == {"Fn::Sub": ["${A}/${Topic.TopicName}", {"A": {"Ref": "Topic"}}]}, "Sub vars")
    rc, so, se, _ = run("render", ok, "-o", out, "--format", "yaml")
    y = open(f"{out}/ok.yaml").read()
    check(rc == 0 and "Tags: []" in y and "RedrivePolicy: {}" in y and "!Ref Env" in y
          and "!GetAtt Queue.Arn" in y, "YAML: [] {} and short forms", y)

report()
