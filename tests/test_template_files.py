"""CloudFormation template files (JSON and YAML): every template in
tests/templates/ renders with --format json and --format yaml to the same
data it holds, as cfn-lint's own decoder reads both; a rendered template
renders to itself; --check works on them; every template in
tests/templates/bad/ fails at its line.

What "the same data" allows (the normalisation in same()):
  - cfn-lint's str_node/dict_node/list_node compare as str/dict/list;
  - a YAML timestamp (2010-09-09 unquoted) that cfn-lint reads as a
    date/datetime is, for CloudFormation (which has no timestamp tag), the
    string it is written as; luaform writes that string, and it matches
    when it reads back as the same YAML timestamp;
  - an unquoted integer key (an account id in a Mapping) that cfn-lint
    reads as an int is its text for luaform; str(key) must equal it.
Anything else must match exactly, type included (1 is not 1.0 nor True).

cfn-lint also lints the YAML luaform writes (two processes, each half the
files, while the rest of this test runs): it must report nothing, so the
corpus is made of templates CloudFormation would take, and luaform's output
of them too. The inputs and the JSON outputs are not linted again: they are
the same data as the YAML outputs (checked above through cfn-lint's own
decoder), so cfn-lint would say the same of them, at twice the time."""
import datetime
import glob
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import yaml
from cfnlint.decode import cfn_json, cfn_yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lftest import ROOT, check, report, run, tmpdir, write  # noqa: E402

CORPUS = os.path.join(ROOT, "tests", "templates")
EXTS = (".json", ".yaml", ".yml", ".template")


def stem(path):
    base = os.path.basename(path)
    for ext in EXTS:
        if base.endswith(ext):
            return base[: -len(ext)]
    return base


def is_json(path):
    """As luaform decides: .json, or a .template whose text starts with '{'."""
    if path.endswith(".json"):
        return True
    if path.endswith((".yaml", ".yml")):
        return False
    with open(path) as f:
        return f.read().lstrip().startswith("{")


def decode(path):
    """cfn-lint's decoder: its JSON loader for JSON, its YAML loader for YAML."""
    return cfn_json.load(path) if is_json(path) else cfn_yaml.load(path)


def as_timestamp(s):
    try:
        v = yaml.safe_load(s)
    except yaml.YAMLError:
        return None
    return v if isinstance(v, (datetime.date, datetime.datetime)) else None


def same(a, b, where="", diffs=None):
    """Is b (luaform's output, decoded) the same data as a (the input,
    decoded)? Differences are appended to diffs as text."""
    diffs = [] if diffs is None else diffs
    if isinstance(a, dict):
        if not isinstance(b, dict):
            diffs.append(f"{where}: a mapping became {type(b).__name__}")
            return False
        ka = {(str(k) if isinstance(k, int) and not isinstance(k, bool) else k): v for k, v in a.items()}
        if set(ka) != set(b):
            diffs.append(f"{where}: keys {sorted(map(str, ka))} became {sorted(map(str, b))}")
            return False
        return all([same(ka[k], b[k], f"{where}.{k}", diffs) for k in ka])
    if isinstance(a, list):
        if not isinstance(b, list) or len(a) != len(b):
            diffs.append(f"{where}: list of {len(a)} became {b!r:.80}")
            return False
        return all([same(x, y, f"{where}[{i}]", diffs) for i, (x, y) in enumerate(zip(a, b))])
    if isinstance(a, (datetime.date, datetime.datetime)):
        ok = isinstance(b, str) and as_timestamp(b) == a
    elif isinstance(a, str):
        ok = isinstance(b, str) and str(a) == str(b)
    else:
        ok = type(a) is type(b) and a == b
    if not ok:
        diffs.append(f"{where}: {a!r:.80} became {b!r:.80}")
    return ok


def corpus():
    return sorted(p for p in glob.glob(os.path.join(CORPUS, "*")) if p.endswith(EXTS))


# cfn-lint rules left out: those that depend on today's date (a Lambda
# runtime or an engine version reaching its end of life would fail this
# test some day with nothing changed).
IGNORED = ["E2531", "E2533", "W2531", "W3690"]


def lint(paths):
    """cfn-lint on paths; (ok, output)."""
    p = subprocess.run(["cfn-lint", "--ignore-checks", *IGNORED, "--", *paths], capture_output=True, text=True, timeout=300)
    return p.returncode == 0, p.stdout + p.stderr


files = corpus()
check(len(files) >= 40, "the corpus has at least 40 templates", str(len(files)))
check(len({stem(p) for p in files}) == len(files), "corpus file names are unique without extension")
check(any(is_json(p) for p in files) and any(not is_json(p) for p in files), "JSON and YAML")

