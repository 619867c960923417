"""Weekly digest benchmark (`make bench`): 100 000 followers over the synthetic data set.

100 000 residents follow a QPV (one in five also a consultation); a week of « new idea » events (three
per QPV) is fanned out with the service's set-based INSERT … SELECT, then the weekly digest job runs
in a real worker (`python worker.py --burst --queues mail`, forking work horse) and mails every
follower through SMTP to a local sink (aiosmtpd, counts only). The horse's memory (RSS) is sampled
every 0.2 s with the number of users done (job.meta): it must stay flat — batches of
NOTIFICATION_DIGEST_BATCH users, a fixed number of SQL statements per batch, none per recipient."""

import os
import socket
import subprocess
import time
from pathlib import Path

import psycopg

from bench import _data as data
from bench._data import DATABASE_NAME, DATABASE_URL, ROOT

REDIS_URL = os.environ.get("BENCH_DIGEST_REDIS_URL", "redis://127.0.0.1:6379/12")
FOLLOWERS = int(os.environ.get("BENCH_DIGEST_FOLLOWERS", 100_000))
EVENTS_PER_QPV = 3
ENV = {"DATABASE_URL": DATABASE_URL, "REDIS_URL": REDIS_URL, "PYTHONDONTWRITEBYTECODE": "1"}


def run(args):
    """Run the digest benchmark at each size of args.sizes (the coordinator's note: 100 000)."""
    results = {"database": DATABASE_NAME, "followers": FOLLOWERS, "sizes": {}}
    try:
        data.prepare(ENV)
    except (subprocess.SubprocessError, OSError) as error:
        return {**results, "error": f"préparation de la base impossible : {error}"}
    for size in data.in_stored_order(getattr(args, "sizes", None) or [100_000]):
        figures = results["sizes"].setdefault(str(size), {})
        try:
            figures["data"] = data.ensure_size(ENV, size)
            figures["followers"] = _followers()
            figures["fanout"] = _fan_out()
            figures["digest"] = _digest()
            print(f"[digest_bench] {size}: {figures}", flush=True)
        except Exception as error:  # noqa: BLE001 - one failing size must not hide the others
            figures["error"] = f"{type(error).__name__}: {error}"
    results["load_average"] = [round(value, 2) for value in os.getloadavg()]
    return results


def _followers():
    """FOLLOWERS bench users following a QPV that has ideas (round robin), 1 in 5 also a consultation."""
    began = time.monotonic()
    with psycopg.connect(DATABASE_URL, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO users (email, pseudonym, role, created_at, session_version, confirmed_at)"
            " SELECT 'suiveur-' || i || '@digest.invalid', 'suiveur-' || i, 'resident', now(), 1, now()"
            " FROM generate_series(1, %s) i ON CONFLICT DO NOTHING",
            (FOLLOWERS,),
        )
        conn.execute("ANALYZE users")
        conn.execute(
            "DELETE FROM follows WHERE user_id IN (SELECT id FROM users WHERE email LIKE '%@digest.invalid')"
        )
        conn.execute(
            """
WITH q AS MATERIALIZED (SELECT qpv_code, row_number() OVER (ORDER BY qpv_code) - 1 AS n, count(*) OVER () AS total
             FROM (SELECT DISTINCT qpv_code FROM contributions WHERE qpv_code IS NOT NULL) s),
     u AS MATERIALIZED (SELECT id, row_number() OVER (ORDER BY id) AS n FROM users WHERE email LIKE '%@digest.invalid')
INSERT INTO follows (user_id, target_type, target_key, origin, active, created_at)
SELECT u.id, 'qpv', q.qpv_code, 'manual', true, now() FROM u JOIN q ON q.n = u.n % q.total
UNION ALL
SELECT u.id, 'consultation', c.id::text, 'manual', true, now()
  FROM u JOIN LATERAL (SELECT id FROM consultations ORDER BY id OFFSET u.n % 3 LIMIT 1) c ON true
 WHERE u.n % 5 = 0
"""
        )
        conn.execute("ANALYZE follows")
        rows = conn.execute("SELECT target_type, count(*) FROM follows GROUP BY 1 ORDER BY 1").fetchall()
    return {"follows": dict(rows), "seconds": round(time.monotonic() - began, 1)}


def _app():
    from app import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": DATABASE_URL, "REDIS_URL": REDIS_URL})


