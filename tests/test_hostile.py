"""Render under attack: the defects adversarial testing found in render
(issue 6 and its adversarial test report), each repro as it was
reported, now one error line and exit 1 (or the right result), never a
crash, a hang, a mixed or partial output, or output that changes between
runs."""
import hashlib
import json
import os
import random
import signal
import stat
import subprocess
import sys
import time

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lftest import BIN, ROOT, check, report, run, tmpdir, write  # noqa: E402

D = tmpdir()
T = 'resource "Q" { Type = "AWS::SNS::Topic" }\n'
EXAMPLE = open(os.path.join(ROOT, "templates/ltbase/example.yaml")).read()


def lines_of(text):
    return [x for x in text.splitlines() if x]


def one_error(name, rc, se, want, exact_prefix=None):
    """exit 1, exactly one stderr line, containing want (and starting so)."""
    ls = lines_of(se)
    ok = rc == 1 and len(ls) == 1 and want in ls[0]
    if exact_prefix is not None:
        ok = ok and ls[0].startswith("luaform: " + exact_prefix)
    return check(ok, name, f"rc={rc} stderr={se!r}")


def desc(name, text):
    return write(os.path.join(D, name), text)


def render_desc(name, text, *args, **kw):
    path = desc(name, text)
    return path, run("render", path, "-o", tmpdir(), *args, timeout=30, **kw)


def render_thrice(path):
    """The rendered JSON (or the error) of path, if three renders agree;
    "" when they differ."""
    outs = set()
    for _ in range(3):
        out = tmpdir()
        rc, so, se, _ = run("render", path, "-o", out)
        name = os.path.basename(path)[:-4] + ".json"
        outs.add(open(os.path.join(out, name)).read() if rc == 0 else se)
    return outs.pop() if len(outs) == 1 else ""


def md5(path):
    with open(path, "rb") as f:
        return hashlib.md5(f.read()).hexdigest()


# ---------------------------------------------------------------- 1. require overflow
for n in (5000, 100000):
    path, (rc, so, se, _) = render_desc(f"req{n}.lua", T + f'local m = require(string.rep("a", {n}))\n')
    one_error(f"require of a {n}-byte name: one error at its line", rc, se, "bad module name",
              f"{path}:2: ")
path, (rc, so, se, _) = render_desc("reqcore.lua", T + 'local c = require("luaform.core")\n')
one_error("the library's internals are not a description's to require", rc, se,
          "internal to luaform", f"{path}:2: ")

# ---------------------------------------------------------------- 3. deploy{} types
for code, msg in (("account = 999999999999", "account must be a string of 12 digits"),
                  ("role_arn = 5", "role_arn must be an IAM role ARN"),
                  ("termination_protection = 1", "termination_protection must be true or false"),
                  ("region = 5", "region must be an AWS region"),
                  ("s3_bucket = {}", "s3_bucket must be an S3 bucket name"),
                  ('tags = { Owner = 5 }', "tags must be a map of strings"),
                  ('account = "12345"', "account must be a string of 12 digits")):
    path, (rc, so, se, _) = render_desc("deploy.lua", T + f"deploy {{ {code} }}\n")
    one_error(f"deploy{{ {code} }} refused at its line", rc, se, msg, f"{path}:2: ")

# ---------------------------------------------------------------- 4. determinism
for name, code, msg in (
        ("next-via-G", 'local t = { a = 1 }\nfor k in _G.next, t do end\n', "a nil value"),
        ("rawset-via-G", '_G.rawset(config, "x", 1)\n', "a nil value"),
        ("next-via-env-mt", 'local f = getmetatable(_ENV).__index(nil, "next")\n',
         "undefined global 'next'")):
    path, (rc, so, se, _) = render_desc(f"{name}.lua", T + code)
    one_error(f"{name}: no way around the sandbox", rc, se, msg, f"{path}:")
path = desc("addr.lua", T + 'output "O" { Value = string.format("%s %5s %s", {}, pairs, '
            'setmetatable({}, { __name = "N" })) .. "|" .. tostring(setmetatable({}, { __name = "N" })) }\n'
            'output "K" { Value = table.concat((function() local t = {} for i = 1, 30 do '
            't["k" .. i] = true end local ks = {} for k in pairs(t) do ks[#ks + 1] = k end '
            'return ks end)(), ",") }\n')
text = render_thrice(path)
check('"Value": "table function N|N"' in text and "0x" not in text,
      "no address reaches the template; pairs is sorted; three renders are identical", text)
