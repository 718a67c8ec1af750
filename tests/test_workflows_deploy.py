"""luaform workflows: the deploy workflow (deploy.yml) of a system whose
system.lua has a deploy_workflow (Pennyworth; a copy of the test system
Relay given one). Deterministic and committed (out/workflows/pennyworth),
--check 0/2/1, the security properties read from the parsed YAML, the
deploy step's script run as GitHub runs it (bash -e) against a stub
./build/luaform that records its argv, each missing secret an ::error::
naming it, both validators offline, a system without deploy_workflow
gets none (and --deploy for it is an error), and every bad
deploy_workflow field of a manifest one error naming system.lua."""
import filecmp
import os
import re
import shutil
import subprocess
import sys

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lftest import BIN, ROOT, check, report, run, tmpdir, write  # noqa: E402
from validators import HOW, actionlint, have_validators, validate_all  # noqa: E402

COMMITTED = os.path.join(ROOT, "out", "workflows", "pennyworth")
SECRETS = {"AWS_DEPLOY_ROLE_ARN": "arn:aws:iam::111111111111:role/pennyworth-github-deploy-role",
           "ROUTE53_HOSTED_ZONE_ID": "Z0123456789ABCDEFGHIJ", "STACK_NAME": "pw-prod",
           "AWS_REGION": "eu-west-1", "BASE_DOMAIN": "uproro.com"}
# the step's variables: the role's under ROLE_ARN, the others their own
ENV = {("ROLE_ARN" if k == "AWS_DEPLOY_ROLE_ARN" else k): v for k, v in SECRETS.items()}
PW_CONFIG = open(os.path.join(ROOT, "templates/pennyworth/example.yaml")).read()


def gen(out, *args, system="pennyworth", env=None):
    rc, so, se, _ = run("workflows", system, "-o", out, *args, env=env)
    check(rc == 0 and os.path.exists(os.path.join(out, "deploy.yml")),
          f"workflows {system} {' '.join(args)}: deploy.yml", se)
    return os.path.join(out, "deploy.yml")


def load(path):
    with open(path) as f:
        text = f.read()
    return text, yaml.safe_load(text)


def same(a, b):
    return os.path.exists(a) and os.path.exists(b) and filecmp.cmp(a, b, shallow=False)


def deploy_step(wf):
    return wf["jobs"]["deploy"]["steps"][-1]


def stub_run(script, env):
    """The step's script under bash -e, in a directory whose
    ./build/luaform is a stub printing one argument a line."""
    cwd = tmpdir()
    os.makedirs(os.path.join(cwd, "build"))
    stub = write(os.path.join(cwd, "build", "luaform"),
                 '#!/bin/sh\nfor a in "$@"; do printf "%s\\n" "$a"; done > argv.txt\n')
    os.chmod(stub, 0o755)
    e = {k: v for k, v in os.environ.items() if k not in ENV and not k.startswith("AWS_")}
    e.update(env)
    p = subprocess.run(["bash", "-e", "-c", script], cwd=cwd, env=e, capture_output=True,
                       text=True, timeout=30)
    argv = os.path.join(cwd, "argv.txt")
    return p, open(argv).read().splitlines() if os.path.exists(argv) else None


work = tmpdir()

# --------------------------------------------- generation, determinism, committed
d1, d2 = tmpdir(), tmpdir()
p1 = gen(d1)
p2 = gen(d2, "--deploy")
check(same(p1, p2) and sorted(os.listdir(d1)) == ["ci.yml", "deploy.yml"] and
      os.listdir(d2) == ["deploy.yml"], "pennyworth: both kinds by default, --deploy alone; "
      "same bytes", str(os.listdir(d1)) + str(os.listdir(d2)))
d3 = tmpdir()
rc, so, se, _ = run("workflows", "pennyworth", "-o", d3,
                    env={"LANG": "de_DE.UTF-8", "TZ": "Asia/Tokyo", "LC_ALL": "C"})
check(rc == 0 and same(p1, os.path.join(d3, "deploy.yml")), "same bytes in another locale")
for f in ("ci.yml", "deploy.yml"):
    check(same(os.path.join(d1, f), os.path.join(COMMITTED, f)),
          f"out/workflows/pennyworth/{f} is what the example config generates")
rc, so, se, _ = run("workflows", "pennyworth", "-o", "out/workflows/pennyworth", "--check")
check(rc == 0 and not so and not se, "--check: the committed workflows are in sync", so + se)

