"""Uploads benchmark: 8 parallel worst-case photo uploads against gunicorn as `make run` starts it
(2 workers × 4 threads), peak resident memory (VmRSS) of the web workers, sampled from /proc.

Worst case by default: a PNG (decoded whole, no reduced-scale decoding) in RGBA (4 bytes per pixel and
a premultiplied copy when resampled) at the largest pixel count allowed (PHOTO_MAX_PIXELS), so every
upload is accepted and does the most work. `--pixels 49000000` sends the attack of issue 11 instead
(a ~10 KB black-and-white PNG of 49 Mpx). Data: its own database (cartecommune_bench_uploads), the demo
consultations, one resident with an API token and one idea per upload (POST …/photos).

Run alone: `python -m bench.uploads_bench [--pixels N] [--uploads 8]`, or `python -m bench.run --only
uploads_bench` (not part of the default `make bench` run: it measures memory, not the data budgets)."""

import argparse
import io
import json
import os
import secrets
import socket
import struct
import subprocess
import sys
import threading
import time
import urllib.request
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATABASE_URL = os.environ.get(
    "BENCH_UPLOADS_DATABASE_URL", "postgresql://cartecommune@127.0.0.1:5432/cartecommune_bench_uploads"
)
REDIS_URL = os.environ.get("BENCH_UPLOADS_REDIS_URL", "redis://127.0.0.1:6379/13")
MEDIA_DIR = ROOT / "var" / "bench" / "uploads_media"
BUDGET_GROWTH_MB = 400  # per worker: one image slot (~215 MB for 24 Mpx RGBA) plus request buffers
ENV = {
    "DATABASE_URL": DATABASE_URL,
    "REDIS_URL": REDIS_URL,
    "MEDIA_DIR": str(MEDIA_DIR),
    "RATELIMIT_ENABLED": "0",
    "PYTHONDONTWRITEBYTECODE": "1",
}


def run(args):
    """The benchmark as a `bench.run` module: returns the figures."""
    pixels = getattr(args, "pixels", None)
    uploads = getattr(args, "uploads", None) or 8
    try:
        return measure(pixels=pixels, uploads=uploads)
    except Exception as error:  # noqa: BLE001 - reported, not raised, as the other benchmarks do
        return {"error": f"{type(error).__name__}: {error}"}


def measure(pixels=None, uploads=8):
    """Prepare, start gunicorn, send `uploads` parallel uploads, sample the workers' RSS; the figures."""
    from app.config import Config

    pixels = pixels or int(
        os.environ.get("PHOTO_MAX_PIXELS", getattr(Config, "PHOTO_MAX_PIXELS", 24_000_000))
    )
    _prepare()
    token, ideas = _resident_and_ideas(uploads)
    payload, kind = worst_case_png(pixels)
    port = _free_port()
    server = _start_gunicorn(port)
    try:
        workers = _wait_ready(server, port)
        baseline = {pid: _rss_kb(pid) for pid in workers}
        sampler = _Sampler(workers)
        sampler.start()
        started = time.perf_counter()
        with ThreadPoolExecutor(uploads) as pool:
            answers = list(pool.map(lambda idea: _upload(port, token, idea, payload), ideas))
        seconds = time.perf_counter() - started
        time.sleep(0.3)
        sampler.stop()
    finally:
        server.terminate()
        server.wait(timeout=30)
    return _figures(pixels, kind, payload, uploads, answers, seconds, baseline, sampler.peaks)


