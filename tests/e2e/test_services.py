"""S3 (REST-XML), Lambda (REST-JSON) and STS (Query) through luaform's AWS
client, driven by build/tests/awscall (tests/e2e/awscall.c: the shipped
binary has no S3 or Lambda commands yet), against moto_server with
signature checking on, and checked with boto3.

moto runs as tests/e2e/motofix.py: moto_server with one fix, so that it
checks a signed Lambda GET against the empty body sent (moto 5.2.1 refuses
every one, boto3's too). Where moto does not do what AWS does, the calls go
through tests/e2e/svcproxy.py, a scripted endpoint in front of moto, and
each such test says so: S3 checksums (moto neither checks nor returns
x-amz-checksum-sha256), Lambda RevisionIds and their preconditions (moto
has none for functions and never changes an alias's), Lambda paging (moto
ignores MaxItems), throttling, lost answers and very long error messages.

LUAFORM_RETRY_BASE_MS=1 (a hidden variable, aws.h) makes the backoff
between retries a few milliseconds instead of the SDKs' seconds, so no
test sits through a compiled-in sleep; the Ctrl-C test sets it to 20000
to show a long backoff cut short. Only 127.0.0.1 is used."""
import base64
import hashlib
import io
import json
import os
import signal
import subprocess
import sys
import time
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))
from lftest import BIN, ROOT, check, report, tmpdir, write  # noqa: E402
import moto as M  # noqa: E402

import boto3  # noqa: E402
import botocore  # noqa: E402


AWSCALL = M.find_awscall(BIN, ROOT)


class SvcProxy(M.Proxy):
    """tests/e2e/svcproxy.py in front of moto."""
    SCRIPT = "svcproxy.py"


m = M.FixedMoto()
D = tmpdir()
proxies = []


def proxy(*args):
    p = SvcProxy(m.url, *args)
    proxies.append(p)
    return p


def call(ep, *args, env=None, timeout=60):
    """awscall against ep; (rc, result or error object, stderr)."""
    e = m.env(LUAFORM_RETRY_BASE_MS="1", **(env or {}))
    p = subprocess.run([AWSCALL, "--endpoint-url", ep, *args], capture_output=True, text=True,
                       env=e, timeout=timeout)
    try:
        out = json.loads(p.stdout)
    except ValueError:
        out = {"raw": p.stdout}
    return p.returncode, out.get("error", out), p.stderr


def client(service, ep=None):
    return boto3.client(service, endpoint_url=ep or m.url, region_name=M.REGION,
                        aws_access_key_id=m.key_id, aws_secret_access_key=m.secret)


def b64sha(data):
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def one_line(se):
    return len([x for x in se.strip().splitlines() if x]) == 1


def code_zip(n):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("index.py", "def handler(event, context):\n    return %d\n" % n)
    return buf.getvalue()


