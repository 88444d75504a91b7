"""Runs `gureum serve` as a subprocess for the SDK tests and points real clients at it.

The binary is $GUREUM_BIN (default: ROOT/target/debug/gureum). Every server listens on a free
port (--port 0; the URL is read from the line it prints on start) and keeps its sandbox in a
temporary --data directory, so a test can stop it (gracefully or with SIGKILL) and start it
again on the same data.

Run with: bash scripts/python-env && .venv/bin/python -m pytest tests/sdk -q
"""
import json
import os
import re
import select
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import boto3
import pytest
from botocore.config import Config

ROOT = Path(__file__).resolve().parents[2]
GUREUM_BIN = Path(os.environ.get("GUREUM_BIN", ROOT / "target" / "debug" / "gureum"))
ACCESS_KEY, SECRET_KEY = "test", "test"
# One attempt: a retry would hide an error the server should not have returned.
NO_RETRIES = Config(retries={"total_max_attempts": 1, "mode": "standard"}, connect_timeout=5, read_timeout=30)  # total_max_attempts counts the first call; max_attempts does not
URL_LINE = re.compile(r"Gureum is serving AWS APIs at (http://\S+) \(")
START_TIMEOUT = 20.0


def aws_cli_path():
    """The venv's `aws` (next to the interpreter running the tests)."""
    path = Path(sys.executable).parent / "aws"
    if not path.is_file():
        pytest.fail(f"no AWS CLI at {path}: run the tests with the venv's python (bash scripts/python-env)")
    return path


class GureumServer:
    """One `gureum serve --port 0 --data DIR` process; can be stopped and started again."""

    def __init__(self, data_dir: Path, log_dir: Path):
        self.data_dir = data_dir
        self.log_dir = log_dir
        self.proc = None
        self.url = None
        self.starts = 0

    # --- process lifecycle -------------------------------------------------------------------

    def start(self):
        assert self.proc is None, "already running"
        if not GUREUM_BIN.is_file():
            pytest.fail(f"{GUREUM_BIN} does not exist: run `cargo build -p gureum-server` or set GUREUM_BIN")
        self.starts += 1
        self.stderr_path = self.log_dir / f"gureum-stderr-{self.starts}.log"
        stderr = open(self.stderr_path, "wb")
        self.proc = subprocess.Popen(
            [str(GUREUM_BIN), "serve", "--port", "0", "--data", str(self.data_dir)],
            stdout=subprocess.PIPE, stderr=stderr, stdin=subprocess.DEVNULL,
        )
        stderr.close()
        line = self._read_start_line()
        m = URL_LINE.search(line)
        if not m:
            self._abort(f"unexpected start line {line!r}")
        self.url = m.group(1)
        # Keep reading stdout so the server can never block on a full pipe.
        threading.Thread(target=self._drain, args=(self.proc.stdout,), daemon=True).start()
        return self

    @staticmethod
    def _drain(stream):
        with stream:
            while stream.read1(65536):
                pass

    def _read_start_line(self):
        deadline = time.monotonic() + START_TIMEOUT
        buf = b""
        fd = self.proc.stdout.fileno()
        while b"\n" not in buf:
            left = deadline - time.monotonic()
            if left <= 0:
                self._abort(f"no start line within {START_TIMEOUT} s (stdout so far: {buf!r})")
            ready, _, _ = select.select([fd], [], [], min(left, 0.5))
            if ready:
                chunk = os.read(fd, 4096)
                if not chunk:
                    self._abort(f"gureum exited before printing its URL (stdout: {buf!r})")
                buf += chunk
        return buf.split(b"\n", 1)[0].decode()

    def _abort(self, why):
        self.kill()
        pytest.fail(f"gureum serve did not start: {why}\nstderr:\n{self.stderr_text()}")

    def stderr_text(self):
        try:
            return Path(self.stderr_path).read_text(errors="replace")
        except OSError:
            return ""

    def _end(self, sig):
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            code = self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait(timeout=15)
        self.proc = None
        self.url = None
        return code

    def stop(self):
        """Graceful stop: SIGTERM, as a service manager or `kill PID` would send."""
        return self._end(signal.SIGTERM)

    def kill(self):
        """Hard stop: SIGKILL (kill -9); nothing in the process gets to run."""
        return self._end(signal.SIGKILL)

    def restart(self, hard=False):
        self.kill() if hard else self.stop()
        return self.start()

    # --- clients ---------------------------------------------------------------------------------

    def client(self, region="us-east-1", config=NO_RETRIES, service="dynamodb"):
        return boto3.client(
            service, endpoint_url=self.url, region_name=region,
            aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY, config=config,
        )

    def resource(self, region="us-east-1", config=NO_RETRIES):
        return boto3.resource(
            "dynamodb", endpoint_url=self.url, region_name=region,
            aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY, config=config,
        )

    def control(self, operation, body=None):
        """POST /_gureum/control/{operation}; returns the decoded JSON answer."""
        req = urllib.request.Request(
            f"{self.url}/_gureum/control/{operation}", data=json.dumps(body or {}).encode(),
            headers={"Content-Type": "application/json"}, method="POST",
        )
        with urllib.request.urlopen(req, timeout=10) as resp:
            return json.loads(resp.read())

    def _aws_cmd(self, args, region):
        env = dict(
            os.environ, AWS_ACCESS_KEY_ID=ACCESS_KEY, AWS_SECRET_ACCESS_KEY=SECRET_KEY,
            AWS_DEFAULT_REGION=region, AWS_PAGER="", AWS_CONFIG_FILE=os.devnull,
            AWS_SHARED_CREDENTIALS_FILE=os.devnull, AWS_MAX_ATTEMPTS="1",
        )
        env.pop("AWS_PROFILE", None)
        env.pop("AWS_SESSION_TOKEN", None)
        return [str(aws_cli_path()), *args, "--endpoint-url", self.url], env

    def aws(self, *args, region="us-east-1", timeout=120):
        """Runs the venv's AWS CLI (v1) against this server; returns the CompletedProcess."""
        cmd, env = self._aws_cmd(args, region)
        return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)

    def aws_popen(self, *args, region="us-east-1"):
        """Starts the AWS CLI in the background (stdout and stderr piped, text mode)."""
        cmd, env = self._aws_cmd(args, region)
        return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