out = tmpdir()
pool = ThreadPoolExecutor(max_workers=2)

# ------------------------------------------------------------ render all, both formats
outputs = {}
for fmt in ("json", "yaml"):
    d = os.path.join(out, fmt)
    rc, so, se, _ = run("render", *files, "-o", d, "--format", fmt)
    check(rc == 0 and se == "", f"render the corpus --format {fmt}", se[-2000:])
    outputs[fmt] = [os.path.join(d, f"{stem(p)}.{fmt}") for p in files]
    check(all(os.path.isfile(p) for p in outputs[fmt]), f"every template has its .{fmt}")
half = len(files) // 2
linted = [pool.submit(lint, outputs["yaml"][:half]), pool.submit(lint, outputs["yaml"][half:])] \
    if shutil.which("cfn-lint") else []

# ------------------------------------------------------------ the same data, through cfn-lint's decoder
for i, src in enumerate(files):
    want = decode(src)
    for fmt in ("json", "yaml"):
        diffs = []
        try:
            got = decode(outputs[fmt][i])
        except Exception as e:  # a decoder error is a failure too
            got, diffs = None, [f"cfn-lint cannot read it: {e}"]
        check(got is not None and same(want, got, "", diffs), f"{os.path.basename(src)} -> {fmt}: same data",
              "; ".join(diffs[:5]))

# ------------------------------------------------------------ canonical form is a fixed point
for fmt in ("json", "yaml"):
    again = os.path.join(out, "again-" + fmt)
    rc, so, se, _ = run("render", *outputs[fmt], "-o", again, "--format", fmt)
    check(rc == 0, f"render the {fmt} outputs again", se)
    changed = [p for p in outputs[fmt]
               if open(p, "rb").read() != open(os.path.join(again, os.path.basename(p)), "rb").read()]
    check(not changed, f"a rendered {fmt} template renders to the same bytes", str(changed[:3]))

# ------------------------------------------------------------ --check
d = os.path.join(out, "json")
rc, so, se, _ = run("render", *files, "-o", d, "--check")
check(rc == 0 and "stale" not in so, "render --check: up to date", so + se)
victim = outputs["json"][0]
with open(victim, "a") as f:
    f.write(" ")
rc, so, se, _ = run("render", *files, "-o", d, "--check")
check(rc == 2 and f"stale: {victim}" in so, "render --check: a changed output is stale", so + se)

# ------------------------------------------------------------ options that make no sense for a template file
t = files[0]
for opt in (["-c", os.path.join(ROOT, "tests", "configs", "acme.yaml")], ["-p", "a=b"]):
    rc, so, se, _ = run("render", t, "-o", out, *opt)
    check(rc == 1 and se.startswith(f"luaform: {t}: ") and "template file" in se,
          f"render FILE {opt[0]} is an error", se)

# ------------------------------------------------------------ .template: JSON or YAML by content
d = tmpdir()
write(os.path.join(d, "j.template"), '{"Resources": {"T": {"Type": "AWS::SNS::Topic"}}}\n')
write(os.path.join(d, "y.template"), "Resources:\n  T:\n    Type: AWS::SNS::Topic\n")
rc, so, se, _ = run("render", os.path.join(d, "j.template"), os.path.join(d, "y.template"), "-o", d)
check(rc == 0 and open(os.path.join(d, "j.json")).read() == open(os.path.join(d, "y.json")).read(),
      ".template is read as JSON or YAML by its content", se)
rc, so, se, _ = run("render", os.path.join(d, "j.template"), os.path.join(d, "j.json"), "-o", d)
check(rc == 1 and "two stacks are named 'j'" in se, "two template files with one name", se)

