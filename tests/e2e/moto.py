"""Start moto_server on 127.0.0.1 (a free port, signature checking on),
bootstrap an IAM user, and stop it by its PID. Used by the e2e tests and
bench/deploy. Nothing here talks to anything but loopback."""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

HOST = "127.0.0.1"
REGION = "us-east-1"
ACCOUNT = "123456789012"   # moto's account
HERE = os.path.dirname(os.path.abspath(__file__))


def free_port():
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _post(url, body, ctype="text/plain"):
    req = urllib.request.Request(url, data=body.encode(), method="POST",
                                 headers={"Content-Type": ctype})
    with urllib.request.urlopen(req, timeout=30) as r:
        return r.read()


class Moto:
    """moto_server with INITIAL_NO_AUTH_ACTION_COUNT=0: every request is
    signature-checked and IAM-authorized."""

    SERVER = ["moto_server"]    # the command; a subclass may run another

    def __init__(self):
        self.log = None
        for _ in range(5):
            if self._start(free_port()):
                break
        else:
            raise RuntimeError("moto_server: no free port in 5 tries: " + self._log_text())
        self.key_id, self.secret = self.make_user("ci", [{"Effect": "Allow", "Action": "*", "Resource": "*"}])

    def _log_text(self):
        with open(self.log.name, errors="replace") as f:
            return f.read()[-2000:]

    def _start(self, port):
        """Start moto_server on port; False when another process took the
        port first (free_port only picks one: a test script running in
        parallel may bind it before moto does, and moto_server then exits
        saying so). Ready once its own log says it runs on that port, so
        that an answer from another server on it is never taken for ours."""
        if self.log:
            os.unlink(self.log.name)
        self.port = port
        self.url = f"http://{HOST}:{port}"
        self.log = tempfile.NamedTemporaryFile(prefix="moto-", suffix=".log", delete=False)
        env = dict(os.environ, INITIAL_NO_AUTH_ACTION_COUNT="0")
        self.proc = subprocess.Popen([*self.SERVER, "-H", HOST, "-p", str(port)],
                                     stdout=self.log, stderr=subprocess.STDOUT, env=env,
                                     start_new_session=True)
        deadline = time.time() + 60
        while True:
            if self.proc.poll() is not None:
                text = self._log_text()
                if "in use" in text:
                    return False
                raise RuntimeError("moto_server did not start: " + text)
            if f"Running on {self.url}" in self._log_text():
                try:
                    urllib.request.urlopen(self.url + "/moto-api/", timeout=2).read()
                    return True
                except Exception:
                    pass
            if time.time() > deadline:
                text = self._log_text()
                self.stop()
                raise RuntimeError("moto_server did not start in 60 s: " + text)
            time.sleep(0.2)

    def auth(self, on):
        """Signature checking on, or off (to bootstrap)."""
        _post(self.url + "/moto-api/reset-auth", "0" if on else "inf")

    def free_actions(self, n):
        """Let the next n requests through unchecked, then check again."""
        _post(self.url + "/moto-api/reset-auth", str(n))

    def aws(self, *args, key=None):
        """The aws CLI against moto (a peer and a bootstrap tool)."""
        env = dict(os.environ, AWS_ACCESS_KEY_ID=key[0] if key else self.key_id,
                   AWS_SECRET_ACCESS_KEY=key[1] if key else self.secret,
                   AWS_DEFAULT_REGION=REGION, AWS_PAGER="")
        for k in ("AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE"):
            env.pop(k, None)
        p = subprocess.run(["aws", "--endpoint-url", self.url, "--output", "json", *args],
                           capture_output=True, text=True, env=env, timeout=120)
        if p.returncode != 0:
            raise RuntimeError(f"aws {' '.join(args)}: {p.stderr}")
        return json.loads(p.stdout) if p.stdout.strip() else None

    def client(self, service, key=None):
        """A boto3 client (a peer, and a bootstrap tool that starts in
        milliseconds where the aws CLI takes a second) with the ci user's
        keys, or key = (id, secret)."""
        import boto3    # only the tests that use it pay for the import
        key = key or (self.key_id, self.secret)
        return boto3.client(service, region_name=REGION, endpoint_url=self.url,
                            aws_access_key_id=key[0], aws_secret_access_key=key[1])

    def make_user(self, name, statements):
        """A user with an inline policy and an access key (auth off meanwhile)."""
        self.auth(False)
        try:
            iam = self.client("iam", key=("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"))
            iam.create_user(UserName=name)
            iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=json.dumps(
                {"Version": "2012-10-17", "Statement": statements}))
            k = iam.create_access_key(UserName=name)["AccessKey"]
        finally:
            self.auth(True)
        return k["AccessKeyId"], k["SecretAccessKey"]

    def stack(self, name):
        """The stack as describe-stacks shows it, or None when moto answers
        that there is no such stack (ValidationError "Stack with id NAME
        does not exist"). Any other failure (moto unreachable, refused
        credentials, another error) raises: a check that a stack is absent
        must not pass because the lookup failed."""
        from botocore.exceptions import ClientError
        try:
            return self.client("cloudformation").describe_stacks(StackName=name)["Stacks"][0]
        except ClientError as x:
            err = x.response.get("Error", {})
            if (err.get("Code") == "ValidationError" and
                    err.get("Message") == f"Stack with id {name} does not exist"):
                return None
            raise

    def change_sets(self, name, waiting=False):
        """Change sets of a stack (moto lists every stack's, executed ones
        too); waiting: only those still waiting for review."""
        return [c for c in self.client("cloudformation").list_change_sets(StackName=name)["Summaries"]
                if c["StackName"] == name and (not waiting or c.get("ExecutionStatus") == "AVAILABLE")]

    def reset(self):
        """Wipe all state (and make the ci user again)."""
        _post(self.url + "/moto-api/reset", "", "application/json")
        self.key_id, self.secret = self.make_user("ci", [{"Effect": "Allow", "Action": "*", "Resource": "*"}])

    def env(self, **extra):
        """An environment for luaform with the ci user's keys and nothing else."""
        e = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "ACTIONS_"))}
        e.update(AWS_ACCESS_KEY_ID=self.key_id, AWS_SECRET_ACCESS_KEY=self.secret,
                 AWS_REGION=REGION, AWS_CONFIG_FILE="/nonexistent/config",
                 AWS_SHARED_CREDENTIALS_FILE="/nonexistent/credentials", NO_COLOR="1")
        e.update(extra)
        return {k: v for k, v in e.items() if v is not None}

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        os.unlink(self.log.name)