def test_s3_objects(s3):
    s3.create_bucket(Bucket="lf-versioned")
    s3.put_bucket_versioning(Bucket="lf-versioned", VersioningConfiguration={"Status": "Enabled"})
    s3.create_bucket(Bucket="lf-plain")
    v1 = write(os.path.join(D, "v1.txt"), "first version\n")
    # a key with a space (moto's S3 signature check fails keys with most
    # other encoded characters, '+', ':', UTF-8, for boto3 as for us)
    v2 = write(os.path.join(D, "v2.txt"), "second version, longer\n")

    rc, a, se = call(m.url, "put", "lf-versioned", "dir/a b~c.txt", v1)
    head = s3.head_object(Bucket="lf-versioned", Key="dir/a b~c.txt")
    check(rc == 0 and a["version_id"] and a["version_id"] == head["VersionId"],
          "PutObject returns the version id on a versioned bucket", str(a) + se)
    check(rc == 0 and a["etag"] == head["ETag"], "PutObject returns the ETag", str(a))
    rc, b, se = call(m.url, "put", "lf-versioned", "dir/a b~c.txt", v2)
    check(rc == 0 and b["version_id"] not in (None, a["version_id"]), "a second put, a second version",
          str(b) + se)
    rc, p, se = call(m.url, "put", "lf-plain", "k", v1)
    check(rc == 0 and p["version_id"] is None and p["etag"], "an unversioned bucket has no version id",
          str(p) + se)

    rc, h, se = call(m.url, "head", "lf-versioned", "dir/a b~c.txt")
    check(rc == 0 and h["version_id"] == b["version_id"] and h["size"] == len("second version, longer\n"),
          "HeadObject: the latest version and its size", str(h) + se)
    rc, h, se = call(m.url, "head", "lf-versioned", "dir/a b~c.txt", "--version", a["version_id"])
    check(rc == 0 and h["version_id"] == a["version_id"] and h["size"] == len("first version\n"),
          "HeadObject of an older version", str(h) + se)
    rc, h, se = call(m.url, "head", "lf-versioned", "nope")
    check(rc == 1 and h["code"] == "NotFound" and h["status"] == 404 and one_line(se),
          "HeadObject of a missing key: NotFound (404)", str(h) + se)

    out = os.path.join(D, "got", "a.txt")
    rc, g, se = call(m.url, "get", "lf-versioned", "dir/a b~c.txt", out)
    check(rc == 0 and open(out).read() == "second version, longer\n", "GetObject writes the file", se)
    rc, g, se = call(m.url, "get", "lf-versioned", "dir/a b~c.txt", out, "--version", a["version_id"])
    check(rc == 0 and open(out).read() == "first version\n" and g["version_id"] == a["version_id"],
          "GetObject of an older version", se)
    missing = os.path.join(D, "got", "missing.txt")
    rc, g, se = call(m.url, "get", "lf-versioned", "nope", missing)
    check(rc == 1 and g["code"] == "NoSuchKey" and g["status"] == 404 and not os.path.exists(missing),
          "GetObject of a missing key: NoSuchKey, no file", str(g) + se)
    check("GetObject s3://lf-versioned/nope: NoSuchKey: The specified key does not exist." in se,
          "the error names the object, the code and the whole message", se)
    rc, g, se = call(m.url, "get", "lf-no-such-bucket", "k", missing)
    check(rc == 1 and g["code"] == "NoSuchBucket" and "The specified bucket does not exist" in se,
          "GetObject from a missing bucket: NoSuchBucket", str(g) + se)
    rc, g, se = call(m.url, "get", "lf-versioned", "dir/a b~c.txt", out, "--max", "5")
    check(rc == 1 and "exceeds 5 bytes" in se and open(out).read() == "first version\n",
          "GetObject is bounded: a body past --max is refused, the file left alone", se)
    check(sorted(os.listdir(os.path.dirname(out))) == ["a.txt"], "no temp file left behind",
          str(os.listdir(os.path.dirname(out))))
    return a, b


def test_s3_copy(s3, a, b):
    rc, c, se = call(m.url, "copy", "lf-versioned", "dir/a b~c.txt", "lf-plain", "copy.txt")
    got = s3.get_object(Bucket="lf-plain", Key="copy.txt")["Body"].read()
    check(rc == 0 and got == b"second version, longer\n" and c["copy_source_version_id"] == b["version_id"],
          "CopyObject copies the latest version and says which", str(c) + se)
    check(rc == 0 and c["etag"], "CopyObject returns the new ETag (from the body)", str(c))
    rc, c, se = call(m.url, "copy", "lf-versioned", "dir/a b~c.txt", "lf-versioned", "old.txt",
                     "--version", a["version_id"])
    got = s3.get_object(Bucket="lf-versioned", Key="old.txt")
    check(rc == 0 and got["Body"].read() == b"first version\n" and c["version_id"] == got["VersionId"],
          "CopyObject of an older version into a versioned bucket: its new version id", str(c) + se)
    rc, c, se = call(m.url, "copy", "lf-versioned", "nope", "lf-plain", "x")
    check(rc == 1 and c["code"] == "NoSuchKey", "CopyObject of a missing key: NoSuchKey", str(c) + se)