# ------------------------------------------------------------- --check 0/2/1
d = tmpdir()
gen(d, "--deploy")
rc, so, se, _ = run("workflows", "pennyworth", "--deploy", "-o", d, "--check")
check(rc == 0 and not so, "--check in sync: 0", so + se)
with open(os.path.join(d, "deploy.yml"), "a") as f:
    f.write("# edited\n")
rc, so, se, _ = run("workflows", "pennyworth", "--deploy", "-o", d, "--check")
check(rc == 2 and f"stale: {d}/deploy.yml" in so, "--check of an edited deploy.yml: 2", so + se)
os.remove(os.path.join(d, "deploy.yml"))
rc, so, se, _ = run("workflows", "pennyworth", "-o", d, "--check")
check(rc == 2 and f"stale: {d}/deploy.yml" in so and not os.listdir(d),
      "--check of a missing deploy.yml: 2, nothing written", so + se)
write(os.path.join(d, "deploy.yml"), "name: my deploy\non: push\njobs: {}\n")
rc, so, se, _ = run("workflows", "pennyworth", "-o", d, "--check")
check(rc == 1 and "deploy.yml: not the workflow luaform generates for pennyworth" in se and
      "'name: luaform deploy (pennyworth)'" in se, "--check of a hand-written deploy.yml: 1", se)
rc, so, se, _ = run("workflows", "pennyworth", "-o", d)
check(rc == 1 and open(os.path.join(d, "deploy.yml")).read().startswith("name: my deploy"),
      "a hand-written deploy.yml is never replaced", se)

# ------------------------------------------- a system without deploy_workflow
d = tmpdir()
rc, so, se, _ = run("workflows", "ltbase", "-o", d)
check(rc == 0 and os.listdir(d) == ["ci.yml"], "ltbase: no deploy.yml", str(os.listdir(d)))
rc, so, se, _ = run("workflows", "ltbase", "--deploy", "-o", d)
check(rc == 1 and "system 'ltbase' has no deploy workflow" in se and "deploy_workflow" in se
      and os.listdir(d) == ["ci.yml"], "--deploy for ltbase: an error naming the system", se)
rc, so, se, _ = run("workflows", "ltbase", "-o", d, "-p", "workflows.deploy_environment=prod")
check(rc == 1 and se.startswith("luaform: -p: workflows.deploy_environment: system 'ltbase' "
                                "has no deploy workflow"), "deploy_environment for ltbase: 1", se)
rc, so, se, _ = run("help", "workflows")
check(rc == 0 and "--deploy" in so and "deploy_workflow" in so, "help workflows: --deploy", so)

# ------------------------------------------------------ a config, its branch, environment
cfg_text = PW_CONFIG.replace("  branch: main", "  branch: release/v2") + \
    "workflows:\n  config: ops/pennyworth.yaml\n  deploy_environment: production\n"
check("release/v2" in cfg_text, "the config sets github.branch")
cfg = write(os.path.join(work, "pw.yaml"), cfg_text)
pc = gen(tmpdir(), "-c", cfg)
bad_branch = write(os.path.join(work, "bad-branch.yaml"),
                   PW_CONFIG.replace("  branch: main", "  branch: 'a+b'"))
rc, so, se, _ = run("workflows", "pennyworth", "-c", bad_branch, "-o", tmpdir())
line = PW_CONFIG.splitlines().index("  branch: main") + 1
check(rc == 1 and se.startswith(f"luaform: {bad_branch}:{line}: github.branch: 'a+b' cannot be "
                                "the branch of the deploy workflow") and len(se.splitlines()) == 1,
      "a github.branch no trigger can name: one error at its line", se)
bad_env = write(os.path.join(work, "bad-env.yaml"),
                PW_CONFIG + "workflows:\n  deploy_environment: 'a b'\n")
rc, so, se, _ = run("workflows", "pennyworth", "-c", bad_env, "-o", tmpdir())
check(rc == 1 and f"{bad_env}:{len(PW_CONFIG.splitlines()) + 2}: workflows.deploy_environment"
      in se, "a bad deploy_environment: an error at its line", se)

# Relay given a deploy_workflow: two stacks, a dotted config key, no
# branch key (the pushes of workflows.branches)
sysdir = tmpdir()
shutil.copytree(os.path.join(ROOT, "tests/systems/relay"), os.path.join(sysdir, "relay"))
relay_manifest = open(os.path.join(sysdir, "relay/system.lua")).read()


