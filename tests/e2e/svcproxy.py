#!/usr/bin/env python3
"""svcproxy.py: a scripted endpoint in front of moto_server for the S3 and
Lambda tests (tests/e2e/test_services.py), where moto does not do what AWS
does. Every request is forwarded unchanged (method, path, headers, body:
SigV4 signatures stay valid, and moto checks them), and moto's answer
returned, except:

S3 checksums (moto keeps and returns x-amz-checksum-sha256 but never
checks it): PutObject with x-amz-checksum-sha256 is checked against the
body; a mismatch is answered 400 BadDigest (S3's answer), unforwarded.
  --corrupt-get KEY   GetObject of KEY answers a body with one byte changed
                      (the checksum header unchanged).

Lambda revisions (moto gives functions no RevisionId and never changes an
alias's): the proxy keeps them. Every function configuration and alias in
an answer carries the proxy's RevisionId; a successful UpdateAlias or
UpdateFunctionCode gives a new one. PublishVersion and UpdateAlias with a
RevisionId that is not the latest are answered 412
PreconditionFailedException, PublishVersion with a CodeSha256 that is not
$LATEST's 400 InvalidParameterValueException (Lambda's answers),
unforwarded.

Lambda paging (moto ignores MaxItems): ListVersionsByFunction is answered
MaxItems versions at a time from moto's whole list, with a NextMarker.

Faults, each naming operations (S3 and Lambda operation names, or a Query
Action):
  --throttle OP[:N]    answer OP with the service's throttling error (Lambda:
                       429 TooManyRequestsException; S3: 503 SlowDown; Query:
                       400 Throttling) the first N times (default 1; "all":
                       always), unforwarded.
  --long-error OP      answer OP with a 400 InvalidParameterValueException
                       in a JSON body whose message is 3000 bytes of words.
  --reset-after OP[:N] forward OP, then reset the connection (RST, no byte):
                       the call was made and its answer lost.

GET /proxy-stats answers JSON counters (not forwarded): requests and
forwards per operation, faults injected. Only loopback addresses are used.
Python 3 standard library only (and tests/e2e/cfnproxy.py beside it)."""

import argparse
import base64
import hashlib
import http.server
import json
import re
import sys
import threading
import urllib.parse
import uuid

import cfnproxy     # its Handler forwards a request as received

LAMBDA = re.compile(r"^/2015-03-31/functions(?:/([^/?]+)(/aliases(?:/([^/?]+))?|/versions|/code)?)?")


def service_of(headers):
    m = re.search(r"Credential=[^/]+/\d+/[^/]+/([^/]+)/", headers.get("Authorization", ""))
    return m.group(1) if m else "s3"


def function_name(ref):
    """'fn', 'arn:aws:lambda:r:a:function:fn[:q]' or 'a:function:fn' -> 'fn'"""
    ref = urllib.parse.unquote(ref)
    parts = ref.split(":")
    return parts[parts.index("function") + 1] if "function" in parts else parts[0]


class Request:
    """What the proxy needs to know of one request."""

    def __init__(self, command, path, headers, body):
        self.command, self.headers, self.body = command, headers, body
        self.path, _, self.query = path.partition("?")
        self.params = dict(urllib.parse.parse_qsl(self.query, keep_blank_values=True))
        self.service = service_of(headers)
        self.function = self.alias = None
        self.bucket = self.key = None
        self.op = self.name_op()

    def name_op(self):
        if self.service == "lambda":
            return self.lambda_op()
        if self.service == "s3":
            return self.s3_op()
        form = dict(urllib.parse.parse_qsl(self.body.decode("utf-8", "replace")))
        return form.get("Action") or self.params.get("Action") or "(unknown)"

    def lambda_op(self):
        m = LAMBDA.match(self.path)
        if not m:
            return "(lambda)"
        fn, sub, alias = m.groups()
        self.function = function_name(fn) if fn else None
        self.alias = urllib.parse.unquote(alias) if alias else None
        c = self.command
        if not fn:
            return "CreateFunction" if c == "POST" else "ListFunctions"
        if not sub:
            return {"GET": "GetFunction", "DELETE": "DeleteFunction"}.get(c, "(lambda)")
        if sub == "/code":
            return "UpdateFunctionCode"
        if sub == "/versions":
            return "PublishVersion" if c == "POST" else "ListVersionsByFunction"
        if not alias:
            return "CreateAlias" if c == "POST" else "ListAliases"
        return {"GET": "GetAlias", "PUT": "UpdateAlias", "DELETE": "DeleteAlias"}.get(c, "(lambda)")

    def s3_op(self):
        bucket, _, key = self.path.lstrip("/").partition("/")
        self.bucket, self.key = urllib.parse.unquote(bucket), urllib.parse.unquote(key)
        c = self.command
        if not self.key:
            if "versions" in self.params:
                return "ListObjectVersions"
            return {"PUT": "CreateBucket"}.get(c, "(s3 bucket)")
        if c == "PUT":
            return "CopyObject" if "x-amz-copy-source" in self.headers else "PutObject"
        return {"GET": "GetObject", "HEAD": "HeadObject", "DELETE": "DeleteObject"}.get(c, "(s3)")