def _fan_out():
    """A week of « new idea » events through the service's fan-out SQL; seconds and rows created."""
    from sqlalchemy import text

    from app.extensions import db
    from app.notifications.fanout import create_notifications

    app = _app()
    with app.app_context():
        db.session.execute(text("TRUNCATE notifications"))
        events = db.session.execute(
            text(
                "SELECT id, title, consultation_id FROM (SELECT id, title, consultation_id,"
                " row_number() OVER (PARTITION BY qpv_code ORDER BY agree_count DESC, id) AS r"
                " FROM contributions WHERE status = 'published' AND qpv_code IS NOT NULL) s WHERE r <= :n"
            ),
            {"n": EVENTS_PER_QPV},
        ).all()
        db.session.commit()
        began, created, slowest = time.monotonic(), 0, 0.0
        for cid, title, consultation_id in events:
            one = time.monotonic()
            created += create_notifications(_event(cid, title, consultation_id))
            db.session.commit()
            slowest = max(slowest, time.monotonic() - one)
        seconds = time.monotonic() - began
        db.session.execute(text("ANALYZE notifications"))
        db.session.commit()
        db.session.remove()
    return {
        "events": len(events),
        "notifications": created,
        "seconds": round(seconds, 1),
        "slowest_event_s": round(slowest, 2),
    }


def _event(cid, title, consultation_id):
    return {
        "kind": "new_idea",
        "subject_type": "contribution",
        "subject_key": str(cid),
        "title": f"Nouvelle idée : « {title} »",
        "summary": "",
        "url": f"/idees/{cid}",
        "event_key": f"bench-new_idea:{cid}",
        "include_own": False,
        "contribution_id": cid,
        "consultation_id": consultation_id,
    }


class Sink:
    """SMTP sink: counts messages and bytes, parses nothing."""

    def __init__(self):
        self.count, self.bytes = 0, 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        self.bytes += len(envelope.content)
        return "250 OK"


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _children(pid):
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _rss_kib(pid):
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def _digest():
    from aiosmtpd.controller import Controller
    from redis import Redis
    from rq import Queue

    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=_free_port())
    controller.start()
    redis = Redis.from_url(REDIS_URL)
    queue = Queue("mail", connection=redis)
    queue.empty()
    job = queue.enqueue("app.notifications.tasks.send_weekly_digest", job_timeout=7200)
    env = {**os.environ, **ENV, "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(controller.port)}
    command = [
        str(ROOT / ".venv" / "bin" / "python"),
        "worker.py",
        "--burst",
        "--queues",
        "mail",
        "--no-scheduler",
    ]
    began = time.monotonic()
    log = ROOT / "var" / "bench" / "digest_worker.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w") as stderr_file:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=stderr_file)
        samples = _sample(process, job)
    stderr = log.read_text()
    wall = time.monotonic() - began
    controller.stop()
    job.refresh()
    result = {
        "status": getattr(job.get_status(), "value", str(job.get_status())),
        "result": job.return_value(),
        "job_seconds": round((job.ended_at - job.started_at).total_seconds(), 1)
        if job.ended_at and job.started_at
        else None,
        "worker_wall_seconds": round(wall, 1),
        "mails_received": sink.count,
        "mail_kib_avg": round(sink.bytes / sink.count / 1024, 1) if sink.count else None,
        **_memory(samples),
    }
    if process.returncode:
        result["error"] = stderr[-500:]
    return result


def _sample(process, job):
    """(seconds, horse RSS KiB, users done) every 0.2 s while the worker runs."""
    samples, started = [], time.monotonic()
    while process.poll() is None:
        horses = _children(process.pid)
        rss = max((_rss_kib(pid) or 0 for pid in horses), default=0)
        try:
            users = job.get_meta(refresh=True).get("users", 0)
        except Exception:  # noqa: BLE001 - meta not written yet
            users = 0
        if rss:
            samples.append((time.monotonic() - started, rss, users))
        time.sleep(0.2)
    return samples


def _memory(samples):
    """Peak RSS and RSS at 10 / 50 / 90 % of the users: flat memory means these stay close."""
    if not samples:
        return {"horse_rss_samples": 0}
    total = max(users for _s, _r, users in samples) or 1

    def rss_at(share):
        return next((rss for _s, rss, users in samples if users >= share * total), samples[-1][1])

    return {
        "horse_rss_samples": len(samples),
        "horse_rss_peak_mib": round(max(rss for _s, rss, _u in samples) / 1024, 1),
        "horse_rss_mib_at_10_50_90_pct": [round(rss_at(p) / 1024, 1) for p in (0.1, 0.5, 0.9)],
    }
