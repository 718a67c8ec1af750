"""luaform render: CLI, determinism, --check, cfn-lint, JSON vs YAML."""
import filecmp
import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lftest import BIN, ROOT, check, report, run, tmpdir, write  # noqa: E402

ACME = os.path.join(ROOT, "tests/configs/acme.yaml")
STACKS = ["ltbase-foundation", "ltbase-beta", "ltbase-prod"]


def render_ltbase(out, *extra):
    rc, so, se, _ = run("render", "ltbase", "-o", out, *extra)
    check(rc == 0, f"render ltbase {' '.join(extra)}", se)
    return rc


def listed():
    """The built-in stacks, as render --list shows them."""
    rc, so, se, _ = run("render", "--list")
    return sorted(line.split()[0] for line in so.splitlines() if line.startswith("  "))


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
render_ltbase(d1)
render_ltbase(dy, "--format", "yaml")
render_ltbase(da, "-c", ACME)
render_ltbase(day, "-c", ACME, "--format", "yaml")
for d, ext in ((d1, "json"), (dy, "yaml"), (da, "json"), (day, "yaml")):
    check(sorted(os.listdir(d)) == sorted(f"{s}.{ext}" for s in STACKS),
          f"files in {d}", str(os.listdir(d)))

# bare render: every built-in stack of every built-in system, LTBase's
# the same as `render ltbase` makes
rc, so, se, _ = run("render", "-o", d2)
check(rc == 0 and sorted(f[:-5] for f in os.listdir(d2)) == listed() and len(listed()) >= 5,
      "render renders every built-in stack", f"{os.listdir(d2)} {listed()}")
check(all(filecmp.cmp(f"{d1}/{s}.json", f"{d2}/{s}.json", shallow=False) for s in STACKS),
      "render ltbase == LTBase's part of render")
d3 = tmpdir()
rc, so, se, _ = run("render", "ltbase-prod", "-o", d3)
check(rc == 0 and os.listdir(d3) == ["ltbase-prod.json"], "render one stack", str(os.listdir(d3)))

# determinism: twice, another directory, another locale and time zone
d4 = tmpdir()
rc, so, se, _ = run("render", "ltbase", "-o", d4, cwd=ROOT,
                    env={"LANG": "de_DE.UTF-8", "TZ": "Asia/Tokyo", "LC_ALL": "C"})
for s in STACKS:
    check(filecmp.cmp(f"{d1}/{s}.json", f"{d4}/{s}.json", shallow=False), f"byte-identical {s}")
d5 = tmpdir()
run("render", "ltbase", "-o", d5, "-c", ACME, "--format", "yaml")
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

# ---------------------------------------------------------------- systems
# A second system beside LTBase: tests/systems/relay, read from disk through
# LUAFORM_SYSTEMS_DIR (set only by tests). -c and -p reach the system they
# are for; the other system renders with its example config.
SYS = {"LUAFORM_SYSTEMS_DIR": os.path.join(ROOT, "tests/systems")}
RELAY = ["relay-queue", "relay-topic"]
PENNYWORTH = ["pennyworth-bootstrap", "pennyworth-app"]
RELAY_CFG = os.path.join(ROOT, "tests/configs/relay.yaml")
RELAY_EXAMPLE = os.path.join(ROOT, "tests/systems/relay/example.yaml")
LT_EXAMPLE = os.path.join(ROOT, "templates/ltbase/example.yaml")


def sys_render(*args, **kw):
    """Render with the second system; (rc, stderr, {stack: template})."""
    d = tmpdir()
    rc, so, se, _ = run("render", "-o", d, *args, env=SYS, **kw)
    return rc, se, {f[:-5]: json.load(open(f"{d}/{f}")) for f in sorted(os.listdir(d))}


def ltbase(*args):
    d = tmpdir()
    run("render", "ltbase", "-o", d, *args)
    return {s: json.load(open(f"{d}/{s}.json")) for s in STACKS}