def json_error(status, code, message):
    body = json.dumps({"Type": "User", "message": message}).encode()
    return status, [("Content-Type", "application/json"), ("x-amzn-ErrorType", code),
                    ("x-amzn-RequestId", str(uuid.uuid4()))], body


def xml_error(status, code, message, root="Error"):
    inner = f"<Code>{code}</Code><Message>{message}</Message>"
    if root == "ErrorResponse":
        body = f"<ErrorResponse><Error><Type>Sender</Type>{inner}</Error></ErrorResponse>"
    else:
        body = f"<Error>{inner}<RequestId>{uuid.uuid4()}</RequestId></Error>"
    return status, [("Content-Type", "application/xml")], body.encode()


class Proxy:
    def __init__(self, opts):
        self.opts = opts
        self.lock = threading.Lock()
        self.fn_rev = {}            # (function, version) -> RevisionId
        self.fn_sha = {}            # function -> $LATEST's CodeSha256
        self.alias_rev = {}         # (function, alias) -> RevisionId
        self.throttle = dict(opts.throttle)
        self.reset_after = dict(opts.reset_after)
        self.stats = {"requests": {}, "forwarded": {}, "injected": {}}

    def bump(self, table, key):
        table[key] = table.get(key, 0) + 1

    def injected(self, kind, op):
        self.bump(self.stats["injected"].setdefault(kind, {}), op)

    def take(self, table, op):
        n = table.get(op)
        if n is None or n == 0:
            return False
        if n != "all":
            table[op] = n - 1
        return True

    # ---- faults, before forwarding
    def fault(self, rq):
        if self.take(self.throttle, rq.op):
            self.injected("throttle", rq.op)
            if rq.service == "lambda":
                return json_error(429, "TooManyRequestsException", "Rate exceeded")
            if rq.service == "s3":
                return xml_error(503, "SlowDown", "Please reduce your request rate.")
            return xml_error(400, "Throttling", "Rate exceeded", "ErrorResponse")
        if rq.op in self.opts.long_error:
            self.injected("long-error", rq.op)
            words = " ".join("word%d" % i for i in range(500))
            return json_error(400, "InvalidParameterValueException", words[:3000] + " END")
        return None

    # ---- S3 checksums
    def s3_before(self, rq):
        want = rq.headers.get("x-amz-checksum-sha256")
        if rq.op != "PutObject" or not want:
            return None
        got = base64.b64encode(hashlib.sha256(rq.body).digest()).decode()
        if got != want:
            self.injected("bad-digest", rq.op)
            return xml_error(400, "BadDigest",
                             "The SHA256 you specified did not match the calculated checksum.")
        return None

    def s3_after(self, rq, status, headers, body):
        if status // 100 == 2 and rq.op == "GetObject" and rq.key in self.opts.corrupt_get and body:
            self.injected("corrupt", rq.op)
            body = bytes([body[0] ^ 1]) + body[1:]
        return headers, body

    # ---- Lambda revisions and paging
    def lambda_before(self, rq):
        if rq.op not in ("PublishVersion", "UpdateAlias"):
            return None
        try:
            want = json.loads(rq.body or b"{}")
        except ValueError:
            return None
        stale = json_error(412, "PreconditionFailedException",
                           "The Revision Id provided does not match the latest Revision Id. "
                           "Call the GetFunction/GetAlias API to retrieve the latest Revision Id")
        if rq.op == "UpdateAlias":
            have = self.alias_rev.get((rq.function, rq.alias))
            if want.get("RevisionId") and have and want["RevisionId"] != have:
                self.injected("precondition", rq.op)
                return stale
            return None
        have = self.fn_rev.get((rq.function, "$LATEST"))
        if want.get("RevisionId") and have and want["RevisionId"] != have:
            self.injected("precondition", rq.op)
            return stale
        sha = self.fn_sha.get(rq.function)
        if want.get("CodeSha256") and sha and want["CodeSha256"] != sha:
            self.injected("precondition", rq.op)
            return json_error(400, "InvalidParameterValueException",
                              f"CodeSHA256 ({want['CodeSha256']}) is different from current "
                              f"CodeSHA256 in $LATEST ({sha}). Please try again with the "
                              f"CodeSHA256 in $LATEST.")
        return None

    def function_config(self, rq, c, fresh):
        name, version = c.get("FunctionName"), c.get("Version")
        if not name or not version:
            return
        key = (name, version)
        if fresh or key not in self.fn_rev:
            self.fn_rev[key] = str(uuid.uuid4())
        c["RevisionId"] = self.fn_rev[key]
        if version == "$LATEST" and c.get("CodeSha256"):
            self.fn_sha[name] = c["CodeSha256"]

    def alias_config(self, rq, a, fresh):
        key = (rq.function, a.get("Name"))
        if fresh or key not in self.alias_rev:
            self.alias_rev[key] = a.get("RevisionId") if not fresh else str(uuid.uuid4())
        a["RevisionId"] = self.alias_rev[key]

    def lambda_after(self, rq, status, body):
        if status // 100 != 2 or not body:
            return body
        try:
            doc = json.loads(body)
        except ValueError:
            return body
        op = rq.op
        if op in ("GetFunction",):
            self.function_config(rq, doc.get("Configuration", {}), False)
        elif op in ("CreateFunction", "UpdateFunctionCode", "PublishVersion"):
            self.function_config(rq, doc, op != "PublishVersion")
        elif op == "ListVersionsByFunction":
            for c in doc.get("Versions", []):
                self.function_config(rq, c, False)
            doc = self.page(rq, doc)
        elif op in ("CreateAlias", "GetAlias", "UpdateAlias"):
            self.alias_config(rq, doc, op == "UpdateAlias")
        else:
            return body
        return json.dumps(doc).encode()

    def page(self, rq, doc):
        """MaxItems versions after Marker (the index of the next one)."""
        versions = doc.get("Versions", [])
        start = int(rq.params.get("Marker") or 0)
        size = int(rq.params.get("MaxItems") or 50)
        doc["Versions"] = versions[start:start + size]
        doc.pop("NextMarker", None)
        if start + size < len(versions):
            doc["NextMarker"] = str(start + size)
            self.bump(self.stats["injected"].setdefault("pages", {}), rq.op)
        return doc