def test_s3_versions(s3):
    # prefix "pages-": moto's S3 signature check fails a query value with
    # an encoded '/' (boto3's too)
    for i in range(5):
        s3.put_object(Bucket="lf-versioned", Key="pages-k%d" % (i % 2), Body=b"x%d" % i)
    s3.delete_object(Bucket="lf-versioned", Key="pages-k0")        # a delete marker
    want = s3.list_object_versions(Bucket="lf-versioned", Prefix="pages-")
    want = [(v["Key"], v["VersionId"]) for v in want.get("Versions", []) + want.get("DeleteMarkers", [])]
    p = proxy()     # forwards everything: here to count the pages
    rc, lv, se = call(p.url, "versions", "lf-versioned", "--prefix", "pages-", "--page", "2")
    got = [(v["key"], v["version_id"]) for v in lv.get("versions", [])]
    check(rc == 0 and sorted(got) == sorted(want) and len(got) == 6,
          "ListObjectVersions: every version and delete marker, 2 a page", f"{got} {want} {se}")
    check(rc == 0 and sum(v["delete_marker"] for v in lv["versions"]) == 1 and
          sum(v["latest"] for v in lv["versions"]) == 2, "delete markers and latest flags", str(lv))
    check(p.stats()["forwarded"].get("ListObjectVersions") == 3, "three pages of two (KeyMarker, "
          "VersionIdMarker)", str(p.stats()))
    rc, lv, se = call(m.url, "versions", "lf-versioned", "--prefix", "nothing-")
    check(rc == 0 and lv["versions"] == [], "an empty listing", str(lv) + se)


def test_s3_checksums(s3):
    # moto keeps and returns x-amz-checksum-sha256 but never checks it:
    # svcproxy does, as S3 does
    p = proxy("--corrupt-get", "corrupt.txt")
    data = os.path.join(D, "sum.txt")
    write(data, "checked content\n")
    rc, o, se = call(p.url, "put", "lf-versioned", "sum.txt", data, "--sha256")
    check(rc == 0 and o["checksum_sha256"] == b64sha(b"checked content\n"),
          "PutObject with x-amz-checksum-sha256: checked, accepted, the checksum returned", str(o) + se)
    rc, h, se = call(p.url, "head", "lf-versioned", "sum.txt")
    check(rc == 0 and h["checksum_sha256"] == b64sha(b"checked content\n"),
          "HeadObject asks for the checksum and gets it", str(h) + se)
    got = client("s3", p.url).head_object(Bucket="lf-versioned", Key="sum.txt", ChecksumMode="ENABLED")
    check(got.get("ChecksumSHA256") == o["checksum_sha256"], "boto3 sees the same checksum", str(got))
    rc, o, se = call(p.url, "put", "lf-versioned", "bad.txt", data, "--checksum", b64sha(b"other"))
    check(rc == 1 and o["code"] == "BadDigest" and
          "The SHA256 you specified did not match the calculated checksum." in se,
          "a wrong checksum is refused: BadDigest (svcproxy)", str(o) + se)
    try:
        s3.head_object(Bucket="lf-versioned", Key="bad.txt")
        check(False, "the refused object is not there")
    except botocore.exceptions.ClientError:
        check(True, "the refused object is not there")
    out = os.path.join(D, "sum-out.txt")
    rc, g, se = call(p.url, "get", "lf-versioned", "sum.txt", out)
    check(rc == 0 and open(out).read() == "checked content\n", "GetObject checks the body against "
          "the checksum S3 sent", se)
    rc, o, se = call(p.url, "put", "lf-versioned", "corrupt.txt", data, "--sha256")
    rc, g, se = call(p.url, "get", "lf-versioned", "corrupt.txt", out)
    check(rc == 1 and "is not the one S3 sent" in se and open(out).read() == "checked content\n",
          "a body that does not match its checksum is refused, the file left alone (svcproxy)", se)


