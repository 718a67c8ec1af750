"""moto_server with two fixes to its signature check (non-S3 services),
for tests/e2e/test_services.py. moto 5.2.1 refuses these signed requests,
boto3's own included (SignatureDoesNotMatch):
- a GET (or HEAD, DELETE): moto hashes the parsed query parameters as the
  payload, where AWS and every SDK hash the empty body sent; so every
  Lambda read. Here such a request is checked against its empty body.
- a path with encoded characters (a Lambda function named by its ARN,
  /2015-03-31/functions/arn%3Aaws%3Alambda...): moto signs the decoded
  path, where SigV4 (outside S3) encodes the path as sent once more. Here
  the path is encoded back as sent (the SDKs encode every byte but
  A-Z a-z 0-9 - _ . ~ and '/') before it is checked.
Everything else is moto_server as installed, run with the same arguments
(python3 tests/e2e/motofix.py -H HOST -p PORT)."""
import os
import sys
import urllib.parse

# tests/e2e/moto.py, beside this file, is not the moto package
sys.path = [p for p in sys.path if os.path.abspath(p or ".") != os.path.dirname(os.path.abspath(__file__))]
from moto.iam import access_control  # noqa: E402

_create = access_control.IAMRequestBase._create_aws_request


def _create_aws_request(self):
    request = _create(self)
    if self._method in ("GET", "HEAD", "DELETE") and not self._body:
        request.data = b""
    if self._service != "s3":
        path, mark, query = self._path.partition("?")
        request.url = urllib.parse.quote(path, safe="/-_.~") + mark + query
    return request


access_control.IAMRequestBase._create_aws_request = _create_aws_request

if __name__ == "__main__":
    from moto.server import main
    sys.exit(main())
