"""luaform render: CLI, determinism, --check, cfn-lint, JSON vs YAML."""
import filecmp
import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lftest import ROOT, check, report, run, tmpdir, write  # noqa: E402

ACME = os.path.join(ROOT, "tests/configs/acme.yaml")
STACKS = ["ltbase-foundation", "ltbase-beta", "ltbase-prod"]


def render_all(out, *extra):
    rc, so, se, _ = run("render", "-o", out, *extra)
    check(rc == 0, f"render {' '.join(extra)}", se)
    return rc


# ---------------------------------------------------------------- CLI
rc, so, se, _ = run("--help")
check(rc == 0 and "render" in so and not se, "--help", se)
rc, so, se, _ = run("help", "render")
check(rc == 0 and "--check" in so and "--format" in so, "help render")
rc, so, se, _ = run("--version")
check(rc == 0 and so.startswith("luaform "), "--version", so)
rc, so, se, _ = run("frobnicate")
check(rc == 1 and "not a luaform command" in se, "unknown command", se)
rc, so, se, _ = run("render", "--bogus")
check(rc == 1 and "unknown option" in se, "unknown option", se)
rc, so, se, _ = run("render", "--format", "xml")
check(rc == 1 and "json or yaml" in se, "bad format", se)
rc, so, se, _ = run("render", "nosuchstack")
check(rc == 1 and "no built-in stack" in se, "unknown stack", se)
rc, so, se, _ = run("render", "--list")
check(rc == 0 and all(s in so for s in STACKS) and "ltbase" in so, "--list", so)
rc, so, se, _ = run()
check(rc == 1 and "usage" in se, "no command")

# ---------------------------------------------------------------- rendering
d1, d2, dy, da, day = tmpdir(), tmpdir(), tmpdir(), tmpdir(), tmpdir()
render_all(d1)
render_all(dy, "--format", "yaml")
render_all(da, "-c", ACME)
render_all(day, "-c", ACME, "--format", "yaml")
for d, ext in ((d1, "json"), (dy, "yaml"), (da, "json"), (day, "yaml")):
    check(sorted(os.listdir(d)) == sorted(f"{s}.{ext}" for s in STACKS),
          f"files in {d}", str(os.listdir(d)))

# a system name and a stack name select the same files
rc, so, se, _ = run("render", "ltbase", "-o", d2)
check(rc == 0 and all(filecmp.cmp(f"{d1}/{s}.json", f"{d2}/{s}.json", shallow=False)
                      for s in STACKS), "render ltbase == render")
d3 = tmpdir()
rc, so, se, _ = run("render", "ltbase-prod", "-o", d3)
check(rc == 0 and os.listdir(d3) == ["ltbase-prod.json"], "render one stack", str(os.listdir(d3)))

# determinism: twice, another directory, another locale and time zone
d4 = tmpdir()
rc, so, se, _ = run("render", "-o", d4, cwd=ROOT, env={"LANG": "de_DE.UTF-8", "TZ": "Asia/Tokyo",
                                                       "LC_ALL": "C"})
for s in STACKS:
    check(filecmp.cmp(f"{d1}/{s}.json", f"{d4}/{s}.json", shallow=False), f"byte-identical {s}")
d5 = tmpdir()
run("render", "-o", d5, "-c", ACME, "--format", "yaml")
for s in STACKS:
    check(filecmp.cmp(f"{day}/{s}.yaml", f"{d5}/{s}.yaml", shallow=False), f"byte-identical yaml {s}")

# the committed out/ is what render makes
for s in STACKS:
    check(filecmp.cmp(f"{d1}/{s}.json", f"{ROOT}/out/{s}.json", shallow=False), f"out/{s}.json fresh")
rc, so, se, _ = run("render", "--check")
check(rc == 0, "render --check on the repository", so + se)

# ---------------------------------------------------------------- cfn-lint
files = [f"{d}/{f}" for d in (d1, dy, da, day) for f in sorted(os.listdir(d))]
p = subprocess.run(["cfn-lint", "--", *files], capture_output=True, text=True)
check(p.returncode == 0 and p.stdout.strip() == "", "cfn-lint: no error, no warning",
      p.stdout[-3000:] + p.stderr[-1000:])

# ---------------------------------------------------------------- YAML == JSON
try:
    from cfnlint.decode import decode_str
    for dj, dyml in ((d1, dy), (da, day)):
        for s in STACKS:
            with open(f"{dj}/{s}.json") as f:
                j = json.load(f)
            with open(f"{dyml}/{s}.yaml") as f:
                y, matches = decode_str(f.read())
            check(not matches and json.loads(json.dumps(y)) == j, f"YAML means the JSON ({s})",
                  str(matches))
except ImportError as exc:
    check(False, "cfnlint.decode importable", str(exc))