class FixedMoto(Moto):
    """moto_server with tests/e2e/motofix.py's fixes to its signature check
    (signed Lambda GETs, encoded paths): for tests that read Lambda."""
    SERVER = [sys.executable, os.path.join(HERE, "motofix.py")]


def find_awscall(luaform_bin, root):
    """build/tests/awscall (tests/e2e/awscall.c) beside the luaform under
    test (build-asan/ too), or $AWSCALL_BIN."""
    if os.environ.get("AWSCALL_BIN"):
        return os.environ["AWSCALL_BIN"]
    for d in (os.path.dirname(luaform_bin), os.path.join(root, "build")):
        p = os.path.join(d, "tests", "awscall")
        if os.path.exists(p):
            return p
    sys.exit("awscall not built: run make units")


class Proxy:
    """tests/e2e/cfnproxy.py in front of moto: scripted states and faults."""

    SCRIPT = "cfnproxy.py"      # a subclass may run another scripted endpoint

    def __init__(self, upstream, *args):
        self.proc = subprocess.Popen([sys.executable, os.path.join(HERE, self.SCRIPT),
                                      "--upstream", upstream, "--port", "0", *args],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                                     start_new_session=True)
        line = self.proc.stdout.readline().strip()
        if not line.startswith("PORT="):
            raise RuntimeError("cfnproxy did not start: " + line)
        self.port = int(line[5:])
        self.url = f"http://{HOST}:{self.port}"

    def stats(self):
        with urllib.request.urlopen(self.url + "/proxy-stats", timeout=10) as r:
            return json.loads(r.read())

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=10)


class DriftProxy(Proxy):
    """tests/e2e/driftproxy.py in front of moto: drift detection, Lambda
    code hashes and aliases from a scenario (see its docstring)."""
    SCRIPT = "driftproxy.py"

    def scenario(self, doc):
        """Replace the scenario the proxy answers from."""
        req = urllib.request.Request(self.url + "/proxy-scenario", data=json.dumps(doc).encode(),
                                     method="POST", headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as r:
            r.read()

    def count(self, kind, op):
        return self.stats()[kind].get(op, 0)


def have_tools():
    return all(shutil.which(t) for t in ("moto_server", "aws"))
