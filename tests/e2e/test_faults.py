"""Faults of a real network path that moto cannot show, through
tests/e2e/cfnproxy.py in front of moto (signature checking on): a reused
connection reset after the service ran a mutating call, 200 answers that
are not the service's (a captive portal), endless and looping paging,
Ctrl-C inside paging and during a request the service never answers,
control characters in service text; and malformed
settings (AWS_MAX_ATTEMPTS, --max-attempts, endpoint URLs with user info).
Each test talks only to 127.0.0.1 and takes seconds, not minutes."""
import os
import re
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))
from lftest import BIN, check, report, run, tmpdir, write  # noqa: E402
import moto  # noqa: E402

m = moto.Moto()
D = tmpdir()
DESC = write(os.path.join(D, "faults.lua"),
             'resource "Topic" { Type = "AWS::SNS::Topic" }\n')
# over the 51,200 bytes CloudFormation takes inline: goes through S3
BIG = write(os.path.join(D, "big.lua"), '''
for i = 1, 90 do
  resource("Topic" .. i) { Type = "AWS::SNS::Topic",
    Properties = { DisplayName = string.rep("x", 80), Tags = { { Key = "k", Value = string.rep("v", 400) } } } }
end
''')
TIME = re.compile(r"^\d\d:\d\d:\d\d  ")
FAST = {"LUAFORM_POLL_MS": "20"}    # polls every 20 ms, not 0.5 to 2 s
# retry backoff scaled to a base of 5 ms (LUAFORM_RETRY_BASE_MS, a hidden test
# hook): as many attempts as with the real 1 s base, without sitting through them
FAST["LUAFORM_RETRY_BASE_MS"] = "5"


def text(x):
    return x.decode(errors="replace") if isinstance(x, bytes) else (x or "")


def lf(*args, env=None, timeout=60):
    """Run luaform; a run past timeout gives rc None (a test failure, not
    a hang of the suite)."""
    try:
        return run(*args, env=env if env is not None else m.env(**FAST), timeout=timeout)
    except subprocess.TimeoutExpired as x:
        return None, text(x.stdout), text(x.stderr), timeout


def one_error_line(se):
    return len([x for x in se.strip().splitlines() if x.startswith("luaform: ")]) == 1


stack, change_sets = m.stack, m.change_sets


def with_proxy(*args):
    p = moto.Proxy(m.url, *args)
    return p, ["--endpoint-url", p.url]


def deploy(name, ep, *more, timeout=60):
    return lf("deploy", DESC, "--yes", "--require-approval", "never", "--stack-name", name, *ep, *more, timeout=timeout)