# ------------------------------------------------------------ bad templates: FILE:LINE: message, exit 1
BAD = {
    "unknown-tag.yaml": (8, "unknown tag '!GetAttr'"),
    "duplicate-key.yaml": (13, "duplicate key 'Properties' (first at line 8)"),
    "duplicate-key.json": (7, "duplicate object key"),
    "broken-indent.yaml": (6, "did not find expected key"),
    "broken-brace.json": (10, "'}' expected near end of file"),
    "ref-to-nothing.yaml": (14, "'BucketNmae' in Ref names no parameter, resource or pseudo parameter"),
    "sub-to-nothing.yaml": (12, "'${Enviroment}' in Fn::Sub names no parameter"),
    "sub-attr-to-nothing.json": (9, "'${Tabel.Arn}' in Fn::Sub names no resource"),
    "getatt-to-nothing.json": (12, "'Rol' in Fn::GetAtt names no resource"),
    "getatt-dotted-to-nothing.yaml": (10, "'Quue' in Fn::GetAtt names no resource"),
    "dependson-to-nothing.yaml": (9, "'Tabel' in DependsOn names no resource"),
    "condition-to-nothing.yaml": (11, "'IsProduction' in Condition names no condition"),
    "if-to-nothing.yaml": (12, "'HasName' in Fn::If names no condition"),
    "condition-in-conditions.yaml": (7, "'IsProd' in Condition names no condition"),
    "findinmap-to-nothing.yaml": (10, "'RegionMap' in Fn::FindInMap names no mapping"),
    "pseudo-typo.yaml": (7, "'AWS::Regoin' in Ref names no parameter"),
    "alias-undefined.yaml": (9, "alias '*tags' names no anchor defined before it"),
    "two-documents.yaml": (4, "a template file holds one YAML document"),
    "not-a-mapping.yaml": (1, "a template is a mapping of sections"),
    "timestamp-tag.yaml": (6, "tag '!!timestamp' is not supported by CloudFormation"),
    "int-too-big.yaml": (8, "'123456789012345678901234567890' is an integer too large for 64 bits"),
    "infinity.yaml": (8, "'.inf' is not a finite number"),
    "tag-on-key.yaml": (5, "a mapping key must be a string, not tagged '!Ref'"),
    "null-key.yaml": (6, "a mapping key must be a string, not null"),
    "empty.yaml": (1, "the template is empty"),
    "bad-int-tag.yaml": (7, "'twelve' is not an integer"),
}
bad_dir = os.path.join(CORPUS, "bad")
check(sorted(BAD) == sorted(os.listdir(bad_dir)), "every bad template has its expected error",
      str(sorted(set(BAD) ^ set(os.listdir(bad_dir)))))
for name, (line, text) in sorted(BAD.items()):
    path = os.path.join("tests", "templates", "bad", name)
    rc, so, se, _ = run("render", path, "-o", out)
    lines = se.strip().splitlines()
    check(rc == 1 and len(lines) == 1 and lines[0].startswith(f"luaform: {path}:{line}: ") and text in lines[0],
          f"bad/{name}: {path}:{line}: {text}", se.strip())
    check(not os.path.exists(os.path.join(out, stem(name) + ".json")), f"bad/{name}: nothing written")

# ------------------------------------------------------------ nothing lost, nothing ambiguous
own = tmpdir()
src = write(os.path.join(own, "mine.yaml"), "# a comment worth keeping\nResources:\n"
            "  B:\n    Type: AWS::S3::Bucket  # and this one\n")
before = open(src, "rb").read()
rc, so, se, _ = run("render", src, "-o", own, "--format", "yaml")
check(rc == 1 and "would be written over its own input" in se and open(src, "rb").read() == before,
      "render FILE -o its own directory in its own format refuses, the input kept", se)
bom = write(os.path.join(own, "bom.json"), "\ufeff{\"Resources\": {\"B\": {\"Type\": \"AWS::S3::Bucket\"}}}\n")
rc, so, se, _ = run("render", bom, "-o", os.path.join(own, "o"))
check(rc == 0, "a JSON template with a UTF-8 byte order mark renders (cfn-lint reads it)", se)
for args, text in ((["-o", "--check"], "option '-o' needs a value (not the option '--check')"),
                   (["-o", "a", "-o", "b"], "option '-o' is given twice"),
                   (["--format", "json", "--format", "yaml"], "option '--format' is given twice")):
    rc, so, se, _ = run("render", src, *args, cwd=own)   # a regression writes there, not here
    check(rc == 1 and text in se, f"render {' '.join(args)}: {text}", se)
for eol, what in (("\r", "CR"), ("\r\n", "CRLF")):
    f = write(os.path.join(own, "eol.yaml"), eol.join(["Resources:", "  B:", "    Type: AWS::S3::Bucket",
                                                        "    Properties:", "      X: !Ref Nope", ""]))
    rc, so, se, _ = run("render", f, "-o", os.path.join(own, "o"))
    check(rc == 1 and f"eol.yaml:5: 'Nope' in Ref" in se, f"{what} line ends: the error names line 5", se)
rc, so, se, _ = run("render", "ltbase", "-o", own, "-p", "region=eu-west-1", "-p", "region=us-west-2")
check(rc == 1 and "'region' is given twice" in se, "-p with one key twice is refused", se)

# ------------------------------------------------------------ cfn-lint: the rendered templates are clean
check(linted, "cfn-lint is installed")
for job in linted:
    ok, text = job.result()
    check(ok, "cfn-lint: the rendered templates are clean", text[-3000:])
pool.shutdown()
shutil.rmtree(out, ignore_errors=True)
report()
