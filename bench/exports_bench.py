"""Exports benchmark (`make bench`): CSV and GeoPackage exports of every contribution, at 100 000 and
1 000 000 contributions, each run as a real RQ job by a separate worker process.

The worker is the production one (`python worker.py --burst --queues exports`): it creates the app
once, and each job runs in a forked work horse. Memory is the resident set size (VmRSS) of the worker
and of its work horse (which shares the worker's pages at fork), sampled from /proc every 0.1 s
together with the job's progress (job.meta), so the figures show whether memory stays flat while
the rows stream; the kernel's peak (ru_maxrss of the reaped children) is reported as well.
Data come from `flask dev synth` in `cartecommune_bench` (same sizes and votes as the map benchmark,
so `make bench` does not regenerate between the two)."""

import os
import resource
import subprocess
import threading
import time
from pathlib import Path

import psycopg

from bench import _data as data
from bench._data import DATABASE_NAME, DATABASE_URL, ROOT

REDIS_URL = os.environ.get("BENCH_EXPORTS_REDIS_URL", "redis://127.0.0.1:6379/12")
EXPORT_DIR = ROOT / "var" / "bench" / "exports"
FORMATS = ("csv", "gpkg")
STATUSES = ["published", "pending", "rejected", "hidden"]
WORKER = [
    str(ROOT / ".venv" / "bin" / "python"),
    "worker.py",
    "--burst",
    "--queues",
    "exports",
    "--no-scheduler",
]
ENV = {
    "DATABASE_URL": DATABASE_URL,
    "REDIS_URL": REDIS_URL,
    "EXPORT_DIR": str(EXPORT_DIR),
    "PYTHONDONTWRITEBYTECODE": "1",
}


def run(args):
    """Run the exports benchmark at each size of args.sizes; returns the figures."""
    started = time.monotonic()
    results = {
        "database": DATABASE_NAME,
        "worker": " ".join(WORKER[1:]),
        "sizes": {},
    }
    try:
        data.prepare(ENV)
    except (subprocess.SubprocessError, OSError) as error:
        return {**results, "error": f"préparation de la base impossible : {error}"}
    for size in data.in_stored_order(getattr(args, "sizes", None) or [100_000, 1_000_000]):
        figures = results["sizes"].setdefault(str(size), {})
        try:
            figures["data"] = data.ensure_size(ENV, size)
            for fmt in FORMATS:
                figures[fmt] = _bench_export(size, fmt)
                print(f"[exports_bench] {size} {fmt}: {figures[fmt]}", flush=True)
        except Exception as error:  # noqa: BLE001 - one failing size must not hide the others
            figures["error"] = f"{type(error).__name__}: {error}"
    results["seconds"] = round(time.monotonic() - started, 1)
    return results


def _request_export(fmt):
    """Record the export and queue its job, as POST /api/exports does; returns (export id, job id)."""
    from sqlalchemy import select

    from app import create_app
    from app.accounts.models import User
    from app.consultations.models import Consultation
    from app.exports import services
    from app.extensions import db, get_queue

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": DATABASE_URL, "REDIS_URL": REDIS_URL, "EXPORT_DIR": str(EXPORT_DIR)}
    )
    with app.app_context():
        get_queue("exports").empty()
        # No clean-up job in the measured burst: only the export runs in the work horse.
        get_queue("exports").connection.set("exports:purge-scheduled", 1, ex=3600)
        user = db.session.scalar(select(User).where(User.pseudonym == "BancDEssaiExports"))
        if user is None:
            user = User(email=None, pseudonym="BancDEssaiExports", role="urbanist")
            db.session.add(user)
            db.session.flush()
        slugs = db.session.scalars(select(Consultation.slug).order_by(Consultation.id)).all()
        data = {"format": fmt, "consultations": slugs, "crs": "EPSG:2154", "statuses": STATUSES}
        export = services.request_export(user, data)
        db.session.commit()
        ids = (export.id, export.job_id)
        db.session.remove()
    return ids


