#!/usr/bin/env python3
"""luaform review: the report of who may do what (text, json, markdown,
sarif), SARIF validated against the official SARIF 2.1.0 schema (offline,
tests/node_modules from tests/package-lock.json), lines in the rendered file,
suppressions, --fail-on and -o.

The findings' severities come from the rule set, which grows: the
--fail-on expectations are computed from the json report, not fixed."""
import json
import os
import pty
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lftest import ROOT, check, report, run, tmpdir, write  # noqa: E402

RANK = {"low": 1, "medium": 2, "high": 3, "critical": 4}
VALIDATOR = os.path.join(ROOT, "tests", "validate_sarif.js")


def validate(path):
    p = subprocess.run(["node", VALIDATOR, path], capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout + p.stderr


def review_json(*args):
    rc, out, err, _ = run("review", *args, "--format", "json")
    try:
        return rc, json.loads(out), err
    except ValueError:
        return rc, None, err


# One role with a wildcard action (LF-IAM-001), the statement on a line we know.
WILD = """{
  "Resources": {
    "WildRole": {
      "Type": "AWS::IAM::Role",
      "Properties": {
        "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
           "Action": "sts:AssumeRole"}]},
        "Policies": [{"PolicyName": "p", "PolicyDocument": {"Version": "2012-10-17", "Statement": [
          {"Sid": "Wild", "Effect": "Allow", "Action": "s3:*",
           "Resource": "arn:aws:s3:::example-bucket/*"}]}}]
      }%s
    }
  }
}
"""
WILD_LINE = 10   # the line of {"Sid": "Wild", ...}


def wild(d, name, metadata=""):
    return write(os.path.join(d, name), WILD % metadata)


def test_ltbase_text():
    rc, out, err, _ = run("review", "ltbase")
    check(rc == 0, "review ltbase exits 0", err)
    check(out.startswith("luaform review: 3 stacks"), "summary line first", out[:200])
    for want in ("DeploymentRole", "ArtifactReceiverRole", "CloudFormationServiceRole",
                 "GitHub repository Lychee-Technology/ltbase.api, any ref",
                 "GitHub repository example-org/ltbase-ops, ref refs/heads/main",
                 "(aud sts.amazonaws.com)", "service lambda.amazonaws.com",
                 "Allow s3:PutObject on arn:${AWS::Partition}:s3:::ltbase-artifacts-",
                 "permissions boundary: arn:${AWS::Partition}:iam::${AWS::AccountId}:"
                 "policy/ltbase-app-boundary",
                 "ArtifactBucketPolicy  AWS::S3::BucketPolicy on ArtifactBucket",
                 "== Findings", "== Invariants"):
        check(want in out, f"text report shows {want!r}")
    check("\033[" not in out, "no colour when stdout is not a terminal")
    # principals before findings: read top to bottom
    check(out.find("DeploymentRole") < out.find("== Findings"), "principals, then findings")


def test_color():
    def tty_run(env):
        pid, fd = pty.fork()
        if pid == 0:
            os.chdir(ROOT)
            e = dict(os.environ)
            e.pop("NO_COLOR", None)
            e.update(env)
            os.execve(os.environ.get("LUAFORM_BIN", os.path.join(ROOT, "luaform")),
                      ["luaform", "review", "ltbase"], e)
        chunks = []
        while True:
            try:
                b = os.read(fd, 65536)
            except OSError:
                break
            if not b:
                break
            chunks.append(b)
        os.waitpid(pid, 0)
        return b"".join(chunks).decode()
    check("\033[1m" in tty_run({}), "colour on a terminal")
    check("\033[" not in tty_run({"NO_COLOR": "1"}), "NO_COLOR: no colour on a terminal")


def test_ltbase_json():
    rc, rep, err = review_json("ltbase")
    check(rc == 0 and rep is not None, "review ltbase --format json is JSON", err)
    if not rep:
        return
    for k in ("tool", "stacks", "findings", "suppressed", "invariants", "summary"):
        check(k in rep, f"json report has {k!r}")
    check(isinstance(rep.get("invariants"), list), "invariants is a list")
    stacks = {s["name"]: s for s in rep["stacks"]}
    check(set(stacks) == {"ltbase-foundation", "ltbase-beta", "ltbase-prod"},
          "one report over the system's stacks", str(list(stacks)))
    f = stacks.get("ltbase-foundation", {})
    check(f.get("file") == "out/ltbase-foundation.json", "a stack is shown as its out/ file")
    roles = {p["id"]: p for p in f.get("principals", [])}
    d = roles.get("DeploymentRole", {})
    with open(os.path.join(ROOT, "out", "ltbase-foundation.json")) as fh:
        lines = fh.read().split("\n")
    want = next((i + 1 for i, ln in enumerate(lines) if '"DeploymentRole": {' in ln), -1)
    check(d.get("line") == want, "principal line is its line in out/", f"{d.get('line')} != {want}")
    t = (d.get("trust") or [{}])[0]
    check(t.get("principal", {}).get("Federated") == ["${GitHubOidcProvider}"],
          "trust principal readable", str(t.get("principal")))
    check(t.get("condition", {}).get("StringEquals", {}).get(
        "token.actions.githubusercontent.com:aud") == ["sts.amazonaws.com"], "aud in the model")
    check(any("ref refs/heads/main" in w for w in d.get("who", [])), "who spelled out")
    check(all(s.get("line", 0) > 0 for s in d.get("permissions", [])), "every statement has a line")
    s = rep["summary"]
    check(s.get("stacks") == 3 and s.get("principals") == 5, "summary counts", str(s))


def test_markdown():
    d = tmpdir()
    path = wild(d, "wildmd.json")
    rc, out, err, _ = run("review", "ltbase", path, "--format", "markdown")
    # ltbase and a template file are of different systems: -c/-p scope only
    if rc != 0:
        rc, out, err, _ = run("review", path, "--format", "markdown")
    check(rc == 0, "markdown exits 0", err)
    check(out.startswith("## luaform security review\n"), "markdown heading")
    check("| Severity | Rule | Resource | Location | Finding | Fix |" in out, "findings table")
    check("<code>LF&#45;IAM&#45;001</code>" in out or "<code>LF-IAM-001</code>" in out,
          "the rule in the table", out[:800])
    check("<details><summary>WildRole" in out and "</details>" in out, "collapsible details")
    rows = [ln for ln in out.split("\n") if ln.startswith("| ")]
    check(all(ln.count(" | ") == rows[0].count(" | ") for ln in rows),
          "every table row has the same cells (| escaped)")


def test_sarif():
    d = tmpdir()
    a = os.path.join(d, "ltbase.sarif")
    rc, _, err, _ = run("review", "ltbase", "--format", "sarif", "-o", a)
    check(rc == 0, "review ltbase --format sarif", err)
    vrc, vout = validate(a)
    check(vrc == 0, "ltbase SARIF validates against the SARIF 2.1.0 schema", vout)

    # every template file of the corpus, one report
    corpus = sorted(os.path.join("tests", "templates", f)
                    for f in os.listdir(os.path.join(ROOT, "tests", "templates"))
                    if f.endswith((".json", ".yaml", ".yml", ".template")))
    b = os.path.join(d, "corpus.sarif")
    rc, _, err, _ = run("review", *corpus, "--format", "sarif", "-o", b)
    check(rc == 0, "review of the template corpus", err)
    vrc, vout = validate(b)
    check(vrc == 0, "corpus SARIF validates", vout)

    # a finding: rule metadata, location, fingerprint
    path = wild(d, "wild.json")
    c = os.path.join(d, "wild.sarif")
    rc, _, err, _ = run("review", path, "--format", "sarif", "-o", c)
    vrc, vout = validate(c)
    check(rc == 0 and vrc == 0, "SARIF with a finding validates", err + vout)
    with open(c) as fh:
        log = json.load(fh)
    run0 = log["runs"][0]
    drv = run0["tool"]["driver"]
    check(drv["name"] == "luaform" and drv.get("version") and "informationUri" not in drv,
          "driver name, version, no made-up informationUri")
    rules = drv["rules"]
    for r in rules:
        ok = (r.get("id") and r.get("name") and r["shortDescription"]["text"] and
              r["fullDescription"]["text"] and r["help"]["text"] and r["help"]["markdown"] and
              isinstance(r["properties"]["security-severity"], str) and
              float(r["properties"]["security-severity"]) >= 0 and
              r["properties"]["tags"] == ["security"] and
              r["defaultConfiguration"]["level"] in ("error", "warning", "note"))
        check(ok, f"rule {r.get('id')} has what code scanning reads")
    res = [x for x in run0["results"] if x["ruleId"] == "LF-IAM-001"]
    check(len(res) == 1, "one LF-IAM-001 result", json.dumps(run0["results"])[:500])
    if res:
        x = res[0]
        check(rules[x["ruleIndex"]]["id"] == "LF-IAM-001", "ruleIndex points at the rule")
        loc = x["locations"][0]["physicalLocation"]
        check(loc["artifactLocation"]["uri"] == path, "uri is the template file",
              loc["artifactLocation"]["uri"])
        check(loc["region"]["startLine"] == WILD_LINE, "startLine is the statement's line",
              str(loc["region"]["startLine"]))
        sev = rules[x["ruleIndex"]]["properties"]["security-severity"]
        want = "error" if float(sev) >= 7 else "warning" if float(sev) >= 4 else "note"
        check(x["level"] == want, "level follows the severity")
        fp = x["partialFingerprints"]
        # the same finding two lines lower keeps its fingerprint
        with open(path) as fh:
            text = fh.read()
        write(path, "\n\n" + text)
        rc, _, err, _ = run("review", path, "--format", "sarif", "-o", c)
        with open(c) as fh:
            y = [r for r in json.load(fh)["runs"][0]["results"] if r["ruleId"] == "LF-IAM-001"]
        check(y and y[0]["partialFingerprints"] == fp and
              y[0]["locations"][0]["physicalLocation"]["region"]["startLine"] == WILD_LINE + 2,
              "fingerprint stable when the line moves")


def expected_rc(rep, level):
    top = max([RANK.get(f["severity"], 0) for f in rep["findings"]] or [0])
    return 1 if top >= RANK[level] else 0


def test_fail_on():
    d = tmpdir()
    path = wild(d, "failon.json")
    rc, rep, err = review_json(path)
    check(rc == 0 and rep, "json of a template with a finding", err)
    if not rep:
        return
    check(any(f["rule"] == "LF-IAM-001" and f["id"] == "WildRole" and f["line"] == WILD_LINE
              for f in rep["findings"]), "LF-IAM-001 on WildRole at its line")
    for level in ("low", "medium", "high", "critical"):
        rc, _, err, _ = run("review", path, "--fail-on", level)
        check(rc == expected_rc(rep, level), f"--fail-on {level}", f"rc {rc}: {err}")
    rc, _, err, _ = run("review", path, "--fail-on", "severe")
    check(rc == 1 and "--fail-on must be" in err, "--fail-on with a bad word is an error", err)
    rc, _, err, _ = run("review", "ltbase", "--format", "pdf")
    check(rc == 1 and "--format must be" in err, "bad --format is an error", err)


def test_suppress():
    d = tmpdir()
    ok = ',\n      "Metadata": {"luaform": {"suppress": [{"rule": "LF-IAM-001", ' \
         '"action": "s3:*", "reason": "the bucket is a scratch area"}]}}'
    path = wild(d, "supp.json", ok)
    rc, rep, err = review_json(path)
    check(rc == 0 and rep, "review with a suppression", err)
    if rep:
        check(not any(f["rule"] == "LF-IAM-001" for f in rep["findings"]),
              "suppressed finding not among the findings")
        s = [f for f in rep["suppressed"] if f["rule"] == "LF-IAM-001"]
        check(len(s) == 1 and s[0]["reason"] == "the bucket is a scratch area",
              "listed as suppressed with its reason", json.dumps(rep["suppressed"]))
        for level in ("low", "high"):
            rc, _, _, _ = run("review", path, "--fail-on", level)
            check(rc == expected_rc(rep, level), f"suppressed finding does not fail --fail-on {level}")
    rc, out, err, _ = run("review", path)
    check("== Suppressed" in out and "suppressed: the bucket is a scratch area" in out,
          "text lists it as suppressed")
    c = os.path.join(d, "supp.sarif")
    run("review", path, "--format", "sarif", "-o", c)
    vrc, vout = validate(c)
    check(vrc == 0, "SARIF with a suppression validates", vout)
    with open(c) as fh:
        res = [r for r in json.load(fh)["runs"][0]["results"] if r["ruleId"] == "LF-IAM-001"]
    check(res and res[0].get("suppressions") ==
          [{"kind": "inSource", "justification": "the bucket is a scratch area"}],
          "SARIF carries the suppression")

    # another action: not suppressed
    other = ok.replace('"s3:*"', '"s3:GetObject"')
    rc, rep, err = review_json(wild(d, "other.json", other))
    check(rep and any(f["rule"] == "LF-IAM-001" for f in rep["findings"]),
          "a suppression for another action does not match")

    # no reason: an error at the suppression's line
    noreason = ',\n      "Metadata": {"luaform": {"suppress": [{"rule": "LF-IAM-001"}]}}'
    path = wild(d, "noreason.json", noreason)
    rc, out, err, _ = run("review", path)
    check(rc == 1 and f"{path}:13: suppression" in err and "has no reason" in err,
          "a suppression without a reason is an error at its line", err)


def test_out_atomic():
    d = tmpdir()
    target = os.path.join(d, "report.md")
    write(target, "old\n")
    rc, out, err, _ = run("review", "ltbase", "--format", "markdown")
    rc2, out2, err2, _ = run("review", "ltbase", "--format", "markdown", "-o", target)
    check(rc2 == 0 and out2 == "", "-o writes nothing to stdout", err2)
    with open(target) as fh:
        check(fh.read() == out, "-o writes the report")
    check(os.listdir(d) == ["report.md"], "no temp file left", str(os.listdir(d)))
    rc, _, err, _ = run("review", "no-such-stack", "-o", target)
    with open(target) as fh:
        check(rc == 1 and fh.read() == out, "a failed review leaves -o's file as it was", err)


def test_odd_input():
    """What a reviewer's odd files must not break: a path SARIF has to
    percent-encode, a suppression whose reason is blank or carries escapes,
    terminal escapes in names, a logical id longer than any fixed buffer."""
    d = tmpdir()
    odd = wild(d, "a b#%c.json")
    sar = os.path.join(d, "odd.sarif")
    rc, _, err, _ = run("review", odd, "--format", "sarif", "-o", sar)
    vrc, vout = validate(sar) if rc == 0 else (1, err)
    uris = []
    if vrc == 0:
        with open(sar) as fh:
            uris = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                    for r in json.load(fh)["runs"][0]["results"]]
    check(vrc == 0 and uris and all(u.endswith("a%20b%23%25c.json") and not u.startswith("/")
                                    for u in uris) if odd.startswith(os.getcwd()) else
          vrc == 0 and uris and all(u.endswith("a%20b%23%25c.json") for u in uris),
          "SARIF: a path with ' ', '#', '%' is a percent-encoded URI and validates",
          vout + str(uris))
    for reason, what in (("   ", "a blank reason"), ("ok\u001b[2J", "a reason with escapes")):
        meta = (',\n      "Metadata": {"luaform": {"suppress": [{"rule": "LF-IAM-001", '
                '"reason": %s}]}}' % json.dumps(reason))
        rc, _, err, _ = run("review", wild(d, "r.json", meta))
        check(rc == 1 and "reason" in err and "r.json:" in err, f"suppression with {what} refused",
              f"rc={rc} {err}")
    esc = WILD.replace("example-bucket", "x\\u001b]0;pwned\\u0007") % ""
    rc, out, err, _ = run("review", write(os.path.join(d, "esc.json"), esc), "--format",
                          "markdown")
    check(rc == 0 and "\x1b" not in out and "\x07" not in out and "&#92;x1b" in out,
          "markdown: control characters shown as \\xNN, never sent to the terminal", out[-600:])
    long_id = "R" + "x" * 400
    tpl = {"Resources": {long_id: {"Type": "AWS::IAM::Role", "Properties": {
        "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
             "Action": "sts:AssumeRole"}]},
        "ManagedPolicyArns": ["arn:aws:iam::aws:policy/AdministratorAccess"]}}}}
    path = write(os.path.join(d, "long.json"), json.dumps(tpl, indent=2))
    rc, rep, err = review_json(path)
    f = [x for x in (rep or {}).get("findings", []) if x["rule"] == "LF-IAM-007"]
    want = next(i for i, line in enumerate(json.dumps(tpl, indent=2).splitlines(), 1)
                if "AdministratorAccess" in line)
    check(len(f) == 1 and f[0]["path"].endswith(".Properties.ManagedPolicyArns[0]") and
          f[0]["line"] == want, "a 401-character logical id: the whole path, the right line",
          json.dumps(f)[:300])


def main():
    for t in (test_ltbase_text, test_color, test_ltbase_json, test_markdown, test_sarif,
              test_fail_on, test_suppress, test_out_atomic, test_odd_input):
        t()
    report()


if __name__ == "__main__":
    main()