def test_s3_template_put_and_signing(s3):
    data = write(os.path.join(D, "t.json"), '{"Resources": {}}')
    rc, t, se = call(m.url, "template-put", "lf-plain", "luaform/t.json", data)
    check(rc == 0 and t["url"] == "https://lf-plain.s3.us-east-1.amazonaws.com/luaform/t.json" and
          s3.get_object(Bucket="lf-plain", Key="luaform/t.json")["Body"].read() == b'{"Resources": {}}',
          "aws_s3_put (deploy's large templates) still puts, and gives AWS's URL", str(t) + se)
    rc, o, se = call(m.url, "put", "lf-plain", "k2", data, env={"AWS_SECRET_ACCESS_KEY": "wrong"})
    check(rc == 1 and o["code"] == "SignatureDoesNotMatch", "moto checks our S3 signatures",
          str(o) + se)
    rc, o, se = call(m.url, "get-function", "lf-fn", env={"AWS_SECRET_ACCESS_KEY": "wrong"})
    check(rc == 1 and o["code"] == "SignatureDoesNotMatch", "moto checks our Lambda signatures",
          str(o) + se)


def setup_lambda(s3, lam):
    role = client("iam").create_role(RoleName="lf-role", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                "Principal": {"Service": "lambda.amazonaws.com"}}]}))
    s3.put_object(Bucket="lf-plain", Key="code.zip", Body=code_zip(0))
    fn = lam.create_function(FunctionName="lf-fn", Runtime="python3.12", Role=role["Role"]["Arn"],
                             Handler="index.handler", Code={"S3Bucket": "lf-plain", "S3Key": "code.zip"})
    for n in (1, 2, 3):
        lam.update_function_code(FunctionName="lf-fn", ZipFile=code_zip(n))
        lam.publish_version(FunctionName="lf-fn")
    lam.create_alias(FunctionName="lf-fn", Name="live", FunctionVersion="1")
    return fn["FunctionArn"]


def test_lambda_reads(p, lam, arn):
    # through svcproxy: it keeps the RevisionIds moto does not have, and
    # pages ListVersionsByFunction (moto ignores MaxItems)
    rc, f, se = call(p.url, "get-function", "lf-fn")
    want = lam.get_function(FunctionName="lf-fn")["Configuration"]
    check(rc == 0 and f["version"] == "$LATEST" and f["code_sha256"] == want["CodeSha256"] and
          f["revision_id"] == want["RevisionId"] and f["arn"] == arn,
          "GetFunction: configuration, CodeSha256, Version, RevisionId", str(f) + se)
    rc, f, se = call(p.url, "get-function", arn, "--qualifier", "2")
    check(rc == 0 and f["version"] == "2", "GetFunction by ARN (':' encoded, signed) and qualifier",
          str(f) + se)
    rc, al, se = call(p.url, "get-alias", "lf-fn", "live")
    want = lam.get_alias(FunctionName="lf-fn", Name="live")
    check(rc == 0 and al["function_version"] == "1" and al["revision_id"] == want["RevisionId"] and
          al["weights"] is None, "GetAlias: version and RevisionId", str(al) + se)
    before = p.stats()["forwarded"].get("ListVersionsByFunction", 0)
    rc, lv, se = call(p.url, "list-versions", "lf-fn", "--page", "2")
    got = [v["version"] for v in lv.get("versions", [])]
    check(rc == 0 and got == ["$LATEST", "1", "2", "3"], "ListVersionsByFunction: every version",
          str(got) + se)
    check(p.stats()["forwarded"].get("ListVersionsByFunction", 0) - before == 2,
          "two pages of two, following NextMarker (svcproxy pages)", str(p.stats()))
    rc, e, se = call(p.url, "get-function", "nope")
    check(rc == 1 and e["code"] == "ResourceNotFoundException" and e["status"] == 404 and
          "GetFunction nope: ResourceNotFoundException: Function not found: "
          "arn:aws:lambda:us-east-1:123456789012:function:nope" in se and one_line(se),
          "a missing function: ResourceNotFoundException with its whole message", str(e) + se)
    rc, e, se = call(p.url, "get-alias", "lf-fn", "nope")
    check(rc == 1 and e["code"] == "ResourceNotFoundException" and "Cannot find alias arn: "
          "arn:aws:lambda:us-east-1:123456789012:function:lf-fn:nope" in se,
          "a missing alias: ResourceNotFoundException", str(e) + se)