@pytest.fixture
def server(tmp_path):
    """A running server on a fresh data directory; stopped (SIGTERM) after the test."""
    data = tmp_path / "data"
    data.mkdir()
    s = GureumServer(data, tmp_path).start()
    try:
        yield s
    finally:
        s.stop()


@pytest.fixture
def ddb(server):
    """A boto3 DynamoDB client for us-east-1 with retries off."""
    return server.client()


def error_of(excinfo):
    """(code, message, HTTP status) of a botocore ClientError."""
    r = excinfo.value.response
    return r["Error"]["Code"], r["Error"]["Message"], r["ResponseMetadata"]["HTTPStatusCode"]


FAST_WAIT = {"Delay": 0.2, "MaxAttempts": 100}


def wait_exists(client, name):
    """boto3's `table_exists` waiter, polling every 0.2 s instead of every 20 s."""
    client.get_waiter("table_exists").wait(TableName=name, WaiterConfig=FAST_WAIT)


def make_table(client, name, hash_key=("pk", "S"), range_key=None, provisioned=None, wait=True):
    """Creates a table (PAY_PER_REQUEST unless `provisioned=(rcu, wcu)`), waits until ACTIVE."""
    attrs = [{"AttributeName": hash_key[0], "AttributeType": hash_key[1]}]
    schema = [{"AttributeName": hash_key[0], "KeyType": "HASH"}]
    if range_key:
        attrs.append({"AttributeName": range_key[0], "AttributeType": range_key[1]})
        schema.append({"AttributeName": range_key[0], "KeyType": "RANGE"})
    kwargs = dict(TableName=name, AttributeDefinitions=attrs, KeySchema=schema)
    if provisioned:
        kwargs["ProvisionedThroughput"] = {"ReadCapacityUnits": provisioned[0], "WriteCapacityUnits": provisioned[1]}
    else:
        kwargs["BillingMode"] = "PAY_PER_REQUEST"
    out = client.create_table(**kwargs)["TableDescription"]
    if wait:
        wait_exists(client, name)
    return out