class Sampler(threading.Thread):
    """Samples every 0.1 s the RSS of a worker and of its work horse, and the job's progress."""

    def __init__(self, pid, job):
        super().__init__(daemon=True)
        self.pid, self.job = pid, job
        self.samples = []  # (seconds, progress, worker MiB, horse MiB)
        self.stop = threading.Event()
        self.started = time.monotonic()

    def run(self):
        while not self.stop.is_set():
            worker, horse = _rss(self.pid), sum(_rss(child) for child in _children(self.pid))
            try:
                progress = self.job.get_meta(refresh=True).get("progress", 0)
            except Exception:  # noqa: BLE001 - the job hash may not exist yet
                progress = 0
            self.samples.append((round(time.monotonic() - self.started, 1), progress, worker, horse))
            self.stop.wait(0.1)


def _children(pid):
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    direct = [int(child) for child in text.split()]
    return direct + [grandchild for child in direct for grandchild in _children(child)]


def _rss(pid):
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0


def _bench_export(size, fmt):
    from redis import Redis
    from rq.job import Job

    export_id, job_id = _request_export(fmt)
    job = Job.fetch(job_id, connection=Redis.from_url(REDIS_URL))
    began = time.monotonic()
    process = subprocess.Popen(
        WORKER,
        cwd=ROOT,
        env={**os.environ, **ENV},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    sampler = Sampler(process.pid, job)
    sampler.start()
    output, _ = process.communicate(timeout=3600)
    wall = time.monotonic() - began
    sampler.stop.set()
    sampler.join()
    job.refresh()
    return _figures(size, fmt, export_id, job, wall, sampler.samples, output)


def _figures(size, fmt, export_id, job, wall, samples, output):
    with psycopg.connect(DATABASE_URL, autocommit=True) as conn:
        status, rows, file_path, file_size, error = conn.execute(
            "SELECT status, row_count, file_path, file_size, error FROM exports WHERE id = %s", (export_id,)
        ).fetchone()
    if status != "finished":
        return {"status": status, "error": error, "worker_output": output[-1500:]}
    path = EXPORT_DIR / file_path
    checked = _check_file(path, fmt)
    path.unlink(missing_ok=True)
    horse = [sample for sample in samples if sample[3] > 0]
    job_seconds = (job.ended_at - job.started_at).total_seconds() if job.ended_at and job.started_at else None
    return {
        "rows": rows,
        "rows_expected": size,
        "rows_read_back": checked,
        "file_mib": round(file_size / 2**20, 1),
        "job_seconds": round(job_seconds, 1) if job_seconds else None,
        "worker_wall_seconds": round(wall, 1),
        "rows_per_second": round(rows / job_seconds) if job_seconds else None,
        "horse_peak_rss_mib": round(max((s[3] for s in horse), default=0), 1),
        "horse_rss_mib_by_progress": _by_progress(horse),
        "worker_peak_rss_mib": round(max((s[2] for s in samples), default=0), 1),
        # What the export added to the work horse from its first sample (forked from the worker).
        "horse_growth_mib": round(max((s[3] for s in horse), default=0) - (horse[0][3] if horse else 0), 1),
        "ru_maxrss_children_mib": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1),
        "samples": len(samples),
    }


def _by_progress(samples):
    """RSS of the work horse when the job reached 0, 25, 50, 75 and 95 %: flat if memory does not grow."""
    figures = {}
    for mark in (0, 25, 50, 75, 95):
        reached = [sample for sample in samples if mark <= sample[1] < 100]
        if reached:
            figures[f"{mark}%"] = round(reached[0][3], 1)
    return figures


def _check_file(path, fmt):
    """Rows read back by an independent reader (the csv module / pyogrio)."""
    if fmt == "csv":
        import csv

        with open(path, encoding="utf-8-sig", newline="") as handle:
            return sum(1 for _ in csv.reader(handle, delimiter=";")) - 1
    import pyogrio

    layers = [name for name, kind in pyogrio.list_layers(path) if name.startswith("contributions_")]
    return sum(pyogrio.read_info(path, layer=name)["features"] for name in layers)