def _figures(pixels, kind, payload, uploads, answers, seconds, baseline, peaks):
    growth = {pid: (peaks.get(pid, 0) - baseline[pid]) // 1024 for pid in baseline}
    statuses = {}
    for status, _elapsed, _message in answers:
        statuses[str(status)] = statuses.get(str(status), 0) + 1
    return {
        "upload": {"pixels": pixels, "format": kind, "bytes": len(payload)},
        "parallel_uploads": uploads,
        "gunicorn": "2 workers × 4 threads",
        "statuses": statuses,
        "seconds": round(seconds, 2),
        "slowest_upload_s": round(max(elapsed for _s, elapsed, _m in answers), 2),
        "messages": sorted({message for _s, _e, message in answers if message}),
        "workers_baseline_mb": sum(baseline.values()) // 1024,
        "workers_peak_mb": sum(peaks.get(pid, 0) for pid in baseline) // 1024,
        "peak_growth_per_worker_mb": sorted(growth.values()),
        "budgets": {f"growth_per_worker_le_{BUDGET_GROWTH_MB}MB": max(growth.values()) <= BUDGET_GROWTH_MB},
    }


def worst_case_png(pixels):
    """(bytes, description): an RGBA PNG of `pixels` when it fits in 8 MB, else a 1-bit one (the attack)."""
    width = int((pixels * 3 / 2) ** 0.5)
    height = pixels // width
    if pixels <= 30_000_000:
        from PIL import Image

        buffer = io.BytesIO()
        gradient = Image.linear_gradient("L").resize((width, height))
        Image.merge(
            "RGBA", [gradient, gradient.transpose(Image.Transpose.ROTATE_180), gradient, gradient]
        ).save(buffer, "PNG")
        return buffer.getvalue(), f"PNG RGBA {width}×{height}"
    return _png_1bit(width, height), f"PNG 1 bit {width}×{height}"


def _png_1bit(width, height):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" * (1 + (width + 7) // 8)
    compressor = zlib.compressobj(9)
    rows = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")


def _flask(*arguments):
    command = [str(ROOT / ".venv" / "bin" / "flask"), "--app", "wsgi", *arguments]
    env = {**os.environ, **ENV, "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_hex(32)}
    subprocess.run(command, cwd=ROOT, env=env, check=True, timeout=600, capture_output=True, text=True)


def _prepare():
    """Create and migrate the benchmark database; the demo consultations once."""
    name = DATABASE_URL.rsplit("/", 1)[-1]
    subprocess.run(["bash", "scripts/ensure_db.sh", "cartecommune", name], cwd=ROOT, check=False, timeout=60)
    _flask("db", "upgrade", "heads")
    import psycopg

    with psycopg.connect(DATABASE_URL, autocommit=True) as conn:
        consultations = conn.execute("SELECT count(*) FROM consultations").fetchone()[0]
    if not consultations:
        _flask("demo", "seed")


def _resident_and_ideas(count):
    """A confirmed resident's API token and `count` of their ideas (one upload each: 3 photos at most)."""
    from sqlalchemy import select, text

    from app import create_app
    from app.accounts.auth import issue_token
    from app.accounts.models import User
    from app.consultations.models import Consultation, utcnow
    from app.contributions.services import create_contribution
    from app.extensions import db

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": DATABASE_URL, "REDIS_URL": REDIS_URL, "RATELIMIT_ENABLED": False}
    )
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "bench-uploads@exemple.fr"))
        if user is None:
            user = User(
                email="bench-uploads@exemple.fr",
                pseudonym="bench-uploads",
                password_hash="!",
                role="resident",
                confirmed_at=utcnow(),
            )
            db.session.add(user)
            db.session.flush()
        consultation = db.session.scalar(select(Consultation).order_by(Consultation.id).limit(1))
        lon, lat = db.session.execute(
            text(
                "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) AS p FROM consultations WHERE id = :id) s"
            ),
            {"id": consultation.id},
        ).one()
        theme = consultation.themes[0].slug
        point = {"type": "Point", "coordinates": [lon, lat]}
        ideas = [
            create_contribution(user, consultation, point, theme, f"Banc n° {n}", "", refresh_map=False).id
            for n in range(count)
        ]
        token = issue_token(user, name="benchmark des envois")
        db.session.commit()
    return token, ideas


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _start_gunicorn(port):
    """gunicorn as `make run` starts it: 2 workers, 4 threads."""
    command = [
        str(ROOT / ".venv" / "bin" / "gunicorn"),
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "2",
        "--threads",
        "4",
        "wsgi:app",
    ]
    env = {**os.environ, **ENV, "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_hex(32)}
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _wait_ready(server, port, timeout=60):
    """The worker pids once /healthz answers (any status: the app is loaded) and both workers exist."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("gunicorn s'est arrêté au démarrage")
        workers = _children(server.pid)
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/flag-reasons", timeout=2).read()
        except OSError:
            time.sleep(0.3)
            continue
        if len(workers) == 2:
            for _ in range(8):  # warm both workers up (imports done before measuring)
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/flag-reasons", timeout=5).read()
            return workers
        time.sleep(0.3)
    raise RuntimeError("gunicorn ne répond pas")


def _children(pid):
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in path.read_text().split()] if path.exists() else []


def _rss_kb(pid):
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    return int(status.split("VmRSS:")[1].split()[0])


class _Sampler(threading.Thread):
    """Peak VmRSS of each worker, sampled every 20 ms."""

    def __init__(self, pids):
        super().__init__(daemon=True)
        self.pids, self.peaks, self._done = pids, dict.fromkeys(pids, 0), threading.Event()

    def run(self):
        while not self._done.is_set():
            for pid in self.pids:
                self.peaks[pid] = max(self.peaks[pid], _rss_kb(pid))
            time.sleep(0.02)

    def stop(self):
        self._done.set()
        self.join()


def _upload(port, token, idea, payload):
    """(status, seconds, error message) of one multipart upload to POST /api/contributions/<id>/photos."""
    boundary = secrets.token_hex(16)
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="photos"; filename="photo.png"\r\n'
            "Content-Type: image/png\r\n\r\n"
        ).encode()
        + payload
        + f"\r\n--{boundary}--\r\n".encode()
    )
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/contributions/{idea}/photos",
        data=body,
        method="POST",
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": f"multipart/form-data; boundary={boundary}",
        },
    )
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, time.perf_counter() - started, None
    except urllib.error.HTTPError as error:
        message = json.loads(error.read() or b"{}").get("error", {}).get("message")
        return error.code, time.perf_counter() - started, message


def main(argv=None):
    parser = argparse.ArgumentParser(description="Envois de photos en parallèle : mémoire des workers web")
    parser.add_argument("--pixels", type=int, help="pixels de l'image envoyée (défaut : PHOTO_MAX_PIXELS)")
    parser.add_argument("--uploads", type=int, default=8)
    results = measure(**vars(parser.parse_args(argv)))
    print(json.dumps(results, indent=1, ensure_ascii=False))
    return 0 if all(results["budgets"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