def relay_with(field):
    write(os.path.join(sysdir, "relay/system.lua"),
          relay_manifest.replace('  name = "relay",\n', '  name = "relay",\n' + field + "\n"))


relay_with('  deploy_workflow = { stacks = { "relay-topic", "relay-queue" }, '
           'role_secret = "RELAY_ROLE", secrets = { ["queue.name"] = "QUEUE_NAME", '
           'region = "AWS_REGION" } },')
SYS = {"LUAFORM_SYSTEMS_DIR": sysdir}
pr = gen(tmpdir(), "-p", "workflows.branches=main,prod", system="relay", env=SYS)

# ------------------------------------------------------ the security properties
ALL = {"example": p1, "config": pc, "relay": pr}
if not all(map(os.path.exists, ALL.values())):
    check(False, "every deploy.yml was generated (the checks below read them)")
    report()
SHA = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+@[0-9a-f]{40}$")
SECRET_REF = re.compile(r"\$\{\{ secrets\.([A-Z_][A-Z0-9_]*) \}\}")
for label, path in ALL.items():
    text, wf = load(path)
    on = wf.get("on", wf.get(True))
    want_branches = {"example": ["main"], "config": ["release/v2"], "relay": ["main", "prod"]}
    check(on == {"push": {"branches": want_branches[label]}, "workflow_dispatch": {}},
          f"{label}: triggers exactly push to {want_branches[label]} and by hand", str(on))
    check(wf.get("permissions") == {}, f"{label}: the workflow's default permissions are none")
    check(list(wf["jobs"]) == ["deploy"], f"{label}: only the deploy job", str(list(wf["jobs"])))
    check(wf.get("concurrency", {}).get("cancel-in-progress") is False and
          wf["concurrency"].get("group", "").startswith("luaform-deploy-"),
          f"{label}: one concurrency group, never cancelled", str(wf.get("concurrency")))
    job = wf["jobs"]["deploy"]
    check(job.get("permissions") == {"contents": "read", "id-token": "write"},
          f"{label}: deploy has exactly contents: read, id-token: write", str(job.get("permissions")))
    check(job.get("timeout-minutes"), f"{label}: a timeout")
    check(job.get("environment") == ("production" if label == "config" else None),
          f"{label}: an environment only when configured", str(job.get("environment")))
    want_if = {"example": "github.ref == 'refs/heads/main'",
               "config": "github.ref == 'refs/heads/release/v2'", "relay": None}[label]
    check(job.get("if") == want_if, f"{label}: runs only on the branch that deploys", job.get("if"))
    co = job["steps"][0]
    check(co.get("uses", "").startswith("actions/checkout@") and
          co.get("with") == {"persist-credentials": False},
          f"{label}: checks out first, persist-credentials: false", str(co))
    for st in job["steps"]:
        if "uses" in st:
            check(SHA.match(st["uses"]), f"{label}: {st['uses']} pinned by commit")
        if "run" in st:
            check("${{" not in st["run"], f"{label}: no expression inside run:", st["run"])
    for st in job["steps"][:-1]:
        check("env" not in st, f"{label}: secrets only in the deploy step", str(st))
    step = deploy_step(wf)
    for k, v in step["env"].items():
        m = SECRET_REF.fullmatch(v)
        check(m and (m.group(1) == k or k == "ROLE_ARN"),
              f"{label}: env {k} is the secret of its name (ROLE_ARN: the role's)", v)
    check("pull_request_target" not in text and "pull_request" not in on,
          f"{label}: no pull request trigger of any kind")
    check(not re.search(r"access[_-]?key|secret[_-]?access|AKIA|aws-actions", text, re.I),
          f"{label}: no static AWS keys, no credentials action")
    check("pennyworth-bootstrap" not in text and "relay-bootstrap" not in text,
          f"{label}: the bootstrap stack is not deployed")

_, ex = load(p1)
check(deploy_step(ex)["env"] == {"ROLE_ARN": "${{ secrets.AWS_DEPLOY_ROLE_ARN }}",
                                 "BASE_DOMAIN": "${{ secrets.BASE_DOMAIN }}",
                                 "ROUTE53_HOSTED_ZONE_ID": "${{ secrets.ROUTE53_HOSTED_ZONE_ID }}",
                                 "AWS_REGION": "${{ secrets.AWS_REGION }}",
                                 "STACK_NAME": "${{ secrets.STACK_NAME }}"},
      "example: exactly the guide's five secrets", str(deploy_step(ex)["env"]))