def test_lambda_publish(p, lam):
    up = lam.update_function_code(FunctionName="lf-fn", ZipFile=code_zip(4))
    latest = lam.get_function(FunctionName="lf-fn")["Configuration"]
    rc, e, se = call(p.url, "publish", "lf-fn", "--revision", "not-the-latest")
    check(rc == 1 and e["code"] == "PreconditionFailedException" and e["status"] == 412 and
          "The Revision Id provided does not match the latest Revision Id." in se,
          "PublishVersion with a stale RevisionId: PreconditionFailedException (svcproxy)", str(e) + se)
    rc, e, se = call(p.url, "publish", "lf-fn", "--code-sha256", b64sha(b"other code"))
    check(rc == 1 and e["code"] == "InvalidParameterValueException" and
          "is different from current CodeSHA256 in $LATEST" in se,
          "PublishVersion with another CodeSha256: refused (svcproxy)", str(e) + se)
    rc, v, se = call(p.url, "publish", "lf-fn", "--code-sha256", up["CodeSha256"],
                     "--revision", latest["RevisionId"], "--description", "release 4")
    check(rc == 0 and v["version"] == "4" and v["code_sha256"] == up["CodeSha256"],
          "PublishVersion with both preconditions met: version 4", str(v) + se)
    check(lam.get_function(FunctionName="lf-fn", Qualifier="4")["Configuration"]["CodeSha256"] ==
          up["CodeSha256"], "boto3 sees version 4")


def test_lambda_alias(p, lam):
    rev = lam.get_alias(FunctionName="lf-fn", Name="live")["RevisionId"]
    rc, al, se = call(p.url, "update-alias", "lf-fn", "live", "--version", "2", "--revision", rev,
                      "--weights", '{"3": 0.25}')
    now = lam.get_alias(FunctionName="lf-fn", Name="live")
    check(rc == 0 and al["function_version"] == "2" and al["weights"] == {"3": 0.25} and
          al["revision_id"] != rev and now["FunctionVersion"] == "2" and
          now["RoutingConfig"]["AdditionalVersionWeights"] == {"3": 0.25} and
          now["RevisionId"] == al["revision_id"],
          "UpdateAlias with RevisionId: version, weights, a new RevisionId", f"{al} {now} {se}")
    rc, e, se = call(p.url, "update-alias", "lf-fn", "live", "--version", "1", "--revision", rev)
    check(rc == 1 and e["code"] == "PreconditionFailedException" and
          lam.get_alias(FunctionName="lf-fn", Name="live")["FunctionVersion"] == "2",
          "UpdateAlias with a stale RevisionId: refused, alias unchanged (svcproxy)", str(e) + se)
    rc, al, se = call(p.url, "update-alias", "lf-fn", "live", "--weights", "{}")
    check(rc == 0 and al["weights"] is None and al["function_version"] == "2",
          "UpdateAlias: {} ends the weighted routing", str(al) + se)
    # the update is made and its answer lost; the retry is refused for its
    # (now stale) RevisionId; a look at the alias shows it was done
    lost = proxy("--reset-after", "UpdateAlias")
    rev = client("lambda", lost.url).get_alias(FunctionName="lf-fn", Name="live")["RevisionId"]
    rc, al, se = call(lost.url, "update-alias", "lf-fn", "live", "--version", "3", "--revision", rev)
    st = lost.stats()
    check(rc == 0 and al["function_version"] == "3" and st["forwarded"].get("UpdateAlias") == 1 and
          st["requests"].get("UpdateAlias") == 2 and st["forwarded"].get("GetAlias", 0) >= 2,
          "UpdateAlias whose answer was lost: retried, refused, looked up, done (svcproxy)",
          f"{al} {st} {se}")


