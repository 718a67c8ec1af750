"""The waiter's paths moto cannot show, through tests/e2e/cfnproxy.py in
front of moto (signature checking on): pending change sets, resource
events, failures with rollback, and 20% throttling / 5xx / dropped
connections without creating anything twice. Polls come every
LUAFORM_POLL_MS (a hidden test hook), not every 0.5 to 2 s: the waits take
as many polls as with the real intervals, in a fraction of the time."""
import os
import pty
import re
import select
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))
from lftest import BIN, check, report, run  # noqa: E402
import moto  # noqa: E402

ACCT = ["-p", f"account={moto.ACCOUNT}"]
POLL_MS = 20
FAST = {"LUAFORM_POLL_MS": str(POLL_MS)}
# retry backoff scaled to a base of 5 ms (LUAFORM_RETRY_BASE_MS, a hidden test
# hook): as many attempts as with the real 1 s base, without sitting through them
FAST["LUAFORM_RETRY_BASE_MS"] = "5"
m = moto.Moto()


def lf(*args, **kw):
    return run(*args, env=m.env(**FAST), timeout=600, **kw)


def stacks():
    return [s["StackName"] for s in m.client("cloudformation").describe_stacks()["Stacks"]]


def with_proxy(*args):
    p = moto.Proxy(m.url, *args)
    return p, ["--endpoint-url", p.url]


