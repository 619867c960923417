"""Reports benchmark (`make bench`): report jobs over the synthetic data at 100 000 and 1 000 000
contributions (1 000 000 and 5 000 000 votes), each run by a separate RQ worker process.

Two reports per size: the biggest consultation (full « bilan » with a 1 000-row annex) and the whole
territory (every contribution and vote, the 21 QPV side by side). The job runs in the work horse of
`rq worker --burst reports`; its progress (job.meta) is sampled every 0.2 s so the figures show how
long the SQL part (0 → 80 %) and the rendering (charts, map, PDF: 80 → 100 %) take. Data come from
`flask dev synth` in `cartecommune_bench`, like the map and exports benchmarks. Target: ≤ 60 s."""

import os
import subprocess
import threading
import time

import psycopg

from bench import _data as data
from bench._data import DATABASE_NAME, DATABASE_URL, ROOT

REDIS_URL = os.environ.get("BENCH_REPORTS_REDIS_URL", "redis://127.0.0.1:6379/13")
REPORT_DIR = ROOT / "var" / "bench" / "reports"
TARGET_SECONDS = 60
ENV = {
    "DATABASE_URL": DATABASE_URL,
    "REDIS_URL": REDIS_URL,
    "REPORT_DIR": str(REPORT_DIR),
    "PYTHONDONTWRITEBYTECODE": "1",
}


def run(args):
    """Run the reports benchmark at each size of args.sizes; returns the figures."""
    started = time.monotonic()
    results = {
        "database": DATABASE_NAME,
        "worker": "rq worker --burst reports",
        "target_seconds": TARGET_SECONDS,
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
            for scope in ("consultation", "territory"):
                figures[scope] = _bench_report(scope)
                print(f"[reports_bench] {size} {scope}: {figures[scope]}", flush=True)
        except Exception as error:  # noqa: BLE001 - one failing size must not hide the others
            figures["error"] = f"{type(error).__name__}: {error}"
    results["load_average"] = [round(value, 2) for value in os.getloadavg()]
    results["seconds"] = round(time.monotonic() - started, 1)
    return results


def _request_report(scope):
    """Record a report version and queue its job, as POST /api/reports does; returns (report id, job id)."""
    from sqlalchemy import func, select

    from app import create_app
    from app.consultations.models import Consultation
    from app.contributions.models import Contribution
    from app.extensions import db, get_queue
    from app.reports.services import enqueue_report, request_report

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": DATABASE_URL, "REDIS_URL": REDIS_URL, "REPORT_DIR": str(REPORT_DIR)}
    )
    with app.app_context():
        get_queue("reports").empty()
        consultation = None
        if scope == "consultation":
            biggest = db.session.execute(
                select(Contribution.consultation_id, func.count())
                .group_by(Contribution.consultation_id)
                .order_by(func.count().desc())
                .limit(1)
            ).first()
            consultation = db.session.get(Consultation, biggest[0])
        report = request_report(None, consultation=consultation, enqueue=False)
        db.session.commit()
        enqueue_report(report)
        ids = (report.id, report.job_id, consultation.slug if consultation else None)
        db.session.remove()
    return ids


class ProgressSampler(threading.Thread):
    """Samples the job's progress (job.meta) every 0.2 s: when did it pass 80 % (SQL done)?"""

    def __init__(self, job):
        super().__init__(daemon=True)
        self.job, self.samples, self.stop = job, [], threading.Event()
        self.started = time.monotonic()

    def run(self):
        while not self.stop.is_set():
            try:
                meta = self.job.get_meta(refresh=True)
            except Exception:  # noqa: BLE001 - the job hash may not exist yet
                meta = {}
            self.samples.append((time.monotonic() - self.started, meta))
            self.stop.wait(0.2)

    def first_at(self, value):
        """Seconds until the job's progress reached `value` (None: claimed, not yet computing)."""
        for seconds, meta in self.samples:
            if "attempt" in meta and (value is None or (meta.get("progress") or 0) >= value):
                return seconds
        return None


def _bench_report(scope):
    from redis import Redis
    from rq.job import Job

    report_id, job_id, slug = _request_report(scope)
    job = Job.fetch(job_id, connection=Redis.from_url(REDIS_URL))
    command = [str(ROOT / ".venv" / "bin" / "rq"), "worker", "--burst", "--url", REDIS_URL, "reports"]
    began = time.monotonic()
    sampler = ProgressSampler(job)
    sampler.start()
    process = subprocess.run(
        command, cwd=ROOT, env={**os.environ, **ENV}, capture_output=True, text=True, timeout=3600
    )
    wall = time.monotonic() - began
    sampler.stop.set()
    job.refresh()
    return {
        **_report_row(report_id),
        **_timings(job, sampler, wall),
        "scope": slug or "territoire",
        "rc": process.returncode,
    }


def _timings(job, sampler, wall):
    seconds = (job.ended_at - job.started_at).total_seconds() if job.ended_at and job.started_at else None
    started = sampler.first_at(None) or 0
    sql_done = sampler.first_at(80)
    return {
        "job_seconds": round(seconds, 1) if seconds else None,
        "sql_seconds": round(sql_done - started, 1) if sql_done else None,
        "worker_wall_seconds": round(wall, 1),
        "within_target": bool(seconds and seconds <= TARGET_SECONDS),
    }


def _report_row(report_id):
    with psycopg.connect(DATABASE_URL, autocommit=True) as conn:
        row = conn.execute(
            "SELECT status, attempts, error, pdf_path, figures->'contributions', figures->'votes',"
            " figures->'participants', figures->'hotspots'->'method' FROM reports WHERE id = %s",
            (report_id,),
        ).fetchone()
    status, attempts, error, pdf_path, contributions, votes, participants, method = row
    result = {"report": report_id, "status": status, "attempts": attempts, "contributions": contributions}
    result.update(votes=votes, participants=participants, dbscan=method)
    if error:
        result["error"] = error[:300]
    if pdf_path:
        from pypdf import PdfReader

        path = REPORT_DIR / pdf_path
        result.update(pdf_pages=len(PdfReader(str(path)).pages), pdf_kib=path.stat().st_size // 1024)
    return result