try:
    # ------------------------------------------------------------ a reused connection reset after the call ran
    # libcurl resends a request by itself when a reused connection dies
    # before any response byte: a mutating call must go out once per
    # attempt luaform decides on, and be looked up, not resent
    p, ep = with_proxy("--keep-alive", "--reset-after", "ExecuteChangeSet")
    try:
        rc, so, se, secs = deploy("f-exec", ep, "--max-attempts", "1", timeout=40)
        st = p.stats()
        check(st["injected"]["reset"].get("ExecuteChangeSet") == 1, "the reset was injected", str(st["injected"]))
        check(st["forwarded"].get("ExecuteChangeSet") == 1, "ExecuteChangeSet reached moto exactly once "
              "(no resend on a new connection)", str(st["forwarded"]))
        check(rc == 0 and "CREATE_COMPLETE" in so, "the deploy goes on: a look showed it ran", so[-1200:] + se)
        check(st["forwarded"].get("DescribeChangeSet", 0) >= 2, "looked (DescribeChangeSet) before deciding",
              str(st["forwarded"]))
        done = [x for x in so.splitlines() if TIME.match(x) and "CREATE_COMPLETE" in x and
                "AWS::CloudFormation::Stack" in x]
        check(len(done) == 1, "the stack was created once", so[-1200:])
    finally:
        p.stop()

    p, ep = with_proxy("--keep-alive", "--reset-after", "CreateChangeSet")
    try:
        rc, so, se, secs = deploy("f-create", ep, "--max-attempts", "1", timeout=40)
        st = p.stats()
        check(st["injected"]["reset"].get("CreateChangeSet") == 1, "the reset was injected", str(st["injected"]))
        per = st["tokens"].get("CreateChangeSet", {}).get("ChangeSetName", {})
        check(st["forwarded"].get("CreateChangeSet") == 1 and list(per.values()) == [1],
              "CreateChangeSet reached moto exactly once", str(st["forwarded"]) + str(per))
        check(rc == 0 and "CREATE_COMPLETE" in so, "the deploy goes on with the change set it made",
              so[-1200:] + se)
        check(len(change_sets("f-create")) == 1, "one change set of that name", str(change_sets("f-create")))
    finally:
        p.stop()

    # reads keep the kept-alive connection: after a reset on one, they go on
    p, ep = with_proxy("--keep-alive", "--reset-after", "DescribeStacks:2")
    try:
        rc, so, se, secs = lf("wait", "--stack-name", "f-exec", *ep, timeout=30)
        check(rc == 0 and "CREATE_COMPLETE" in so, "a read is retried after a reset", so + se)
    finally:
        p.stop()

    # ------------------------------------------------------------ 200 answers that are not the service's
    p, ep = with_proxy("--junk", "DescribeStacks")
    try:
        rc, so, se, secs = lf("delete", "--stack-name", "f-exec", "--yes", *ep, timeout=30)
        check(rc == 1 and one_error_line(se) and "DescribeStacks: unexpected answer (HTTP 200" in se and
              "Sign in to the guest network" in se, "delete: a portal's page to DescribeStacks is an error",
              so + se)
        check("nothing to delete" not in so, "never 'no such stack' for a stack that exists", so)
        check((stack("f-exec") or {}).get("StackStatus") == "CREATE_COMPLETE", "the stack is still there")
    finally:
        p.stop()

    # a portal answers ExecuteChangeSet: not forwarded; look, then fail
    p, ep = with_proxy("--junk", "ExecuteChangeSet")
    try:
        rc, so, se, secs = deploy("f-junk-exec", ep, timeout=40)
        st = p.stats()
        check(rc == 1 and one_error_line(se) and "ExecuteChangeSet: unexpected answer (HTTP 200" in se,
              "a portal's page to ExecuteChangeSet is an error", so[-800:] + se)
        # at once: no poll of the stack's events after the ExecuteChangeSet
        # (a stack that never moves would be polled to luaform's timeout)
        t_exec = min(st["times"].get("ExecuteChangeSet", [float("inf")]))
        polls = [t for t in st["times"].get("DescribeStackEvents", []) if t > t_exec]
        check(t_exec != float("inf") and polls == [], "at once, not after polling a stack that never moves",
              str(st["times"]))
        check(st["forwarded"].get("ExecuteChangeSet", 0) == 0 and
              st["forwarded"].get("DescribeChangeSet", 0) >= 2, "looked before deciding", str(st["forwarded"]))
        s = stack("f-junk-exec")
        check(s is None or s["StackStatus"] == "DELETE_COMPLETE", "no empty stack left behind", str(s))
    finally:
        p.stop()

    # a proxy passes ExecuteChangeSet on, then mangles the answer: look, go on
    p, ep = with_proxy("--junk-after", "ExecuteChangeSet")
    try:
        rc, so, se, secs = deploy("f-junk-after", ep, timeout=40)
        st = p.stats()
        check(rc == 0 and "CREATE_COMPLETE" in so and st["forwarded"].get("ExecuteChangeSet") == 1,
              "a mangled answer to a call that ran: looked, went on, not resent", so[-800:] + se + str(st["forwarded"]))
    finally:
        p.stop()

    p, ep = with_proxy("--junk", "CreateChangeSet")
    try:
        rc, so, se, secs = deploy("f-junk-create", ep, timeout=40)
        st = p.stats()
        check(rc == 1 and one_error_line(se) and "CreateChangeSet: unexpected answer (HTTP 200" in se,
              "a portal's page to CreateChangeSet is an error, said as such", so[-800:] + se)
        check(st["forwarded"].get("CreateChangeSet", 0) == 0, "nothing was created", str(st["forwarded"]))
    finally:
        p.stop()

    p, ep = with_proxy("--junk-after", "CreateChangeSet")
    try:
        rc, so, se, secs = deploy("f-junk-create-after", ep, timeout=40)
        st = p.stats()
        check(rc == 0 and "CREATE_COMPLETE" in so and st["forwarded"].get("CreateChangeSet") == 1,
              "a mangled answer to CreateChangeSet that ran: looked, went on", so[-800:] + se)
    finally:
        p.stop()

    # DeleteStack: a portal's page is an error; a mangled answer to a call
    # that ran is looked up (DescribeStacks) and the delete goes on
    p, ep = with_proxy("--junk", "DeleteStack")
    try:
        rc, so, se, secs = lf("delete", "--stack-name", "f-exec", "--yes", *ep, timeout=30)
        check(rc == 1 and one_error_line(se) and "DeleteStack: unexpected answer (HTTP 200" in se,
              "a portal's page to DeleteStack is an error", so + se)
        check((stack("f-exec") or {}).get("StackStatus") == "CREATE_COMPLETE", "the stack is still there")
    finally:
        p.stop()
    p, ep = with_proxy("--junk-after", "DeleteStack")
    try:
        rc, so, se, secs = lf("delete", "--stack-name", "f-junk-after", "--yes", *ep, timeout=30)
        check(rc == 0 and "f-junk-after: deleted" in so, "a mangled answer to DeleteStack that ran: looked, "
              "went on", so + se)
    finally:
        p.stop()

    # S3 always sends an ETag with a put: a 200 without one is not a put
    m.client("s3").create_bucket(Bucket="lf-faults")
    p, ep = with_proxy("--junk", "PutObject")
    try:
        rc, so, se, secs = lf("deploy", BIG, "--yes", "--require-approval", "never", "--stack-name", "f-big", *ep, "--s3-bucket", "lf-faults",
                              timeout=30)
        st = p.stats()
        check(rc == 1 and one_error_line(se) and "PutObject s3://lf-faults/" in se and "without an ETag" in se,
              "PutObject: a 200 without an ETag is an error", so[-800:] + se)
        check(st["forwarded"].get("CreateChangeSet", 0) == 0, "no change set from a template never put",
              str(st["forwarded"]))
    finally:
        p.stop()

    # ------------------------------------------------------------ endless and looping paging
    p, ep = with_proxy("--endless", "DescribeStackEvents")
    try:
        rc, so, se, secs = deploy("f-endless", ep, timeout=30)
        st = p.stats()
        check(rc == 0 and "CREATE_COMPLETE" in so, "endless event paging: the deploy still ends",
              so[-800:] + se)
        check("older ones were skipped" in so, "says that events were skipped", so[-1500:])
        check(st["forwarded"].get("DescribeStackEvents", 0) <= 100, "pages per poll are capped",
              str(st["forwarded"]))
    finally:
        p.stop()

    p, ep = with_proxy("--loop-token", "DescribeStackEvents")
    try:
        rc, so, se, secs = deploy("f-loop", ep, timeout=30)
        check(rc == 0 and "CREATE_COMPLETE" in so and "older ones were skipped" in so,
              "a repeated page token stops paging", so[-800:] + se)
    finally:
        p.stop()

    for flag, why in (("--endless", "more pages than luaform reads"),
                      ("--loop-token", "the service gave the same page token twice")):
        p, ep = with_proxy(flag, "DescribeChangeSet")
        try:
            rc, so, se, secs = lf("plan", DESC, "--stack-name", "f-cs-pages", *ep, timeout=30)
            check(rc == 1 and one_error_line(se) and "DescribeChangeSet: " + why in se,
                  f"{flag} DescribeChangeSet: an error, not a silent cut", so[-500:] + se)
        finally:
            p.stop()

    # Ctrl-C inside endless paging: one SIGINT, out at once, how to reattach
    p, ep = with_proxy("--endless", "DescribeStackEvents", "--stack-pending", "500")
    try:
        proc = subprocess.Popen([BIN, "deploy", DESC, "--yes", "--require-approval", "never", "--stack-name", "f-sigint", *ep], env=m.env(**FAST),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        buf = ""
        deadline = time.time() + 30
        while "executing" not in buf and time.time() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            buf += line
        while p.stats()["injected"]["pages"].get("DescribeStackEvents", 0) < 25 and time.time() < deadline:
            time.sleep(0.05)    # well into the second poll's paging
        proc.send_signal(signal.SIGINT)
        pages = p.stats()["injected"]["pages"].get("DescribeStackEvents", 0)
        t0 = time.time()
        try:
            so, se = proc.communicate(timeout=30)
            took = time.time() - t0
        except subprocess.TimeoutExpired:
            proc.kill()
            so, se = proc.communicate()
            took = None
        # promptly: at most the page in flight and one more after the
        # signal (endless pages come every few ms); the time bound is wide,
        # for a loaded machine
        more = p.stats()["injected"]["pages"].get("DescribeStackEvents", 0) - pages
        check(took is not None and took < 20 and more <= 2 and proc.returncode == 1,
              "one Ctrl-C during endless paging exits 1 promptly",
              f"{took} s, {more} pages after it, rc {proc.returncode}: " + se[-500:])
        check("CloudFormation goes on" in se and "luaform wait --stack-name f-sigint" in se,
              "and says how to reattach", se[-500:])
    finally:
        p.stop()

    # Ctrl-C while a request hangs (the service stopped answering): the
    # request in flight is ended, not waited out to its 60 s timeout
    def sigint_when(proc, proxy, action, after=0.2):
        """Ctrl-C once the proxy holds the answer to action (stdout is a
        pipe, so luaform's own lines cannot tell when that is)."""
        deadline = time.time() + 30
        while (not proxy.stats()["injected"]["stall"].get(action) and proc.poll() is None and
               time.time() < deadline):
            time.sleep(0.1)
        time.sleep(after)
        proc.send_signal(signal.SIGINT)
        buf = ""
        t0 = time.time()
        try:
            so, se = proc.communicate(timeout=40)
            return buf + so, se, time.time() - t0
        except subprocess.TimeoutExpired:
            proc.kill()
            so, se = proc.communicate()
            return buf + so, se, None

    p, ep = with_proxy("--stall", "DescribeStackEvents:2", "--stack-pending", "50")
    try:
        proc = subprocess.Popen([BIN, "deploy", DESC, "--yes", "--require-approval", "never", "--stack-name", "f-stall", *ep], env=m.env(),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        so, se, took = sigint_when(proc, p, "DescribeStackEvents")
        # the request would otherwise end at its 60 s timeout; 20 s is a
        # wide bound for a loaded machine
        check(took is not None and took < 20 and proc.returncode == 1,
              "one Ctrl-C ends a request the service never answers", f"{took} s, rc {proc.returncode}: " + se[-500:])
        check("luaform wait --stack-name f-stall" in se, "and says how to reattach", se[-500:])
    finally:
        p.stop()
    # ... and before the change set is executed: it is never executed
    p, ep = with_proxy("--stall", "DescribeStackEvents:1")
    try:
        proc = subprocess.Popen([BIN, "deploy", DESC, "--yes", "--require-approval", "never", "--stack-name", "f-stall2", *ep], env=m.env(),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        so, se, took = sigint_when(proc, p, "DescribeStackEvents")
        st = p.stats()
        check(took is not None and took < 20 and proc.returncode == 1 and "was not executed" in se,
              "Ctrl-C before the change set is executed: it is not", f"{took} s: {se[-500:]}")
        check(st["requests"].get("ExecuteChangeSet", 0) == 0, "no ExecuteChangeSet was sent", str(st["requests"]))
    finally:
        p.stop()

    # ------------------------------------------------------------ service text stays on one line
    p, ep = with_proxy("--weird-text")
    try:
        rc, so, se, secs = lf("plan", DESC, "--stack-name", "f-weird", *ep, "--discard", timeout=30)
        out = so + se
        check(rc == 0 and "Weird\\nId" in so and "AWS::IAM::Role\\u009b[31m" in so and "Prop\\nName" in so,
              "plan: change set fields escaped", out)
        check(not re.search("[\x00-\x08\x0b-\x1f\x7f\x80-\x9f]", out), "plan: no control characters", repr(out))
        rc, so, se, secs = deploy("f-weird", ep, timeout=30)
        out = so + se
        check(rc == 0 and "reason line one\\nline two\\r\\u009b[31mred" in so, "deploy: event reasons escaped",
              out[-1500:])
        check("Weird\\u009b[1m" in so and "value line one\\nline two" in so, "deploy: outputs escaped", so[-800:])
        check(not re.search("[\x00-\x08\x0b-\x1f\x7f\x80-\x9f]", out), "deploy: no control characters",
              repr(out[-1500:]))
        rc, so, se, secs = lf("wait", "--stack-name", "f-weird", *ep, timeout=30)
        check(rc == 0 and "value line one\\nline two" in so and "\r" not in so + se, "wait: outputs escaped",
              so + se)
    finally:
        p.stop()

    # ------------------------------------------------------------ malformed settings are errors
    far = ["--endpoint-url", m.url]
    for v in ("abc", "5x", "0", "-1", "99999999999999999999"):
        rc, so, se, _ = lf("wait", "--stack-name", "nonesuch", *far, env=m.env(AWS_MAX_ATTEMPTS=v), timeout=20)
        check(rc == 1 and one_error_line(se) and "AWS_MAX_ATTEMPTS: '" in se, f"AWS_MAX_ATTEMPTS={v} is an error",
              se)
    rc, so, se, _ = lf("wait", "--stack-name", "nonesuch", *far, env=m.env(AWS_MAX_ATTEMPTS=""), timeout=20)
    check(rc == 1 and "no stack named nonesuch" in se and "AWS_MAX_ATTEMPTS" not in se,
          "an empty AWS_MAX_ATTEMPTS counts as unset", se)
    for v in ("5x", "0", "21", "-1"):
        rc, so, se, _ = lf("wait", "--stack-name", "nonesuch", *far, "--max-attempts", v, timeout=20)
        check(rc == 1 and one_error_line(se) and "--max-attempts takes" in se, f"--max-attempts {v} is an error", se)

    host = m.url[len("http://"):]
    for var, v in (("AWS_ENDPOINT_URL", host), ("AWS_ENDPOINT_URL", "http://"),
                   ("AWS_ENDPOINT_URL_CLOUDFORMATION", "http://127.0.0.1:99999"),
                   ("AWS_ENDPOINT_URL_CLOUDFORMATION", m.url + "/?x=1")):
        rc, so, se, _ = lf("wait", "--stack-name", "nonesuch", env=m.env(**{var: v}), timeout=20)
        check(rc == 1 and one_error_line(se) and se.startswith(f"luaform: {var}: endpoint '"),
              f"{var}={v} is an error naming the variable", se)
    rc, so, se, _ = lf("wait", "--stack-name", "nonesuch", env=m.env(AWS_ENDPOINT_URL="",
                       AWS_ENDPOINT_URL_CLOUDFORMATION=m.url), timeout=20)
    check(rc == 1 and "no stack named nonesuch" in se, "an empty AWS_ENDPOINT_URL counts as unset", se)

    # a password in an endpoint URL: refused, never sent or printed; the
    # URL names a proxy, whose counters show that no request reached it
    secret = "SECRETPASS"
    p, ep = with_proxy()
    try:
        phost = p.url[len("http://"):]
        userinfo = f"http://user:{secret}@{phost}"
        cfg = write(os.path.join(D, "config"), f"[default]\nendpoint_url = {userinfo}\n")
        for how, args, env in (("--endpoint-url", ["--endpoint-url", userinfo], m.env()),
                               ("--endpoint-url without a scheme", ["--endpoint-url", f"user:{secret}@{phost}"],
                                m.env()),
                               ("AWS_ENDPOINT_URL", [], m.env(AWS_ENDPOINT_URL=userinfo)),
                               ("endpoint_url", [], m.env(AWS_CONFIG_FILE=cfg))):
            rc, so, se, _ = lf("plan", DESC, "--stack-name", "f-userinfo", *args, "--debug", env=env, timeout=20)
            check(rc == 1 and secret not in so + se, f"{how}: the password is not printed", so + se)
            check("user info" in se and se.strip().splitlines()[-1].startswith(f"luaform: {how.split()[0]}"),
                  f"{how}: refused, saying where it came from", se)
        st = p.stats()
        check(st["requests"] == {}, "nothing was sent with the password", str(st["requests"]))
    finally:
        p.stop()
    check(stack("f-userinfo") is None, "no stack was made with the password")
finally:
    m.stop()
report()