# ------------------------------------------------------ the step, run (bash -e)
PW_ARGS = ["-p", "base_domain=uproro.com", "-p", "hosted_zone_id=Z0123456789ABCDEFGHIJ",
           "-p", "region=eu-west-1", "-p", "stack_name=pw-prod",
           "--yes", "--require-approval", "never",
           "--role-arn", SECRETS["AWS_DEPLOY_ROLE_ARN"]]
p, argv = stub_run(deploy_step(ex)["run"], ENV)
check(p.returncode == 0 and argv == ["deploy", "pennyworth-app"] + PW_ARGS,
      "example: the exact luaform command line", f"{p.returncode} {p.stderr} {argv}")
_, cw = load(pc)
p, argv = stub_run(deploy_step(cw)["run"], ENV)
check(p.returncode == 0 and argv == ["deploy", "pennyworth-app", "-c", "ops/pennyworth.yaml"] + PW_ARGS,
      "config: -c workflows.config, then the secrets", f"{p.returncode} {p.stderr} {argv}")
# a value with spaces and shell characters reaches luaform as one argument
p, argv = stub_run(deploy_step(ex)["run"], dict(ENV, STACK_NAME="a b $(id) `x` ;"))
check(p.returncode == 0 and argv and "stack_name=a b $(id) `x` ;" in argv,
      "a secret's value is one argument, never run", str(argv))
for secret, var in (("AWS_DEPLOY_ROLE_ARN", "ROLE_ARN"), ("ROUTE53_HOSTED_ZONE_ID",) * 2,
                    ("STACK_NAME",) * 2, ("AWS_REGION",) * 2, ("BASE_DOMAIN",) * 2):
    for how, env in (("empty", dict(ENV, **{var: ""})),
                     ("not set", {k: v for k, v in ENV.items() if k != var})):
        p, argv = stub_run(deploy_step(ex)["run"], env)
        errs = [ln for ln in p.stdout.splitlines() if ln.startswith("::error::")]
        check(p.returncode == 1 and argv is None and
              errs == [f"::error::the secret {secret} is empty or not set"],
              f"{secret} {how}: exit 1 naming it, luaform not run", f"{p.returncode} {p.stdout}")
p, argv = stub_run(deploy_step(ex)["run"], {})
check(p.returncode == 1 and p.stdout.count("::error::") == 5, "no secret at all: all five named",
      p.stdout)
_, rw = load(pr)
p, argv = stub_run(deploy_step(rw)["run"], {"ROLE_ARN": "arn:r", "QUEUE_NAME": "q1",
                                            "AWS_REGION": "eu-west-1"})
check(p.returncode == 0 and argv == ["deploy", "relay-topic", "relay-queue", "-p",
                                     "queue.name=q1", "-p", "region=eu-west-1", "--yes",
                                     "--require-approval", "never", "--role-arn", "arn:r"] and
      "secrets.RELAY_ROLE" in deploy_step(rw)["env"]["ROLE_ARN"],
      "relay: its stacks in order, its own secrets", f"{p.stderr} {argv}")
# the command line the stub saw is one luaform takes: the real binary
# renders with those -p and only then stops, at the credentials (no
# OIDC token outside GitHub; a bad -p would be refused before that)
p = subprocess.run([BIN, "deploy", "pennyworth-app", *PW_ARGS,
                    "--endpoint-url", "http://127.0.0.1:9", "--max-attempts", "1"],
                   cwd=ROOT, capture_output=True, text=True, timeout=60,
                   env=dict({k: v for k, v in os.environ.items()
                             if not k.startswith(("AWS_", "ACTIONS_"))}, HOME=tmpdir()))
check(p.returncode == 1 and p.stderr.startswith("luaform: no AWS credentials found") and
      "ACTIONS_ID_TOKEN_REQUEST_URL not set" in p.stderr,
      "luaform deploy takes the workflow's arguments", p.stderr[-400:])
p = subprocess.run([BIN, "deploy", "pennyworth-app",
                    *[a.replace("eu-west-1", "bad") for a in PW_ARGS]],
                   cwd=ROOT, capture_output=True, text=True, timeout=60)