class Handler(cfnproxy.Handler):
    """forward(), reset() and answer() are cfnproxy's: the request goes to
    moto as received."""

    def do_GET(self):
        if self.path == "/proxy-stats":
            with self.proxy.lock:
                body = json.dumps(self.proxy.stats, indent=1, sort_keys=True).encode()
            self.answer(200, [("Content-Type", "application/json")], body)
            return
        self.handle_any()

    def relay(self, body, name):
        """forward(); when moto cannot be reached, answer 502 and give None."""
        try:
            return self.forward(body)
        except OSError as exc:
            sys.stderr.write("%s: upstream failed: %s\n" % (name, exc))
            self.answer(502, [("Content-Type", "text/plain")],
                        ("%s: upstream failed\n" % name).encode())
            return None

    def handle_any(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        rq = Request(self.command, self.path, self.headers, body)
        p = self.proxy
        with p.lock:
            p.bump(p.stats["requests"], rq.op)
            canned = p.fault(rq) or (p.s3_before(rq) if rq.service == "s3" else
                                     p.lambda_before(rq) if rq.service == "lambda" else None)
            if canned:
                self.answer(*canned)
                return
            got = self.relay(body, "svcproxy")
            if not got:
                return
            status, reason, headers, rbody = got
            p.bump(p.stats["forwarded"], rq.op)
            if rq.service == "s3":
                headers, rbody = p.s3_after(rq, status, headers, rbody)
            elif rq.service == "lambda":
                rbody = p.lambda_after(rq, status, rbody)
            if p.take(p.reset_after, rq.op):
                p.injected("reset", rq.op)
                self.reset()
                return
        self.answer(status, headers, rbody, reason)

    do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = handle_any


def main(argv=None):
    ap = argparse.ArgumentParser(prog="svcproxy.py", description="Scripted endpoint in "
                                 "front of moto_server for S3 and Lambda (see the module text).")
    ap.add_argument("--upstream", required=True, help="moto_server URL, http://127.0.0.1:PORT")
    ap.add_argument("--port", type=int, default=0, help="0: pick one, print PORT=<n>")
    ap.add_argument("--throttle", action="append", default=[], metavar="OP[:N]")
    ap.add_argument("--long-error", action="append", default=[], metavar="OP")
    ap.add_argument("--reset-after", action="append", default=[], metavar="OP[:N]")
    ap.add_argument("--corrupt-get", action="append", default=[], metavar="KEY")
    opts = ap.parse_args(argv)
    opts.keep_alive = False     # what cfnproxy's answer() reads

    def counts(specs, flag):
        out = {}
        for spec in specs:
            op, _, n = spec.partition(":")
            if n and n != "all" and not n.isdigit():
                ap.error(flag + " OP[:N]")
            out[op] = "all" if n == "all" else int(n or 1)
        return out
    opts.throttle = counts(opts.throttle, "--throttle")
    opts.reset_after = counts(opts.reset_after, "--reset-after")
    opts.long_error = set(opts.long_error)
    opts.corrupt_get = set(opts.corrupt_get)
    serve(ap, Handler, Proxy(opts), opts.upstream, opts.port)


def serve(ap, handler, proxy, upstream, port):
    """Serve handler (a cfnproxy.Handler) for proxy in front of upstream
    (loopback only) on 127.0.0.1:port (0: any); print PORT=<n> first."""
    up = urllib.parse.urlsplit(upstream)
    if up.scheme != "http" or up.hostname not in cfnproxy.LOOPBACK or not up.port:
        ap.error("--upstream must be http://127.0.0.1:PORT (loopback only)")
    handler.proxy, handler.upstream = proxy, (up.hostname, up.port)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.daemon_threads = True
    print("PORT=%d" % server.server_address[1], flush=True)
    server.serve_forever()      # until SIGTERM (moto.Proxy.stop)


if __name__ == "__main__":
    sys.exit(main())
