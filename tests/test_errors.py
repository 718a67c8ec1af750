"""Bad input: one error line naming the file and line, exit 1, fast, and no
output file. Also the sandbox and the intrinsics' checks."""
import json
import os
import resource
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lftest import ROOT, check, report, run, tmpdir, write  # noqa: E402

D = tmpdir()


def children_cpu():
    """CPU seconds of the children waited for so far."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


TOPIC = 'resource "Q" { Type = "AWS::SNS::Topic" }\n'
EXAMPLE = open(os.path.join(ROOT, "templates/ltbase/example.yaml")).read()


def bad(name, text, want_line, want_msg, ext="lua", args=None, file=None):
    """A description (or config) that must fail at file:want_line."""
    path = write(os.path.join(D, f"{name}.{ext}"), text)
    out = tmpdir()
    argv = args(path) if args else [path]
    cpu0 = children_cpu()
    rc, so, se, secs = run("render", *argv, "-o", out, timeout=20)
    cpu = children_cpu() - cpu0
    lines = se.strip().splitlines()
    where = f"{file or path}:{want_line}: " if want_line else f"{file or path}: "
    check(rc == 1, f"{name}: exit 1", f"rc={rc} {se}")
    check(len(lines) == 1, f"{name}: one error line", se)
    check(lines and lines[0].startswith("luaform: " + where) and want_msg in lines[0],
          f"{name}: names {where} and says '{want_msg}'", se)
    # the limit stops it, not the 20 s timeout: a hang guard, not a speed
    # test (bench/ measures speed; under ASan this takes several times as long)
    check(cpu < 5.0 and secs < 15, f"{name}: stopped by its limit, not by the timeout",
          f"{cpu:.2f}s CPU, {secs:.2f}s")
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
bad("config-pattern", EXAMPLE.replace('account: "111111111111"', 'account: "1234"'),
    EXAMPLE.splitlines().index('account: "111111111111"') + 1,
    "not valid (12 digits)", ext="yaml", args=lambda p: ["ltbase", "-c", p])
bad("config-yaml", "a: [1\n", 2, "YAML", ext="yaml", args=lambda p: ["ltbase", "-c", p])
bad("config-dup", EXAMPLE + "region: us-west-2\n", len(EXAMPLE.splitlines()) + 1, "duplicate key",
    ext="yaml", args=lambda p: ["ltbase", "-c", p])
bad("config-missing", EXAMPLE.replace("  ops_repo: example-org/ltbase-ops\n", ""), 0,
    "required config key 'github.ops_repo'", ext="yaml", args=lambda p: ["ltbase", "-c", p])

# limits that a description cannot get around
bad("pcall-loop", TOPIC + "local function g() while true do end end\nwhile true do pcall(g) end\n", 3,
    "limit exceeded")
bad("pcall-alloc", TOPIC + "local t = {}\nlocal function g() for i = 1, 1e12 do t[#t + 1] = { i } end end\n"
    "while true do pcall(g) end\n", 4, "memory limit")
bad("xpcall-loop", TOPIC + "while true do xpcall(function() while true do end end, function(e) return e end) end\n",
    2, "limit exceeded")
bad("gc", TOPIC + "setmetatable({}, { __gc = function() while true do end end })\n", 2, "__gc")
bad("next", TOPIC + "for k in next, { a = 1 } do end\n", 2, "undefined global 'next'")
bad("rawset", TOPIC + "rawset(config, 'x', 1)\n", 2, "undefined global 'rawset'")
bad("format-p", TOPIC + "local s = string.format('%p', {})\n", 2, "%p is not allowed")
bad("pairs-table-keys", TOPIC + "for k in pairs({ [{}] = 1 }) do end\n", 2, "have no order")

def slow(name, code, msg):
    """A description stuck inside one C call: only the watchdog stops it (30 s
    in the product; 1 s here, through LUAFORM_WATCHDOG_SECONDS)."""
    path = write(os.path.join(D, f"{name}.lua"), TOPIC + code)
    out = tmpdir()
    rc, so, se, secs = run("render", path, "-o", out, timeout=20,
                           env={"LUAFORM_WATCHDOG_SECONDS": "1"})
    check(rc == 1 and se.strip() == f"luaform: {path}: {msg}" and secs < 5 and os.listdir(out) == [],
          f"{name}: stopped by the watchdog", f"rc={rc} {secs:.1f}s {se}")

slow("pattern", 'local x = string.rep("a", 3000):find(string.rep("a*", 12) .. "b")\n',
     "time limit exceeded (a runaway string or table function?)")
slow("table-move", "table.move({}, 1, 1 << 40, 2)\n", "time limit exceeded (a runaway string or table function?)")

# deterministic by construction
det = write(os.path.join(D, "det.lua"), TOPIC + 'output "T" { Value = tostring({}) .. tostring(type) }\n')
outs = []
for _ in range(3):
    out = tmpdir()
    run("render", det, "-o", out)
    outs.append(open(f"{out}/det.json").read())
check(len(set(outs)) == 1 and '"tablefunction"' in outs[0], "tostring of a table is not an address", outs[0])

# config: values that are not there, aliases without bound, policies kept tight
bad("config-empty-value", EXAMPLE.replace("  memory_mb: 512\n", "  memory_mb: 512\n  memroy_mb:\n"),
    EXAMPLE.splitlines().index("  memory_mb: 512") + 2, "'lambda.memroy_mb' has no value", ext="yaml",
    args=lambda p: ["ltbase", "-c", p])
laughs = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"a{i}: &a{i} [*a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}]\n"
    for i in range(1, 9))
bad("config-laughs", laughs, 1, "more than 10000 values", ext="yaml", args=lambda p: ["ltbase", "-c", p])
for val, why in (('""', "not valid"), ('"*"', "not valid"), ("beta/", "not allowed"), ("prod/x/", "not allowed")):
    bad("config-prefix-" + why.split()[-1] + str(len(val)),
        EXAMPLE.replace("  vendor_prefix: releases/", f"  vendor_prefix: {val}"),
        EXAMPLE.splitlines().index("  vendor_prefix: releases/") + 1, why, ext="yaml",
        args=lambda p: ["ltbase", "-c", p])
rc, so, se, _ = run("render", "ltbase", "-p", "github.ops_branch=*", "-o", tmpdir())
check(rc == 1 and "wildcards" in se, "a wildcard branch for Role B is refused", se)

# two stacks with one name
d1, d2 = tmpdir(), tmpdir()
write(f"{d1}/same.lua", TOPIC)
write(f"{d2}/same.lua", TOPIC)
rc, so, se, _ = run("render", f"{d1}/same.lua", f"{d2}/same.lua", "-o", tmpdir())
check(rc == 1 and "two stacks are named 'same'" in se, "two stacks with one name", se)

# a description under a relative lua/ path still gets its lines; Metadata errors too
rel = tmpdir()
os.makedirs(f"{rel}/lua")
write(f"{rel}/lua/x.lua", TOPIC + "error('boom')\n")
rc, so, se, _ = run("render", "lua/x.lua", "-o", tmpdir(), cwd=rel)
check(rc == 1 and se.strip() == "luaform: lua/x.lua:2: boom", "lua/x.lua keeps its line numbers", se)
bad("metadata", TOPIC + "metadata { Note = {} }\n", 2, "Metadata.Note: empty table is ambiguous")

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
bad("bytecode", "\x1bLua\x54\x00", 1, "binary")

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