path, (rc, so, se, _) = render_desc("fmtp.lua", T + 'local s = string.format("%-5p", {})\n')
one_error("string.format('%-5p') refused", rc, se, "%p is not allowed", f"{path}:2: ")
path = desc("pcallpairs.lua", T + 'local ok, m = pcall(pairs, { [{}] = 1, [pairs] = 2, [true] = 3 })\n'
            'local ok2, m2 = pcall(resource("R"), { Type = "AWS::SNS::Topic", Zed = 1, Bad = 2, Odd = 3 })\n'
            'output "O" { Value = m .. "|" .. m2.msg }\n')
text = render_thrice(path)
check("keys that are not booleans, numbers or strings have no order" in text and
      "unknown key 'Bad'" in text, "errors a description can catch do not depend on hash order", text)

# ---------------------------------------------------------------- 5. all or nothing
out = tmpdir()
rc, so, se, _ = run("render", "ltbase", "-o", out)
before = {n: md5(os.path.join(out, n)) for n in os.listdir(out)}
os.unlink(os.path.join(out, "ltbase-prod.json"))
os.makedirs(os.path.join(out, "ltbase-prod.json", "x"))
rc, so, se, _ = run("render", "ltbase", "-p", "lambda.memory_mb=2048", "-o", out)
one_error("a stack that cannot be written: an error naming it", rc, se,
          f"cannot write '{out}/ltbase-prod.json': Is a directory")
check(md5(os.path.join(out, "ltbase-beta.json")) == before["ltbase-beta.json"] and
      md5(os.path.join(out, "ltbase-foundation.json")) == before["ltbase-foundation.json"] and
      "wrote" not in so, "... and the other stacks are left as they were", so)
check(not [n for n in os.listdir(out) if ".tmp." in n], "... and no temp file is left", str(os.listdir(out)))

# Ctrl-C at random points while many stacks are written: never a temp file
# left behind, every target either the old or the new bytes.
many = tmpdir()
for i in range(60):
    write(os.path.join(many, f"s{i:02d}.lua"), T + 'output "O" { Value = config.v }\n')
