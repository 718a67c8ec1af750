#!/usr/bin/env python3
"""The review rules through the binary: `luaform review FILE --format json`
on every template of tests/review/ (the findings expect.json declares, on
the right logical id, with a line; nothing else above low), and on the
LTBase stacks as rendered and as altered (wildcard sub, no aud, Role B
allowed iam:PutRolePolicy on itself, versioning off, Retain removed):
each alteration gives its finding and --fail-on high/medium exits 1."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lftest import ROOT, check, report, run, tmpdir  # noqa: E402
from test_review import review_json as review  # noqa: E402

CORPUS = os.path.join(ROOT, "tests", "review")
ABOVE_LOW = 4.0


def pairs(doc):
    return {(f["rule"], f["id"]) for f in doc["findings"]}


def test_corpus():
    expect = json.load(open(os.path.join(CORPUS, "expect.json")))
    files = [f for f in expect if not f.startswith("_")]
    check(len(files) >= 17, "corpus has at least 17 templates", str(len(files)))
    check(sum(f.endswith(".yaml") for f in files) >= 5, "several corpus templates are YAML")
    on_disk = {f for f in os.listdir(CORPUS) if f != "expect.json" and not f.startswith(".")}
    check(on_disk == set(files), "every corpus file is declared in expect.json",
          str(on_disk ^ set(files)))
    for name in files:
        rc, doc, err = review(os.path.join("tests", "review", name))
        if not check(doc is not None and rc == 0, f"{name}: review runs", err):
            continue
        want = {tuple(p) for p in expect[name]}
        got = pairs(doc)
        check(want <= got, f"{name}: expected findings", str(want - got))
        extra = [f for f in doc["findings"]
                 if (f["rule"], f["id"]) not in want and f["score"] >= ABOVE_LOW]
        check(not extra, f"{name}: nothing else above low",
              "; ".join(f"{f['rule']} {f['id']}" for f in extra))
        for f in doc["findings"]:
            check(f["line"] > 0 and f["fix"] and f["message"], f"{name}: {f['rule']} has line, fix",
                  json.dumps(f))
        worst = max([f["score"] for f in doc["findings"]] or [0])
        rc, _, _, _ = run("review", os.path.join("tests", "review", name), "--fail-on", "medium")
        check(rc == (1 if worst >= ABOVE_LOW else 0), f"{name}: --fail-on medium exit", str(rc))


def test_ltbase_shipped():
    rc, doc, err = review("ltbase")
    if not check(doc is not None and rc == 0, "review ltbase runs", err):
        return
    above = {(f["rule"], f["id"]) for f in doc["findings"] if f["score"] >= ABOVE_LOW}
    # reviewed together, the two execution roles the service role may pass
    # to Lambda are the sibling stacks' (logs only, bounded): low
    check(not above, "review ltbase: nothing above low", str(above))
    passes = [f for f in doc["findings"] if f["rule"] == "LF-ESC-003"
              and f["id"] == "CloudFormationServiceRole" and f["action"] == "iam:PassRole"]
    check(len(passes) == 1 and "ltbase-beta's ExecutionRole: logs only, under its boundary"
          in passes[0]["message"] and "ltbase-prod's ExecutionRole" in passes[0]["message"],
          "review ltbase: the pass path names the sibling stacks' roles",
          json.dumps(passes))
    rc, doc, err = review("ltbase-foundation")
    above = {(f["rule"], f["id"]) for f in (doc or {}).get("findings", [])
             if f["score"] >= ABOVE_LOW}
    check(above == {("LF-ESC-002", "CloudFormationServiceRole")},
          "review ltbase-foundation alone: the passed roles are unknown (medium)", str(above))
    rc, _, _, _ = run("review", "ltbase", "--fail-on", "high")
    check(rc == 0, "review ltbase --fail-on high exits 0", str(rc))


def res(tpl, rid):
    return tpl["Resources"][rid]


def trust_cond(tpl, role):
    return res(tpl, role)["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Condition"]


def statements(tpl, role):
    return res(tpl, role)["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]


def wild_sub(t):
    trust_cond(t, "ArtifactReceiverRole")["StringLike"]["token.actions.githubusercontent.com:sub"] = "*"


def no_aud(t):
    del trust_cond(t, "DeploymentRole")["StringEquals"]["token.actions.githubusercontent.com:aud"]


def put_own_policy(t):
    st = statements(t, "DeploymentRole")
    st[:] = [s for s in st if s.get("Sid") != "NoIamWrites"]
    st.append({"Effect": "Allow", "Action": ["iam:PutRolePolicy"],
               "Resource": [{"Fn::GetAtt": ["DeploymentRole", "Arn"]}]})


def versioning_off(t):
    del res(t, "ArtifactBucket")["Properties"]["VersioningConfiguration"]


def bucket_not_retained(t):
    del res(t, "ArtifactBucket")["DeletionPolicy"]
    del res(t, "ArtifactBucket")["UpdateReplacePolicy"]


def extra_action_on_role_a(t):
    statements(t, "ArtifactReceiverRole")[0]["Action"].append("s3:*")


ALTERATIONS = [
    ("wildcard sub", wild_sub, [("LF-OIDC-002", "ArtifactReceiverRole")], "critical"),
    ("missing aud", no_aud, [("LF-OIDC-005", "DeploymentRole")], "medium"),
    ("Role B iam:PutRolePolicy on itself", put_own_policy, [("LF-ESC-001", "DeploymentRole")],
     "high"),
    ("versioning off", versioning_off, [("LF-S3-001", "ArtifactBucket")], "medium"),
    ("bucket Retain removed", bucket_not_retained,
     [("LF-RETAIN-001", "ArtifactBucket"), ("LF-RETAIN-002", "ArtifactBucket")], "medium"),
    ("extra action on Role A", extra_action_on_role_a, [("LF-IAM-001", "ArtifactReceiverRole")],
     "high"),
]


def test_ltbase_cross_stack():
    """A sibling stack's passable role that is an administrator makes the
    service role's pass path high; one the pattern names but no stack
    defines keeps it medium."""
    out = tmpdir()
    rc, _, err, _ = run("render", "ltbase", "-o", out)
    if not check(rc == 0, "render ltbase", err):
        return
    files = [os.path.join(out, f"ltbase-{s}.json") for s in ("foundation", "beta", "prod")]

    def esc(doc):
        return {f["rule"] for f in doc["findings"]
                if f["id"] == "CloudFormationServiceRole" and f["action"] == "iam:PassRole"}

    beta = json.load(open(files[1]))
    beta["Resources"]["ExecutionRole"]["Properties"]["ManagedPolicyArns"] = [
        "arn:aws:iam::aws:policy/AdministratorAccess"]
    admin = os.path.join(out, "beta-admin.json")
    with open(admin, "w") as f:
        json.dump(beta, f, indent=2)
    rc, doc, err = review(files[0], admin, files[2])
    if check(doc is not None, "review with an administrator sibling role runs", err):
        check(esc(doc) == {"LF-ESC-001"}, "administrator sibling role: high", str(esc(doc)))
    rc, doc, err = review(files[0], files[2])
    if check(doc is not None, "review without the beta stack runs", err):
        check(esc(doc) == {"LF-ESC-002"}, "a passed role no stack defines: medium",
              str(esc(doc)))


def test_ltbase_altered():
    out = tmpdir()
    rc, _, err, _ = run("render", "ltbase", "-o", out)
    if not check(rc == 0, "render ltbase", err):
        return
    src = os.path.join(out, "ltbase-foundation.json")
    base = json.load(open(src))
    rc, doc, err = review(src)
    check(doc is not None and {(f["rule"], f["id"]) for f in doc["findings"]
                               if f["score"] >= ABOVE_LOW} ==
          {("LF-ESC-002", "CloudFormationServiceRole")}, "rendered foundation as a file", err)
    for what, alter, want, sev in ALTERATIONS:
        tpl = json.loads(json.dumps(base))
        alter(tpl)
        path = os.path.join(out, "altered.json")
        with open(path, "w") as f:
            json.dump(tpl, f, indent=2)
        rc, doc, err = review(path)
        if not check(doc is not None, f"{what}: review runs", err):
            continue
        got = pairs(doc)
        check(set(want) <= got, f"{what}: finding", str(set(want) - got))
        for f in doc["findings"]:
            if (f["rule"], f["id"]) in set(want):
                check(f["line"] > 0 and f["file"].endswith("altered.json"),
                      f"{what}: located in the altered file", json.dumps(f))
        rc, _, _, _ = run("review", path, "--fail-on", sev)
        check(rc == 1, f"{what}: --fail-on {sev} exits 1", str(rc))


def test_readme_table():
    """README's ### Rules table lists every rule of the binary, with its severity."""
    rc, out, err, _ = run("review", "tests/review/least-privilege.yaml", "--format", "sarif")
    if not check(rc == 0, "sarif of the rules", err):
        return
    rules = json.loads(out)["runs"][0]["tool"]["driver"]["rules"]
    text = open(os.path.join(ROOT, "README.md")).read()
    section = text.split("### Rules", 1)[-1].split("\n## ", 1)[0]
    rows = {line.split("|")[1].strip(): line.split("|")[2].strip()
            for line in section.splitlines() if line.startswith("| LF-")}
    for r in rules:
        s = float(r["properties"]["security-severity"])
        sev = "critical" if s >= 9 else "high" if s >= 7 else "medium" if s >= 4 else "low"
        check(rows.get(r["id"], "").startswith(sev), f"README lists {r['id']} as {sev}",
              rows.get(r["id"], "missing"))
    check(len(rows) == len(rules), "README lists no rule the binary lacks", str(len(rows)))