def test_throttling_and_long_errors():
    # svcproxy answers as the services do when they throttle
    p = proxy("--throttle", "GetFunction:2", "--throttle", "PutObject:1",
              "--throttle", "GetCallerIdentity:1")
    rc, f, se = call(p.url, "get-function", "lf-fn")
    st = p.stats()
    check(rc == 0 and st["requests"]["GetFunction"] == 3 and st["injected"]["throttle"]["GetFunction"] == 2,
          "HTTP 429 TooManyRequestsException is retried (REST-JSON)", f"{f} {st} {se}")
    data = write(os.path.join(D, "t.txt"), "t")
    rc, o, se = call(p.url, "put", "lf-plain", "throttled", data)
    check(rc == 0 and p.stats()["requests"]["PutObject"] == 2, "503 SlowDown is retried (REST-XML)",
          str(o) + se)
    rc, o, se = call(p.url, "account")
    check(rc == 0 and o["account"] == M.ACCOUNT and p.stats()["requests"]["GetCallerIdentity"] == 2,
          "Throttling is retried (Query)", str(o) + se)
    p = proxy("--throttle", "GetFunction:5")
    rc, e, se = call(p.url, "--max-attempts", "2", "get-function", "lf-fn")
    check(rc == 1 and e["code"] == "TooManyRequestsException" and e["status"] == 429 and
          e["attempts"] == 2 and e["throttled"] and "TooManyRequestsException: Rate exceeded" in se,
          "after the last attempt: the throttling error, code and message", str(e) + se)
    p = proxy("--long-error", "GetFunction", "--long-error", "GetCallerIdentity")
    for op in (["get-function", "lf-fn"], ["account"]):
        rc, e, se = call(p.url, *op)
        line = se.strip()
        msg = line.split("InvalidParameterValueException: ", 1)[-1].rsplit(" (request id ", 1)[0]
        check(rc == 1 and one_line(se) and "InvalidParameterValueException: word0 word1 word2" in line and
              msg.endswith("...") and len(msg) <= 1003 and msg[:-3].split(" ")[-1].startswith("word") and
              "non-XML" not in line,
              f"{op[0]}: a long JSON error shows its code and its message, whole words, bounded",
              f"{len(msg)}: {line[-300:]}")


def test_interrupt():
    # Ctrl-C during a backoff of up to 20 s ends the call at once, whatever
    # the protocol
    data = write(os.path.join(D, "i.txt"), "i")
    for op, args in (("GetFunction", ["get-function", "lf-fn"]),
                     ("PutObject", ["put", "lf-plain", "int", data]),
                     ("GetCallerIdentity", ["account"])):
        p = proxy("--throttle", op + ":all")
        e = m.env(LUAFORM_RETRY_BASE_MS="20000")
        proc = subprocess.Popen([AWSCALL, "--endpoint-url", p.url, "--max-attempts", "20", *args],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=e)
        deadline = time.time() + 30
        while not p.stats()["injected"].get("throttle", {}).get(op) and time.time() < deadline:
            time.sleep(0.05)
        time.sleep(0.2)
        t0 = time.time()
        proc.send_signal(signal.SIGINT)
        try:
            so, se = proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            so, se = proc.communicate()
        took = time.time() - t0
        check(proc.returncode == 1 and took < 2 and "interrupted" in se,
              f"{op}: Ctrl-C in a retry backoff ends it at once ({took:.1f} s)", se)


try:
    s3 = client("s3")
    a, b = test_s3_objects(s3)
    test_s3_copy(s3, a, b)
    test_s3_versions(s3)
    test_s3_checksums(s3)
    px = proxy()
    lam = client("lambda", px.url)
    arn = setup_lambda(s3, lam)
    test_s3_template_put_and_signing(s3)
    test_lambda_reads(px, lam, arn)
    test_lambda_publish(px, lam)
    test_lambda_alias(px, lam)
    test_throttling_and_long_errors()
    test_interrupt()
finally:
    for p in proxies:
        p.stop()
    m.stop()
report()
