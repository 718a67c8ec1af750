"""A tiny harness for luaform's script tests: check() records one result,
report() prints 'N passed, N failed' and exits non-zero on failure."""
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.abspath(os.path.join(ROOT, os.environ.get("LUAFORM_BIN", "luaform")))
_passed = 0
_failed = 0


def check(cond, name, detail=""):
    global _passed, _failed
    if cond:
        _passed += 1
    else:
        _failed += 1
        print(f"FAIL {name}" + (f": {detail}" if detail else ""), flush=True)
    return cond


def run(*args, cwd=None, env=None, timeout=60, input=None):
    """Run luaform; returns (rc, stdout, stderr, seconds)."""
    e = dict(os.environ)
    if env:
        e.update(env)
    t0 = time.monotonic()
    p = subprocess.run([BIN, *args], cwd=cwd or ROOT, env=e, capture_output=True,
                       text=True, timeout=timeout, input=input)
    return p.returncode, p.stdout, p.stderr, time.monotonic() - t0


def tmpdir():
    return tempfile.mkdtemp(prefix="luaform-test-")


def write(path, text):
    with open(path, "w") as f:
        f.write(text)
    return path


def report():
    print(f"{_passed} passed, {_failed} failed")
    sys.exit(1 if _failed else 0)
