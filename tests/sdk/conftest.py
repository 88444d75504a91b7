"""Starts `gureum serve` for the SDK tests and gives them boto3 clients pointed at it."""
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import boto3
import pytest
from botocore.config import Config

ROOT = Path(__file__).resolve().parents[2]
BIN = os.environ.get("GUREUM_BIN", str(ROOT / "target" / "debug" / "gureum"))
CREDS = dict(aws_access_key_id="test", aws_secret_access_key="test")
NO_RETRY = Config(retries={"max_attempts": 1, "mode": "standard"})


class Server:
    """One `gureum serve` process on a free port, optionally on a data directory."""

    def __init__(self, data=None):
        self.data = data
        self.proc = None
        self.url = None

    def start(self):
        args = [BIN, "serve", "--port", "0"] + (["--data", str(self.data)] if self.data else [])
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        m = re.search(r"at (http://\S+)", line)
        assert m, f"no URL in {line!r}; stderr: {self.proc.stderr.read() if self.proc.poll() is not None else ''}"
        self.url = m.group(1)
        return self

    def stop(self, sig=signal.SIGTERM):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=10)

    def restart(self, sig=signal.SIGTERM):
        self.stop(sig)
        return self.start()

    def client(self, region="us-east-1", service="dynamodb"):
        return boto3.client(service, endpoint_url=self.url, region_name=region, config=NO_RETRY, **CREDS)

    def resource(self, region="us-east-1"):
        return boto3.resource("dynamodb", endpoint_url=self.url, region_name=region, config=NO_RETRY, **CREDS)

    def aws(self, *args):
        """Runs the AWS CLI from the venv against this server; returns (exit code, stdout, stderr)."""
        exe = shutil.which("aws", path=str(Path(sys.executable).parent)) or "aws"
        env = dict(os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", AWS_DEFAULT_REGION="us-east-1", AWS_PAGER="")
        p = subprocess.run([exe, *args, "--endpoint-url", self.url, "--output", "json"], capture_output=True, text=True, env=env, timeout=60)
        return p.returncode, p.stdout, p.stderr


@pytest.fixture
def server():
    s = Server().start()
    yield s
    s.stop()


@pytest.fixture
def durable_server():
    with tempfile.TemporaryDirectory() as d:
        s = Server(Path(d) / "sandbox").start()
        yield s
        s.stop()


def wait_active(client, name):
    client.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 20})


def music_table(client, name="Music", **extra):
    client.create_table(
        TableName=name,
        AttributeDefinitions=[{"AttributeName": "Artist", "AttributeType": "S"}, {"AttributeName": "SongTitle", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "Artist", "KeyType": "HASH"}, {"AttributeName": "SongTitle", "KeyType": "RANGE"}],
        **({"BillingMode": "PAY_PER_REQUEST"} if not extra else extra),
    )
    wait_active(client, name)