def queue(t):
    """(QueueName, retention in days, region output) of relay-queue."""
    q = t["relay-queue"]
    p = q["Resources"]["Queue"]["Properties"]
    return p["QueueName"], p["MessageRetentionPeriod"] // 86400, q["Outputs"]["Region"]["Value"]


def refused(name, args, want, where=None):
    rc, se, t = sys_render(*args)
    lines = se.strip().splitlines()
    check(rc == 1 and len(lines) == 1 and want in lines[0] and not t and
          (where is None or lines[0].startswith(f"luaform: {where}")), name, f"rc={rc} {se}")


rc, so, se, _ = run("render", "--list", env=SYS)
check(rc == 0 and "\nrelay\n" in so and all(s in so for s in STACKS + RELAY), "--list: both systems", so)
rc, se, t = sys_render()
check(rc == 0 and sorted(t) == sorted(STACKS + RELAY + PENNYWORTH), "render: every stack of every system", se)
example_lt = ltbase()
check(rc == 0 and all(t[s] == example_lt[s] for s in STACKS) and
      queue(t) == ("relay-example", 4, "eu-central-1"), "... each with its example config", str(t.get("relay-queue")))

# -c and -p with no stack named: the system the config names, or the one
# system that has every key given
acme_lt, canary_lt = ltbase("-c", ACME), ltbase("-p", "prod.stable_version=9")
for args, want_lt, want_q, name in (
        (["-c", ACME], acme_lt, ("relay-example", 4, "eu-central-1"), "-c acme.yaml: LTBase's keys"),
        (["-p", "prod.stable_version=9"], canary_lt, ("relay-example", 4, "eu-central-1"),
         "-p prod.stable_version=9: LTBase's key"),
        (["-c", RELAY_CFG], example_lt, ("relay-other", 7, "us-east-1"), "-c relay.yaml: Relay's keys"),
        (["-c", RELAY_EXAMPLE, "-p", "region=eu-west-2"], example_lt, ("relay-example", 4, "eu-west-2"),
         "-c with 'system: relay', and -p region (a key of both) with it"),
        (["-c", LT_EXAMPLE, "-p", "region=eu-west-1"], ltbase("-p", "region=eu-west-1"),
         ("relay-example", 4, "eu-central-1"), "-c with 'system: ltbase' takes -p region along"),
        (["-p", "queue.retention_days=2", "-p", "region=us-west-2"], example_lt,
         ("relay-example", 2, "us-west-2"), "-p keys only Relay has all of")):
    rc, se, t = sys_render(*args)
    check(rc == 0 and all(t[s] == want_lt[s] for s in STACKS) and queue(t) == want_q,
          f"render {name}", f"{se} {queue(t) if 'relay-queue' in t else t}")

refused("-p region (a key of both systems) with no stack named is ambiguous", ["-p", "region=eu-west-1"],
        "-p could be for 'ltbase' or 'relay': name the stacks")
refused("-p with a key no system has", ["-p", "nope=1"], "no built-in system has a config key 'nope'", "-p: ")
refused("-c with a key no system has", ["-c", write(os.path.join(tmpdir(), "x.yaml"), "region: us-east-1\nfrob: 1\n")],
        "x.yaml:2: no built-in system has a config key 'frob'")
refused("-p keys of two systems, no stack named", ["-p", "queue.name=x", "-p", "prod.stable_version=9"],
        "no one built-in system (ltbase, pennyworth, relay) takes all the keys given")
refused("a config for a system that is not there", ["-c", write(os.path.join(tmpdir(), "n.yaml"), "system: nosuch\n")],
        "n.yaml:1: this config is for system 'nosuch', which is not built in (ltbase, pennyworth, relay)")
refused("'system:' must be a name", ["ltbase", "-c", write(os.path.join(tmpdir(), "s.yaml"), "region: us-east-1\nsystem: [a]\n")],
        "s.yaml:2: system: expected the name of a system")

