"""Resilience tests: a Redis server of their own, real worker and web processes on the test database."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """A throw-away `redis-server` (no persistence: a restart loses every key, as after a crash)."""

    def __init__(self, port=None):
        self.port = port or free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@pytest.fixture
def redis_server():
    server = RedisServer().start()
    yield server
    server.stop()


def process_env(app, **extra):
    """Environment of a web or worker process on the test database (and the given overrides)."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        REDIS_URL=app.config["REDIS_URL"],
        EXPORT_DIR=app.config["EXPORT_DIR"],
        REPORT_DIR=app.config["REPORT_DIR"],
        MEDIA_DIR=app.config["MEDIA_DIR"],
        MAIL_OUTBOX_DIR=app.config["MAIL_OUTBOX_DIR"],
        CARTE_ENV="test",
        SECRET_KEY=app.config["SECRET_KEY"],
        MAP_TILES_URL="",
        GEOCODER_URL="http://127.0.0.1:9",
        PYTHONPATH=str(ROOT),
        WORKER_RELAY_INTERVAL="1",
    )
    env.update({key: str(value) for key, value in extra.items()})
    return env


class Process:
    """A child process in its own session (killed with its children), output in a log file."""

    def __init__(self, command, env, log_path):
        self.log_path = Path(log_path)
        self.log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.pid = self.process.pid

    def alive(self):
        return self.process.poll() is None

    def output(self):
        self.log.flush()
        return self.log_path.read_text(errors="replace")

    def stop(self):
        if self.alive():
            os.killpg(self.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        self.log.close()


def start_worker(app, log_path, *args, **env):
    return Process([sys.executable, "worker.py", *args], process_env(app, **env), log_path)


def wait_until(predicate, seconds, message, step=0.2):
    """Poll `predicate` until it returns a truthy value; its value, or an AssertionError.

    `message` may be a callable (the worker's log, read when the wait failed)."""
    deadline = time.monotonic() + seconds
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(message() if callable(message) else message)
        time.sleep(step)
