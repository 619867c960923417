"""HTTP side of the map benchmark: a gunicorn server on loopback, timed requests, a paced load."""

import gzip
import http.client
import os
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn (2 workers, as `make run`) serving the app on 127.0.0.1 with the bench database."""

    def __init__(self, env, workers=2, threads=4):
        self.port = free_port()
        command = [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--keep-alive",  # as `make run` and compose: longer than nginx's upstream keepalive_timeout
            "75",
            "--log-level",
            "warning",
            "wsgi:app",
        ]
        self.process = subprocess.Popen(
            command, cwd=ROOT, env={**os.environ, **env}, start_new_session=True, stdout=subprocess.DEVNULL
        )

    def wait_ready(self, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn s'est arrêté (code {self.process.returncode})")
            try:
                status, _ = get(self.port, "/healthz")
                if status in (200, 503):
                    return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError("gunicorn n'a pas démarré à temps")

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)


def get(port, path, conn=None):
    """(status, body bytes) of GET path; reuses `conn` (keep-alive) when given."""
    own = conn is None
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        if own:
            conn.close()


def timed_get(port, path, conn):
    started = time.perf_counter()
    status, body = get(port, path, conn)
    return (time.perf_counter() - started) * 1000, status, body


def gzipped_size(body, level):
    return len(gzip.compress(body, compresslevel=level))


def paced_load(port, paths, rate=50, seconds=20, threads=16):
    """Open-loop load: request i is due at t0 + i / rate; latency counts from the due time."""
    total = int(rate * seconds)
    t0 = time.perf_counter() + 0.2
    latencies, errors, lock = [], [], threading.Lock()
    counter = iter(range(total))

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        while True:
            with lock:
                index = next(counter, None)
            if index is None:
                break
            due = t0 + index / rate
            pause = due - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            try:
                status, _ = get(port, paths[index % len(paths)], conn)
            except OSError as error:
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                status = repr(error)
            elapsed = (time.perf_counter() - due) * 1000
            with lock:
                latencies.append(elapsed)
                if status != 200:
                    errors.append(status)
        conn.close()

    pool = [threading.Thread(target=worker, daemon=True) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=seconds + 30)
    wall = time.perf_counter() - t0
    return {
        "requests": len(latencies),
        "errors": len(errors),
        "wall_s": round(wall, 1),
        "latencies": latencies,
    }