# tricky scalars: the YAML must mean what the JSON means
tricky = write(os.path.join(tmpdir(), "tricky.lua"), '''
local words = { "yes", "No", "on", "OFF", "y", "=", "<<", "~", "null", "0x1F", "1e3", "1_000",
  "2010-09-09", "12:30", ".inf", "-.5", "+1", "- x", "#x", "@x", "%x", "`x", "!x", "*x",
  "&x", "{x}", "[x]", "x: y", "trailing ", "tab\\t", "two\\nlines", "" }
local tags = {}
for i, w in ipairs(words) do tags[i] = { Key = "k" .. i, Value = w } end
resource "T" { Type = "AWS::SNS::Topic", Properties = { Tags = tags, DisplayName = "<<" } }
output "Weight" { Value = Join(",", { "a" }) }
resource "A" { Type = "AWS::Lambda::Alias", Properties = { FunctionName = "f", Name = "n",
  FunctionVersion = "1", RoutingConfig = { AdditionalVersionWeights = {
    { FunctionVersion = "2", FunctionWeight = 0.00001 } } } } }
''')
dt = tmpdir()
rc1 = run("render", tricky, "-o", dt)[0]
rc2 = run("render", tricky, "-o", dt, "--format", "yaml")[0]
try:
    from cfnlint.decode import decode_str
    y, matches = decode_str(open(f"{dt}/tricky.yaml").read())
    j = json.load(open(f"{dt}/tricky.json"))
    check(rc1 == 0 and rc2 == 0 and not matches and json.loads(json.dumps(y)) == j,
          "tricky scalars mean the same in YAML and JSON", str(matches) + open(f"{dt}/tricky.yaml").read()[:3000])
except ImportError as exc:
    check(False, "cfnlint.decode importable", str(exc))

# ---------------------------------------------------------------- --check
# a config change makes the output stale
cfg = write(os.path.join(tmpdir(), "c.yaml"), open(ACME).read())
dc = tmpdir()
run("render", "-c", cfg, "-o", dc)
before = {f: os.stat(f"{dc}/{f}").st_mtime_ns for f in os.listdir(dc)}
rc, so, se, _ = run("render", "-c", cfg, "-o", dc, "--check")
check(rc == 0 and "stale" not in so, "--check fresh", so + se)
write(cfg, open(ACME).read().replace("memory_mb: 1024", "memory_mb: 2048"))
rc, so, se, _ = run("render", "-c", cfg, "-o", dc, "--check")
check(rc == 2 and "ltbase-beta.json" in so and "ltbase-prod.json" in so
      and "ltbase-foundation.json" not in so, "--check after a config change", so)
check(before == {f: os.stat(f"{dc}/{f}").st_mtime_ns for f in os.listdir(dc)},
      "--check writes nothing")
rc, so, se, _ = run("render", "-c", cfg, "-o", dc, "-p", "lambda.memory_mb=1024", "--check")
check(rc == 0, "-p restores the value", so)

# a description change makes it stale
ddir = tmpdir()
for f in ("system.lua", "beta.lua", "example.yaml"):
    shutil.copy(f"{ROOT}/templates/ltbase/{f}", ddir)
desc = f"{ddir}/beta.lua"
dd = tmpdir()
rc, so, se, _ = run("render", desc, "-c", f"{ddir}/example.yaml", "-o", dd)
check(rc == 0 and os.listdir(dd) == ["beta.json"], "render a description file", so + se)
rc, so, se, _ = run("render", desc, "-c", f"{ddir}/example.yaml", "-o", dd, "--check")
check(rc == 0, "--check fresh (file)", so + se)
write(desc, open(desc).read().replace('Name = "beta"', 'Name = "beta2"'))
rc, so, se, _ = run("render", desc, "-c", f"{ddir}/example.yaml", "-o", dd, "--check")
check(rc == 2 and "beta.json" in so, "--check after a description change", so)

# a stray file in out/ is stale; a missing one too
do = tmpdir()
shutil.copytree(f"{ROOT}/out", do, dirs_exist_ok=True)
rc, so, se, _ = run("render", "-o", do, "--check")
check(rc == 0, "--check on a copy of out/", so + se)
write(f"{do}/old-stack.json", "{}\n")
rc, so, se, _ = run("render", "-o", do, "--check")
check(rc == 2 and "old-stack.json" in so, "--check finds a stray file", so)
os.remove(f"{do}/old-stack.json")
os.remove(f"{do}/ltbase-beta.json")
rc, so, se, _ = run("render", "-o", do, "--check")
check(rc == 2 and "ltbase-beta.json" in so, "--check finds a missing file", so)

# a library change makes it stale: build a copy with one lua/ file changed
src = tmpdir()
for part in ("generator", "include", "lua", "templates", "Makefile", "tests/fuzz/fuzz.mk"):
    s = f"{ROOT}/{part}"
    os.makedirs(os.path.dirname(f"{src}/{part}"), exist_ok=True)
    (shutil.copytree if os.path.isdir(s) else shutil.copy)(s, f"{src}/{part}")
iam = f"{src}/lua/luaform/iam.lua"
write(iam, open(iam).read().replace('Version = "2012-10-17", Statement',
                                    'Version = "2012-10-17", Id = "changed", Statement'))
p = subprocess.run(["make", "-s", "-C", src, "luaform", "OPT=-O0"], capture_output=True, text=True)
if check(p.returncode == 0, "build a copy with a changed library", p.stderr[-2000:]):
    p = subprocess.run([f"{src}/luaform", "render", "--check", "-o", f"{ROOT}/out"],
                       capture_output=True, text=True, cwd=src)
    check(p.returncode == 2 and "ltbase-foundation.json" in p.stdout,
          "--check after a library change", p.stdout + p.stderr)

report()
