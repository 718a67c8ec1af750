#!/usr/bin/env python3
"""http_server.py: a loopback-only HTTP/1.1 server for tests/unit/test_http.c.

Binds 127.0.0.1 on a free port, prints "PORT <n>" and serves until killed.

  /echo...        200, body lists method, path, client port, headers, body
  /status/<code>  that status with an XML AWS error body
  /big/<n>        n bytes with Content-Length
  /chunked/<n>    n bytes, chunked, without Content-Length
  /redirect       302 to /echo
  /close          reads the request, closes without answering
  /once/<key>     counts the request, then resets the connection (RST)
                  without a response byte: a service that ran a call and
                  whose answer was lost
  /hits/<key>     200, the body is how many /once/<key> requests came
  /hang           reads the request, never answers
  /err/<key>/<status>/<form>
                  counts the request under key (see /hits/), then answers
                  status with an AWS error: form "json" (REST-JSON:
                  x-amzn-ErrorType header, namespaced "__type", "message";
                  TooManyRequestsException for 429, else
                  InvalidParameterValueException),
                  "long" (JSON, a message of 3000 bytes of words), "xml"
                  (Query Throttling), "empty" (no body)
"""
import json
import os
import socket
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


HITS = {}
HITS_LOCK = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def _reply(self, status, body, ctype="text/plain", extra=()):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for name, value in extra:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _handle(self):
        body = self._read_body()
        path = self.path
        if path.startswith("/echo"):
            lines = ["method=" + self.command, "path=" + path,
                     "port=%d" % self.client_address[1]]
            for name, value in self.headers.items():
                lines.append("h:%s=%s" % (name.lower(), value))
            lines.append("bodylen=%d" % len(body))
            out = ("\n".join(lines) + "\nbody=").encode() + body
            self._reply(200, out, extra=[
                ("x-amzn-RequestId", "req-123"),
                ("X-Amz-Request-Id", "s3-456"),
                ("Retry-After", "7"),
                ("X-Folded", "  spaced  "),
                ("Set-Cookie", "session=supersecretcookie"),
            ])
        elif path.startswith("/status/"):
            code = int(path.split("/")[2])
            self._reply(code, b"<ErrorResponse><Error><Code>Throttling</Code>"
                        b"</Error></ErrorResponse>", "text/xml")
        elif path.startswith("/big/"):
            self._reply(200, b"x" * int(path.split("/")[2]))
        elif path.startswith("/chunked/"):
            n = int(path.split("/")[2])
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            while n > 0:
                k = min(n, 1000)
                self.wfile.write(b"%x\r\n" % k + b"y" * k + b"\r\n")
                n -= k
            self.wfile.write(b"0\r\n\r\n")
        elif path == "/redirect":
            self._reply(302, b"", extra=[("Location", "/echo")])
        elif path.startswith("/close"):
            self.close_connection = True
        elif path.startswith("/once/"):
            with HITS_LOCK:
                HITS[path[6:]] = HITS.get(path[6:], 0) + 1
            # SO_LINGER 0: close() sends an RST, not a FIN
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
        elif path.startswith("/err/"):
            _, _, key, status, form = path.split("?")[0].split("/")[:5]
            with HITS_LOCK:
                HITS[key] = HITS.get(key, 0) + 1
            self._error(int(status), form)
        elif path.startswith("/hits/"):
            with HITS_LOCK:
                n = HITS.get(path[6:], 0)
            self._reply(200, str(n).encode())
        elif path.startswith("/hang"):
            time.sleep(30)
            self.close_connection = True
        else:
            self._reply(404, b"not found")

    def _error(self, status, form):
        extra = [("x-amzn-RequestId", "req-err-1")]
        if form in ("json", "long"):
            words = " ".join("word%d" % i for i in range(400))
            code = ("TooManyRequestsException" if status == 429
                    else "InvalidParameterValueException")
            body = json.dumps({
                "__type": "com.amazonaws.lambda#" + code,
                "message": words if form == "long" else
                "Rate exceeded" if status == 429 else "Bad value",
                "Type": "User"}).encode()
            extra.append(("x-amzn-ErrorType", code + ":http://internal.amazon.com/coral/"))
            self._reply(status, body, "application/json", extra)
        elif form == "xml":
            self._reply(status, b"<ErrorResponse><Error><Code>Throttling</Code><Message>"
                        b"Rate exceeded</Message></Error></ErrorResponse>", "text/xml", extra)
        else:
            self._reply(status, b"", extra=extra)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _handle


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def shutdown_request(self, request):
        try:
            super().shutdown_request(request)
        except OSError:
            pass    # /once closed it already

    def handle_error(self, request, client_address):
        pass    # clients that abort (body cap, timeout) reset connections


def main():
    server = Server(("127.0.0.1", 0), Handler)
    # A watchdog, in case the test dies before killing us.
    threading.Timer(60, lambda: os._exit(0)).start()
    print("PORT %d" % server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