files = [os.path.join(many, f"s{i:02d}.lua") for i in range(60)]
out = tmpdir()
run("render", *files, "-p", "v=first", "-o", out)
old = open(os.path.join(out, "s00.json")).read()
rng = random.Random(6)
leftover, partial, stopped = [], [], 0
t0 = time.monotonic()
run("render", *files, "-p", "v=timing", "-o", tmpdir())
full = time.monotonic() - t0
for trial in range(12):
    p = subprocess.Popen([BIN, "render", *files, "-p", f"v=run{trial}", "-o", out],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(rng.uniform(0.3, 1.0) * full)
    p.send_signal(signal.SIGINT)
    stopped += p.wait(timeout=20) != 0
    leftover += [n for n in os.listdir(out) if ".tmp." in n]
    for n in os.listdir(out):
        text = open(os.path.join(out, n)).read()
        if not text.endswith("}\n"):
            partial.append(n)
check(stopped > 0, "Ctrl-C stopped some of the renders (else the next two checks saw none)",
      f"{stopped} of 12")
check(not leftover, "Ctrl-C while writing leaves no temp file", str(leftover[:5]))
check(not partial, "Ctrl-C while writing leaves no partial file", str(partial[:5]))

# A temp file a killed render left (SIGKILL cannot be caught): --check
# reports it, the next render removes it.
out = tmpdir()
run("render", files[0], "-p", "v=x", "-o", out)
write(os.path.join(out, "s00.json.tmp.AbC123"), "{")
rc, so, se, _ = run("render", files[0], "-p", "v=x", "-o", out, "--check")
check(rc == 2 and "s00.json.tmp.AbC123 (a temp file an interrupted render left)" in so,
      "--check reports a temp file left behind", so)
rc, so, se, _ = run("render", files[0], "-p", "v=x", "-o", out)
check(rc == 0 and os.listdir(out) == ["s00.json"], "render removes it", str(os.listdir(out)))

# Two renders into one directory at once: one whole set or the other.
mixed = 0
for trial in range(6):
    out = tmpdir()
    ps = [subprocess.Popen([BIN, "render", *files, "-p", f"v={v}", "-o", out],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
          for v in ("one", "two")]
    errs = [p.communicate(timeout=60)[1] for p in ps]
    vals = {open(os.path.join(out, n)).read().split('"Value": ')[1].split("\n")[0]
            for n in os.listdir(out)}
    if len(vals) != 1 or any(p.returncode for p in ps):
        mixed += 1
        print(vals, errs)
check(mixed == 0, "two renders into one directory never mix their outputs", f"{mixed} of 6 mixed")

# ---------------------------------------------------------------- 6. empty values
for args in (["-o", ""], ["--out="], ["-c", ""], ["-p", ""]):
    rc, so, se, _ = run("render", desc("e.lua", T), *args)
    one_error(f"render {' '.join(repr(a) for a in args)} is refused", rc, se, "empty")
    check("wrote /" not in so, f"render {args}: nothing written into /", so)

# ---------------------------------------------------------------- 8. unbounded reads
fifo = os.path.join(D, "fifo.lua")
os.mkfifo(fifo)
zero_link = os.path.join(tmpdir(), "out")
for name, argv in (("/dev/zero as a description", ["/dev/zero"]),
                   ("a FIFO as a description", [fifo]),
                   ("a FIFO as the config", ["ltbase", "-c", fifo]),
                   ("/dev/zero as the config", ["ltbase", "-c", "/dev/zero"]),
                   ("a directory as a description", [D + "/"]),
                   ("a directory named .lua", [os.path.dirname(fifo) + "/dir.lua"])):
    if name.endswith("named .lua"):
        os.makedirs(argv[0], exist_ok=True)
    try:
        rc, so, se, secs = run("render", *argv, "-o", tmpdir(), timeout=10)
    except subprocess.TimeoutExpired:
        rc, se, secs = -1, "(hung)", 10
    want = "Is a directory" if "directory" in name else "not a regular file"
    if name == "a directory as a description":
        want = "file name is its stack name"
    one_error(f"{name}: refused at once", rc, se, want)
out = tmpdir()
run("render", "ltbase", "-o", out)
os.unlink(os.path.join(out, "ltbase-beta.json"))
os.symlink("/dev/zero", os.path.join(out, "ltbase-beta.json"))
os.mkfifo(os.path.join(out, "ltbase-prod.json.fifo"))
os.unlink(os.path.join(out, "ltbase-prod.json"))
os.rename(os.path.join(out, "ltbase-prod.json.fifo"), os.path.join(out, "ltbase-prod.json"))
try:
    rc, so, se, _ = run("render", "ltbase", "-o", out, "--check", timeout=10)
except subprocess.TimeoutExpired:
    rc, so = -1, "(hung)"
check(rc == 2 and "stale: " + out + "/ltbase-beta.json" in so and "stale: " + out + "/ltbase-prod.json" in so,
      "--check with out/ files that are /dev/zero or a FIFO: stale, at once", f"rc={rc} {so}")
try:
    rc, so, se, _ = run("render", "ltbase", "-o", out, timeout=10)
except subprocess.TimeoutExpired:
    rc = -1
check(rc == 0 and stat.S_ISREG(os.lstat(os.path.join(out, "ltbase-beta.json")).st_mode) and
      stat.S_ISREG(os.lstat(os.path.join(out, "ltbase-prod.json")).st_mode),
      "... and render replaces them with the files", f"rc={rc}")
big = desc("big.lua", T + "-- " + "x" * (17 << 20) + "\n")
rc, so, se, _ = run("render", big, "-o", tmpdir())
one_error("a description over 16 MB is refused", rc, se, "is larger than")
os.unlink(big)


# ---------------------------------------------------------------- 9, 10. config values
def config_with(name, old, new):
    assert old in EXAMPLE, old
    return write(os.path.join(D, name), EXAMPLE.replace(old, new))


def line_of(text, needle):
    return text.splitlines().index(needle) + 1


branch_line = line_of(EXAMPLE, "  ops_branch: main")
for key, val in (("ops_branch", '"feature x"'), ("ops_branch", "'a:b'"), ("ops_environment", '"prod env"')):
    old = "  ops_branch: main"
    cfg = config_with("br.yaml", old, f"  {key}: {val}")
    rc, so, se, _ = run("render", "ltbase", "-c", cfg, "-o", tmpdir())
    one_error(f"github.{key}: {val} is blamed on the config line", rc, se,
              f"github.{key}: ", f"{cfg}:{branch_line}: ")
for kv in ("github.ops_branch=a b", "github.ops_environment=x*", "github.ops_branch=a\nb"):
    rc, so, se, _ = run("render", "ltbase", "-p", kv, "-o", tmpdir())
    one_error(f"-p {kv!r}: blamed on -p", rc, se, "is not valid", "-p: github.")
mem_line = line_of(EXAMPLE, "  memory_mb: 512")
for old, new in (("  memory_mb: 512", "  memory_mb: 1e999"),
                 ("  canary_weight: 0.01", "  canary_weight: 1e999"),
                 ("  canary_weight: 0.01", "  canary_weight: -1e999")):
    cfg = config_with("inf.yaml", old, new)
    rc, so, se, _ = run("render", "ltbase", "-c", cfg, "-o", tmpdir())
    one_error(f"{new.strip()}: number out of range", rc, se, "number out of range",
              f"{cfg}:{line_of(EXAMPLE, old)}: ")
p = subprocess.run([BIN, "render", "ltbase", "-p", b"\xff=1", "-o", tmpdir()], capture_output=True)
one_error("-p with a key that is not UTF-8 (found by make fuzz)", p.returncode,
          p.stderr.decode(errors="replace"), "-p key is not valid UTF-8")
rc, so, se, _ = run("render", "ltbase", "-p", "prod.canary_weight=1e999", "-o", tmpdir())
one_error("-p prod.canary_weight=1e999: number out of range", rc, se, "number out of range", "-p: ")
for new, msg in (("  memory_mb: !!str 512", "expected an integer, got '512'"),
                 ("  memory_mb: !Ref Memory", "unsupported YAML tag '!Ref'"),
                 ("  memory_mb: !!int five", "'five' is not a valid !!int"),
                 ('  "memory_mb\\0x": 512', "NUL byte in a key")):
    cfg = config_with("tag.yaml", "  memory_mb: 512", new)
    rc, so, se, _ = run("render", "ltbase", "-c", cfg, "-o", tmpdir())
    one_error(f"config {new.strip()!r}: {msg}", rc, se, msg, f"{cfg}:{mem_line}: ")
cfg = config_with("tag.yaml", "  memory_mb: 512", "  memory_mb: !!int 1024")
rc, so, se, _ = run("render", "ltbase-beta", "-c", cfg, "-o", tmpdir())
check(rc == 0, "config !!int 1024 is an integer", se)

# ---------------------------------------------------------------- 13. errors with a line
for name, code, line, msg in (
        ("selfref", 'local t = {}\nt.x = t\nresource "B" { Type = "AWS::SNS::Topic", Properties = t }\n',
         4, "nested more than 64 levels deep"),
        ("metatable", 'resource "B" { Type = "AWS::SNS::Topic",\n'
         '  Properties = setmetatable({ A = 1 }, { __metatable = "x" }) }\n', 2,
         "a table with a metatable of its own"),
        ("parens", "local x = " + "(" * 10000 + "1" + ")" * 10000 + "\n", 2, "nested too deeply"),
        ("concat", "local x = " + " .. ".join(['"a"'] * 100000) + "\n", 2, "nested too deeply"),
        ("nul-key", 'resource "B" { Type = "AWS::SNS::Topic", Properties = { ["a\\0b"] = 1, a = 2 } }\n',
         2, "a key contains a NUL byte")):
    path, (rc, so, se, _) = render_desc(f"{name}.lua", T + code)
    one_error(f"{name}: one error at its line", rc, se, msg, f"{path}:{line}: ")

# ---------------------------------------------------------------- 14. lower
for name, code, want in (
        ("newline", 'error("line1\\nline2")\n', "line1\\nline2"),
        ("escape", 'resource "\\27[31mRED" { Type = "AWS::SNS::Topic" }\n', "\\x1b[31mRED"),
        ("c1", 'error("a\\194\\155b")\n', "a\\u009bb")):
    path, (rc, so, se, _) = render_desc(f"{name}.lua", T + code)
    one_error(f"{name} in an error: one line, control characters escaped", rc, se, want, f"{path}:2: ")
    check("\x1b" not in se and "\x9b" not in se, f"{name}: no raw escape reaches the terminal", repr(se))
cfg = config_with("lit.yaml", "  ops_branch: main", "  ops_branch: |\n    a\n    b")
rc, so, se, _ = run("render", "ltbase", "-c", cfg, "-o", tmpdir())
one_error("a literal block as a branch: one line", rc, se, "'a\\nb\\n' is not valid")
cfg = config_with("esc.yaml", '"111111111111"', '"\\e[31m1234"')
rc, so, se, _ = run("render", "ltbase", "-c", cfg, "-o", tmpdir())
one_error("an escape code in a config value is shown escaped", rc, se, "\\x1b[31m1234")
path, (rc, so, se, _) = render_desc("bigline.lua", T + 'error("f:99999999999999999999: boom", 0)\n')
one_error("a 20-digit 'line' in an error is not taken as one", rc, se,
          "f:99999999999999999999: boom", f"{path}:2: ")
long_a, long_b = os.path.join(D, "s" * 129 + "a.lua"), os.path.join(D, "s" * 129 + "b.lua")
rc, so, se, _ = run("render", write(long_a, T), write(long_b, T), "-o", tmpdir())
one_error("stack names over 128 characters are refused, not cut", rc, se, "1-128 characters")
path, (rc, so, se, _) = render_desc("nums.lua", T + 'output "O" { Value = { Max = 1.7976931348623157e308, '
                                    'Third = 0.30000000000000004, Tenth = 0.1 } }\n')
out = tmpdir()
rc, so, se, _ = run("render", path, "-o", out)
v = json.load(open(os.path.join(out, "nums.json")))["Outputs"]["O"]["Value"]
check(rc == 0 and v == {"Max": 1.7976931348623157e308, "Third": 0.30000000000000004, "Tenth": 0.1}
      and '"Tenth": 0.1,\n' in open(os.path.join(out, "nums.json")).read(),
      "numbers read back exactly, in their shortest form", str(v))
rc, so, se, _ = run("render", path, "-o", out, "--format", "yaml")
check(rc == 0 and yaml.safe_load(open(os.path.join(out, "nums.yaml")))["Outputs"]["O"]["Value"] == v,
      "... in YAML too", se)
path, (rc, so, se, _) = render_desc("bom.lua", "\ufeff#!/usr/bin/env luaform render\n" + T +
                                    "local x = nil + 1\n")
one_error("a BOM and a #! line are skipped, line numbers kept", rc, se, "arithmetic", f"{path}:3: ")
out = tmpdir()
write(os.path.join(out, "file"), "")
rc, so, se, _ = run("render", desc("w.lua", T), "-o", os.path.join(out, "file"))
check(rc == 1 and ".tmp." not in se and "Not a directory" in se,
      "a write error names the target, not a temp file", se)
# a directory luaform may not write to (root writes anywhere: then luaform
# runs as nobody, on a description nobody can read)
ro, src = tmpdir(), tmpdir()
wdesc = write(os.path.join(src, "w.lua"), T)
os.chmod(src, 0o755)
os.chmod(wdesc, 0o644)
os.chmod(ro, 0o555)
argv = [BIN, "render", wdesc, "-o", ro]
if os.geteuid() == 0:
    argv = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *argv]
p = subprocess.run(argv, capture_output=True, text=True, timeout=30)
check(p.returncode == 1 and ".tmp." not in p.stderr and f"cannot write '{ro}/w.json'" in p.stderr
      and os.listdir(ro) == [], "a write error names the target, not a temp file (read-only dir)",
      f"rc={p.returncode} {p.stderr}")
os.chmod(ro, 0o700)
# Work is bounded by instructions and memory, not by a 1 s wall clock: a
# render that spends its time in C calls (sorting big tables) still renders.
path, (rc, so, se, secs) = render_desc("sorts.lua", T + "local t = {}\nfor r = 1, 7 do\n"
                                       "  for i = 1, 400000 do t[i] = (i * 7919 * r) % 400009 end\n"
                                       "  table.sort(t)\nend\n")
check(rc == 0, f"a render that takes {secs:.1f} s of wall clock is not stopped by the clock", se)

# A broken system.lua beside a description: blamed on it, said plainly.
sysdir = tmpdir()
sdesc = write(os.path.join(sysdir, "s.lua"), T)
for manifest, msg, where in (
        ('return { name = "x", config = 5 }', "config schema: expected a map", "system.lua"),
        ('return { name = "x", config = { x = 5 } }', "key 'x': expected a spec table", "system.lua"),
        ('return { name = "x", config = { x = { type = "strin" } } }', "key 'x': type must be", "system.lua"),
        ('return { name = "x", config = { system = { type = "string" } } }',
         "key 'system': the name is taken", "system.lua"),
        ('return { name = "x", config = { x = { type = "string", required = true } } }',
         "required config key 'x' is missing (no config file", "s.lua")):
    write(os.path.join(sysdir, "system.lua"), manifest + "\n")
    rc, so, se, _ = run("render", sdesc, "-o", tmpdir())
    one_error(f"manifest {manifest!r}: {msg}", rc, se, msg, os.path.join(sysdir, where) + ": ")

report()