# stacks named: -c and -p are for their one system
rc, se, t = sys_render("relay", "-c", RELAY_CFG, "-p", "queue.retention_days=3")
check(rc == 0 and sorted(t) == RELAY and queue(t) == ("relay-other", 3, "us-east-1"), "render relay -c -p", se)
refused("-c for stacks of two systems", ["ltbase", "relay", "-c", ACME],
        "-c and -p apply to the stacks of one system, but ltbase-foundation is of system 'ltbase' "
        "and relay-queue of system 'relay': render them apart")
refused("-p for stacks of two systems", ["ltbase-beta", "relay-topic", "-p", "region=eu-west-1"],
        "but ltbase-beta is of system 'ltbase' and relay-topic of system 'relay'")
refused("a config for another system, by its 'system:' line", ["ltbase", "-c", RELAY_EXAMPLE],
        "this config is for system 'relay', not for 'ltbase'", f"{RELAY_EXAMPLE}:2: ")
refused("LTBase's example config for Relay", ["relay", "-c", LT_EXAMPLE],
        "this config is for system 'ltbase', not for 'relay'",
        f"{LT_EXAMPLE}:{open(LT_EXAMPLE).read().splitlines().index('system: ltbase              # the system this config is for') + 1}: ")
refused("a config without 'system:' for the wrong system: its keys are unknown", ["relay", "-c", ACME],
        "unknown config key 'account'", f"{ACME}:")
loose = write(os.path.join(tmpdir(), "loose.lua"), 'resource "T" { Type = "AWS::SNS::Topic" }\n')
refused("-p for a description of no system beside LTBase's", ["ltbase-beta", loose, "-p", "x=1"],
        "but ltbase-beta is of system 'ltbase' and loose of no system (no system.lua beside it)")
refused("a config that names a system, for a description of none", [loose, "-c", LT_EXAMPLE],
        f"this config is for system 'ltbase', but {loose} has no system")
rc, so, se, _ = run("plan", "ltbase-beta", "relay-topic", "-c", ACME, env=SYS)
check(rc == 1 and "apply to the stacks of one system" in se, "plan: -c for stacks of two systems, refused before any call", se)
rc, so, se, _ = run("render", "relay", "-o", tmpdir())
check(rc == 1 and "no built-in stack or system named 'relay'" in se, "without LUAFORM_SYSTEMS_DIR there is no Relay", se)

# ---------------------------------------------------------------- --check
# a config change makes the output stale
cfg = write(os.path.join(tmpdir(), "c.yaml"), open(ACME).read())
dc = tmpdir()
run("render", "ltbase", "-c", cfg, "-o", dc)
before = {f: os.stat(f"{dc}/{f}").st_mtime_ns for f in os.listdir(dc)}
rc, so, se, _ = run("render", "ltbase", "-c", cfg, "-o", dc, "--check")
check(rc == 0 and "stale" not in so, "--check fresh", so + se)
write(cfg, open(ACME).read().replace("memory_mb: 1024", "memory_mb: 2048"))
rc, so, se, _ = run("render", "ltbase", "-c", cfg, "-o", dc, "--check")
check(rc == 2 and "ltbase-beta.json" in so and "ltbase-prod.json" in so
      and "ltbase-foundation.json" not in so, "--check after a config change", so)
check(before == {f: os.stat(f"{dc}/{f}").st_mtime_ns for f in os.listdir(dc)},
      "--check writes nothing")
rc, so, se, _ = run("render", "ltbase", "-c", cfg, "-o", dc, "-p", "lambda.memory_mb=1024", "--check")
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
# the objects of this binary's build, when it is the default one: then only
# the embedded library is compiled again (copied with their times, the
# objects are newer than their sources)
if os.path.realpath(BIN) == os.path.realpath(f"{ROOT}/luaform") and os.path.isdir(f"{ROOT}/build/generator"):
    shutil.copytree(f"{ROOT}/build", f"{src}/build", ignore=shutil.ignore_patterns("tests", "bench"))
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