check(p.returncode == 1 and p.stderr.startswith("luaform: -p: region: 'bad' is not valid"),
      "(a bad -p is refused before the credentials)", p.stderr)

# ------------------------------------------------------ the validators, offline
if have_validators():
    validate_all(ALL, "deploy.yml")
    text, _ = load(p1)
    inj = write(os.path.join(tmpdir(), "inject.yml"),
                text.replace('--role-arn "$ROLE_ARN"', '--role-arn "${{ github.head_ref }}"'))
    rc, out = actionlint(inj, 1)
    check(rc == 1 and "github.head_ref" in out and "untrusted" in out,
          f"actionlint, {HOW}: catches an expression put into the deploy step", out)

# ------------------------------------- a bad deploy_workflow: one error naming system.lua
GOOD = ('stacks = { "relay-queue" }, role_secret = "R", '
        'secrets = { region = "AWS_REGION" }')
BAD = [
    ('deploy_workflow = 5', "deploy_workflow: expected a table, got a number"),
    ('deploy_workflow = { ' + GOOD + ', colour = "red" }', "deploy_workflow: unknown field 'colour'"),
    ('deploy_workflow = { role_secret = "R", secrets = { region = "AWS_REGION" } }',
     "deploy_workflow.stacks: expected a list"),
    ('deploy_workflow = { stacks = { "relay-nope" }, role_secret = "R", '
     'secrets = { region = "AWS_REGION" } }',
     "deploy_workflow.stacks[1]: 'relay-nope' is not a stack of this system"),
    ('deploy_workflow = { stacks = { "relay-queue" }, role_secret = "9R", '
     'secrets = { region = "AWS_REGION" } }', "deploy_workflow.role_secret: expected a secret name"),
    ('deploy_workflow = { stacks = { "relay-queue" }, role_secret = "GITHUB_TOKEN", '
     'secrets = { region = "AWS_REGION" } }', "deploy_workflow.role_secret: 'GITHUB_TOKEN': GitHub"),
    ('deploy_workflow = { stacks = { "relay-queue" }, role_secret = "R", secrets = {} }',
     "deploy_workflow.secrets: expected a map of config keys"),
    ('deploy_workflow = { stacks = { "relay-queue" }, role_secret = "R", '
     'secrets = { colour = "C" } }', "deploy_workflow.secrets: 'colour' is not a key of the "
     "system's config"),
    ('deploy_workflow = { stacks = { "relay-queue" }, role_secret = "R", '
     'secrets = { region = "aws_region" } }', "deploy_workflow.secrets.region: expected a "
     "secret name"),
    ('deploy_workflow = { stacks = { "relay-queue" }, role_secret = "R", '
     'secrets = { region = "GITHUB_REGION" } }', "deploy_workflow.secrets.region: "
     "'GITHUB_REGION': GitHub keeps"),
    ('deploy_workflow = { stacks = { "relay-queue" }, role_secret = "R", '
     'secrets = { region = "AWS_PROFILE" } }', "deploy_workflow.secrets.region: 'AWS_PROFILE' "
     "would reach the deploy step"),
    ('deploy_workflow = { stacks = { "relay-queue" }, role_secret = "R", '
     'secrets = { region = "PATH" } }', "'PATH' is a variable the runner"),
    ('deploy_workflow = { ' + GOOD + ', branch = "queue.branch" }',
     "deploy_workflow.branch: expected the config key naming the branch"),
    ('deploy_workflow = { ' + GOOD + ', branch = "queue.retention_days" }',
     "deploy_workflow.branch: 'queue.retention_days' is not a string key"),
]
manifest_path = os.path.join(sysdir, "relay", "system.lua")
for field, msg in BAD:
    relay_with("  " + field + ",")
    for argv in (("workflows", "relay", "-o", tmpdir()),
                 ("render", "relay", "-o", tmpdir())):
        rc, so, se, _ = run(*argv, env=SYS)
        lines = se.strip().splitlines()
        check(rc == 1 and len(lines) == 1 and lines[0].startswith(f"luaform: {manifest_path}: ")
              and msg in se, f"{argv[0]}: bad field {field!r}: one error naming system.lua", se)
relay_with("  deploy_workflow = { " + GOOD + " },")
rc, so, se, _ = run("workflows", "relay", "--deploy", "-o", tmpdir(), env=SYS)
check(rc == 0, "the good field of the same checks", se)

report()