def get_object_on_role_a(t):
    statements(t, "ArtifactReceiverRole")[0]["Action"].append("s3:GetObject")


# Alterations the description's invariants catch: review FILE --against
# STACK exits 1 naming the invariant and the statement, whatever the rules say.
BROKEN = [
    ("s3:GetObject on Role A", get_object_on_role_a,
     "role A only puts artifacts under the vendor prefix",
     "Resources.ArtifactReceiverRole.Properties.Policies[0].PolicyDocument.Statement[0]"),
    ("extra action on Role A", extra_action_on_role_a,
     "role A only puts artifacts under the vendor prefix", "Resources.ArtifactReceiverRole"),
    ("wildcard sub", wild_sub, "only the vendor repository may assume role A",
     "Resources.ArtifactReceiverRole.Properties.AssumeRolePolicyDocument"),
    ("Role B iam:PutRolePolicy on itself", put_own_policy, "role B holds no IAM write",
     "Resources.DeploymentRole"),
]


def test_against():
    out = tmpdir()
    rc, _, err, _ = run("render", "ltbase", "-o", out)
    if not check(rc == 0, "render ltbase", err):
        return
    src = os.path.join(out, "ltbase-foundation.json")
    rc, so, err, _ = run("review", src, "--against", "ltbase-foundation", "--format", "json")
    doc = json.loads(so) if rc == 0 else None
    check(doc is not None and len(doc["invariants"]) == 5 and
          all(i["holds"] for i in doc["invariants"]), "--against: the rendered file holds", err)
    base = json.load(open(src))
    for what, alter, name, path in BROKEN:
        tpl = json.loads(json.dumps(base))
        alter(tpl)
        alt = os.path.join(out, "altered.json")
        with open(alt, "w") as f:
            json.dump(tpl, f, indent=2)
        rc, so, err, _ = run("review", alt, "--against", "ltbase-foundation")
        check(rc == 1 and f"invariant '{name}' broken: {path}" in err and
              err.startswith("luaform: templates/ltbase/foundation.lua:"),
              f"--against: {what} breaks '{name}'", f"rc={rc} {err}")
    rc, so, err, _ = run("review", "ltbase", "--format", "json")
    inv = json.loads(so)["invariants"] if rc == 0 else []
    check(len(inv) >= 6 and all(i["holds"] and i["file"].startswith("templates/ltbase/") and
                                i["line"] > 0 for i in inv) and
          {i["stack"] for i in inv} == {"ltbase-foundation", "ltbase-beta", "ltbase-prod"},
          "review ltbase lists every stack's invariants as holding", so[-500:] + err)
    rc, so, err, _ = run("review", "ltbase")
    check(rc == 0 and f"invariants: {len(inv)} hold" in so.splitlines()[0],
          "review ltbase's summary counts the invariants", so[:300])
    rc, _, err, _ = run("review", src, "--against", "ltbase")
    check(rc == 1 and "--against names one stack" in err, "--against a system is refused", err)


def test_negated_trust_text():
    rc, so, err, _ = run("review", os.path.join(ROOT, "tests", "review", "negated-conditions.yaml"))
    check(rc == 0 and "any GitHub repository except" in so,
          "a sub under StringNotEquals reads as 'any GitHub repository except ...'", so[-1500:] + err)


if __name__ == "__main__":
    test_readme_table()
    test_corpus()
    test_ltbase_shipped()
    test_ltbase_cross_stack()
    test_ltbase_altered()
    test_against()
    test_negated_trust_text()
    report()