try:
    # ------------------------------------------------------------ pending + resource events
    p, ep = with_proxy("--pending", "3", "--resource-events")
    try:
        rc, so, se, secs = lf("deploy", "ltbase-foundation", "--yes", "--require-approval", "never", *ep, *ACCT)
        check(rc == 0 and "CREATE_COMPLETE" in so, "deploy through pending states", so[-1500:] + se)
        for res in ("ArtifactBucket", "DeploymentRole", "ArtifactReceiverRole"):
            check(re.search(rf"CREATE_IN_PROGRESS\s+\S+\s+{res}\b", so) and
                  re.search(rf"CREATE_COMPLETE\s+\S+\s+{res}\b", so), f"resource events streamed: {res}", so[-2000:])
        lines = [x for x in so.splitlines() if re.match(r"\d\d:\d\d:\d\d  ", x)]
        # 3 resources, each in progress then complete, and the stack's own
        check(len(lines) >= 6 and len(lines) == len(set(lines)), "each event printed once",
              "\n".join(lines) or so[-1500:])
        st = p.stats()
        check(st["requests"].get("DescribeChangeSet", 0) >= 4, "waited for the pending change set",
              str(st["requests"]))
        check(st["requests"].get("DescribeStackEvents", 0) >= 4, "polled the stack's events while in progress",
              str(st["requests"]))
        # one before the plan, one to confirm the end: none per poll
        check(st["requests"].get("DescribeStacks", 0) == 2, "one DescribeStacks per wait", str(st["requests"]))
    finally:
        p.stop()

    # ------------------------------------------------------------ a live progress line on a terminal
    m.reset()
    p, ep = with_proxy("--pending", "4", "--resource-events")
    try:
        pid, fd = pty.fork()
        if pid == 0:
            os.execve(BIN, [BIN, "deploy", "ltbase-foundation", "--yes", "--require-approval", "never", *ep, *ACCT],
                      {k: v for k, v in m.env(**FAST).items() if k != "NO_COLOR"})
        out = b""
        deadline = time.time() + 120
        while time.time() < deadline:
            r, _, _ = select.select([fd], [], [], 1)
            if r:
                try:
                    chunk = os.read(fd, 4096)
                except OSError:
                    break
                if not chunk:
                    break
                out += chunk
        _, status = os.waitpid(pid, 0)
        text = out.decode(errors="replace")
        check(os.waitstatus_to_exitcode(status) == 0, "deploy on a terminal", text[-1000:])
        check(re.search(r"\r\S*\s*\d+/\d+ resources\s+\d\d:\d\d", text) is not None,
              "a live progress line (done of total, elapsed)", repr(text[-1500:]))
        check("\033[32m" in text, "colour on a terminal")
    finally:
        p.stop()

    # ------------------------------------------------------------ credentials refreshed during a wait
    # credential_process hands out keys that are inside the refresh window
    # one second after they are issued: a wait of several seconds must ask
    # for new ones, and go on signing with them (polls every 300 ms: the
    # wait has to last seconds)
    m.reset()
    p, ep = with_proxy("--pending", "6", "--resource-events")
    try:
        d = tempfile.mkdtemp(prefix="luaform-cred-")
        count = os.path.join(d, "count")
        script = os.path.join(d, "creds.sh")
        with open(script, "w") as f:
            f.write("#!/bin/sh\necho x >> %s\n"
                    "exp=$(date -u -d '+301 seconds' +%%Y-%%m-%%dT%%H:%%M:%%SZ)\n"
                    "printf '{\"Version\": 1, \"AccessKeyId\": \"%s\", \"SecretAccessKey\": \"%s\", "
                    "\"Expiration\": \"%%s\"}' \"$exp\"\n" % (count, m.key_id, m.secret))
        os.chmod(script, 0o755)
        with open(os.path.join(d, "config"), "w") as f:
            f.write(f"[profile proc]\nregion = us-east-1\ncredential_process = {script}\n")
        env = m.env(AWS_ACCESS_KEY_ID=None, AWS_SECRET_ACCESS_KEY=None, AWS_CONFIG_FILE=os.path.join(d, "config"),
                    LUAFORM_POLL_MS="300")
        rc, so, se, _ = run("deploy", "ltbase-foundation", "--yes", "--require-approval", "never", *ep, *ACCT, "--profile", "proc", env=env,
                            timeout=300)
        runs = len(open(count).read().split()) if os.path.exists(count) else 0
        check(rc == 0 and "CREATE_COMPLETE" in so, "deploy with expiring credential_process credentials",
              so[-800:] + se)
        check(runs >= 3, "credentials refreshed before they expire, during the wait", f"{runs} runs")
    finally:
        p.stop()

    # ------------------------------------------------------------ Ctrl-C, then reattach
    # the stack stays in progress for 60 answers; Ctrl-C once a few polls
    # have been made (the first DescribeStackEvents is the one before
    # executing)
    m.reset()
    p, ep = with_proxy("--pending", "60", "--resource-events")
    try:
        proc = subprocess.Popen([BIN, "deploy", "ltbase-foundation", "--yes", "--require-approval", "never", *ep, *ACCT], env=m.env(**FAST),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        buf = ""
        deadline = time.time() + 60
        while "executing" not in buf and time.time() < deadline:
            line = proc.stdout.readline()
            if not line:        # the process ended (EOF): no use waiting
                break
            buf += line
        while (p.stats()["requests"].get("DescribeStackEvents", 0) < 4 and proc.poll() is None and
               time.time() < deadline):
            time.sleep(0.02)
        proc.send_signal(signal.SIGINT)
        t0 = time.time()
        so, se = proc.communicate(timeout=30)
        took = time.time() - t0
        check(proc.returncode == 1 and "CloudFormation goes on" in se and
              "luaform wait --stack-name ltbase-foundation" in se, "Ctrl-C says how to reattach", buf + so + se)
        check(took < 2, "Ctrl-C ends the wait at once", f"{took:.1f} s")
        before = p.stats()["requests"]
        rc, so, se, _ = lf("wait", "--stack-name", "ltbase-foundation", *ep)
        after = p.stats()["requests"]
        check(rc == 0 and "CREATE_COMPLETE" in so, "luaform wait follows it to the end", so[-800:] + se)
        check("CREATE_IN_PROGRESS; waiting" in so, "(it was still running when Ctrl-C came)", so[:500])
        polls = after.get("DescribeStackEvents", 0) - before.get("DescribeStackEvents", 0)
        stacks_n = after.get("DescribeStacks", 0) - before.get("DescribeStacks", 0)
        check(polls >= 10 and stacks_n == 2, "wait: one DescribeStackEvents per poll, DescribeStacks only to "
              "attach and to confirm the end", f"{polls} event polls, {stacks_n} DescribeStacks")
    finally:
        p.stop()

    # ------------------------------------------------------------ throttling slows polling, then it recovers
    # one attempt per request, so each Throttling reaches the poller: the
    # DescribeStackEvents before executing and the first three polls are
    # throttled; the intervals after them double (2, 4, 8 x LUAFORM_POLL_MS),
    # then come back down as answers come again
    m.reset()
    d = tempfile.mkdtemp(prefix="luaform-throttle-")
    with open(os.path.join(d, "slow.lua"), "w") as f:
        f.write('resource "Topic" { Type = "AWS::SNS::Topic" }\n')
    p, ep = with_proxy("--stack-pending", "12", "--throttle", "DescribeStackEvents:4",
                       "--throttle", "DescribeChangeSet:2")
    try:
        rc, so, se, _ = run("deploy", os.path.join(d, "slow.lua"), "--yes", "--require-approval", "never", *ep, "--max-attempts", "1",
                            env=m.env(LUAFORM_POLL_MS="50"), timeout=60)
        st = p.stats()
        check(rc == 0 and "CREATE_COMPLETE" in so, "a deploy through throttled polls", so[-1000:] + se)
        check(st["injected"]["throttle"] == {"DescribeStackEvents": 4, "DescribeChangeSet": 2},
              "the throttling was injected", str(st["injected"]))
        check(so.count("polling slowed: DescribeChangeSet: Throttling") == 1 and
              so.count("polling slowed: DescribeStackEvents: Throttling") == 1,
              "says that polling slowed, once per wait", so[-1000:])
        t = st["times"].get("DescribeStackEvents", [])
        gaps = [b - a for a, b in zip(t[1:], t[2:])]    # between polls (t[0]: before executing)
        check(len(gaps) >= 8, "polled on after the throttling", str(t))
        if len(gaps) >= 8:
            check(gaps[0] >= 0.1 and gaps[1] >= 0.2 and gaps[2] >= 0.4, "each throttled poll doubles the "
                  "interval (to 8 x the usual)", str(gaps))
            check(max(gaps) < 0.75, "and no further (8 x, not 16 x)", str(gaps))
            check(min(gaps[5:]) < gaps[2] / 2, "answers again: the interval comes back down", str(gaps))
        t = st["times"].get("DescribeChangeSet", [])
        check(len(t) >= 3 and t[1] - t[0] >= 0.1 and t[2] - t[1] >= 0.2, "the change-set wait slows down too",
              str(t))
    finally:
        p.stop()

    # ------------------------------------------------------------ no events at all: a look after quiet polls
    p, ep = with_proxy("--drop-events")
    try:
        rc, so, se, _ = run("deploy", os.path.join(d, "slow.lua"), "--yes", "--require-approval", "never", *ep, "--stack-name", "quiet",
                            env=m.env(LUAFORM_POLL_MS="10"), timeout=60)
        st = p.stats()["requests"]
        check(rc == 0 and "quiet: CREATE_COMPLETE" in so, "no stack events: the end is still seen", so[-800:] + se)
        check(st.get("DescribeStackEvents", 0) >= 31 and st.get("DescribeStacks") == 2,
              "by one DescribeStacks after 30 polls without a new event", str(st))
    finally:
        p.stop()

    # ------------------------------------------------------------ a failed create, rolled back
    m.reset()
    p, ep = with_proxy("--resource-events", "--fail-resource", "DeploymentRole")
    try:
        rc, so, se, _ = lf("deploy", "ltbase-foundation", "--yes", "--require-approval", "never", *ep, *ACCT)
        check(rc == 1, "a failed deploy exits 1", so[-1500:] + se)
        check("ROLLBACK_COMPLETE" in so and "failed: ROLLBACK_COMPLETE" in se, "the final status", so[-800:] + se)
        cause = so[so.find("root cause:"):] if "root cause:" in so else ""
        check("DeploymentRole" in cause and "Access Denied" in cause, "the root cause: resource and reason", so[-1500:])
        check(cause and "cancelled" not in cause, "the root cause is not the cascade of cancellations",
              cause or so[-1500:])
        check("Resource creation cancelled" in so, "(the cancellations were streamed as events)")
    finally:
        p.stop()

    # ------------------------------------------------------------ a failed update, rolled back
    m.reset()
    rc, so, se, _ = lf("deploy", "ltbase-foundation", "ltbase-beta", "--yes", "--require-approval", "never", "--endpoint-url", m.url, *ACCT)
    check(rc == 0, "create foundation and beta directly", se)
    p, ep = with_proxy("--resource-events", "--fail-resource", "Function")
    try:
        rc, so, se, _ = lf("deploy", "ltbase-beta", "--yes", "--require-approval", "never", *ep, *ACCT, "-p", "beta.object_version=v9")
        check(rc == 1 and "UPDATE_ROLLBACK_COMPLETE" in so and "root cause:" in so and "Function" in
              so[so.find("root cause:"):], "a failed update: rolled back, root cause shown", so[-1500:] + se)
    finally:
        p.stop()

    # ------------------------------------------------------------ 20% faults
    m.reset()
    p, ep = with_proxy("--fault-rate", "0.2", "--seed", "11", "--resource-events")
    try:
        att = []   # the default: 3 attempts per request, as the SDKs' standard mode
        rc, so, se, _ = lf("deploy", "ltbase", "--yes", "--require-approval", "never", *ep, *ACCT, *att)
        check(rc == 0, "create the LTBase stacks through 20% faults", so[-1500:] + se)
        rc, so, se, _ = lf("deploy", "ltbase-prod", "--yes", "--require-approval", "never", *ep, *ACCT, *att, "-p", "prod.object_version=f2")
        check(rc == 0 and "UPDATE_COMPLETE" in so, "update through 20% faults", so[-1500:] + se)
        rc, so, se, _ = lf("deploy", "ltbase-prod", "--yes", "--require-approval", "never", *ep, *ACCT, *att, "-p", "prod.object_version=f2")
        check(rc == 0 and "no changes" in so, "no-change deploy through 20% faults", so[-800:] + se)
        st = p.stats()
        f = st["faults"]
        check(f["total"] >= 5 and f["before"] and f["after"], "faults were injected before and after moto ran "
              "the request", str(f))
        check(len(f["kinds"]) >= 2, "throttling, 5xx and dropped connections", str(f["kinds"]))
        for action in ("CreateChangeSet", "ExecuteChangeSet"):
            per = st["tokens"].get(action, {}).get("ChangeSetName", {})
            check(per and all(n == 1 for n in per.values()), f"each {action} reached moto once", str(per))
        names = stacks()
        check(sorted(names) == ["ltbase-beta", "ltbase-foundation", "ltbase-prod"],
              "no stack created twice", str(names))
    finally:
        p.stop()
finally:
    m.stop()
report()
