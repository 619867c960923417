"""Redis stops in the middle of a burst of contributions, votes and moderation decisions, then comes
back empty (no persistence): nothing but 503 among the errors, every acknowledged write in the
database, every notification and map refresh done exactly once, the worker alive again by itself.

The web app (gunicorn) and the worker (`python worker.py`) are real processes on the test database
and on a `redis-server` of this test's own."""

import json
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

import pytest
from rq import Worker
from sqlalchemy import text

from app.extensions import db
from tests.conftest import bearer
from tests.resilience.conftest import Process, free_port, process_env, start_worker, wait_until

APPROVED_SUBJECT = "Votre contribution est publiée"


class Web:
    """gunicorn serving wsgi:app on the test database and the given Redis."""

    def __init__(self, app, redis_url, log_path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        gunicorn = str(Path(sys.executable).parent / "gunicorn")
        env = process_env(
            app,
            REDIS_URL=redis_url,
            RATELIMIT_STORAGE_URI=redis_url,
            WORKER_ABSENT_AFTER=20,
            PUBLIC_BASE_URL="http://127.0.0.1",
        )
        command = [
            gunicorn,
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            "2",
            "--threads",
            "2",
            "wsgi:app",
        ]
        self.process = Process(command, env, log_path)
        wait_until(self._up, 60, lambda: "gunicorn did not start:\n" + self.process.output())

    def _up(self):
        try:
            return self.call("GET", "/healthz")[0] in (200, 503)
        except OSError:
            return False

    def call(self, method, path, body=None, headers=None):
        """(status, JSON body or None, headers) of one request."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, _json(response.read()), response.headers
        except urllib.error.HTTPError as error:
            return error.code, _json(error.read()), error.headers


def _json(raw):
    try:
        return json.loads(raw)
    except ValueError:
        return None


class Burst:
    """The writes of the burst and what the server answered."""

    def __init__(self, web, consultation, residents, moderator, published, point):
        self.web, self.consultation, self.point = web, consultation, point
        self.residents, self.moderator, self.published = residents, moderator, published
        self.statuses = []
        self.contributions = {}  # id -> (title, author index), acknowledged
        self.votes = {}  # (resident index, contribution id) -> value, acknowledged
        self.approved = []  # contribution ids whose approval was acknowledged
        self.n = 0

    def contribute(self, who):
        self.n += 1
        title = f"Idée n° {self.n} pendant l'essai de panne"
        status, body, _ = self.web.call(
            "POST",
            "/api/contributions",
            {
                "consultation": self.consultation.slug,
                "geometry": {"type": "Point", "coordinates": list(self.point)},
                "theme": "cadre-de-vie-espaces-publics",
                "title": title,
                "body": "Un banc et de l'ombre près de l'arrêt de bus.",
            },
            self.residents[who][1],
        )
        self.statuses.append(status)
        if status == 201:
            self.contributions[body["id"]] = (title, who)
        return status

    def vote(self, who, value):
        target = self.published[(who + self.n) % len(self.published)]
        status, _, _ = self.web.call(
            "POST", f"/api/contributions/{target}/vote", {"value": value}, self.residents[who][1]
        )
        self.statuses.append(status)
        if status == 200:
            self.votes[(who, target)] = value
        return status

    def approve_pending(self):
        for contribution_id in [c for c in self.contributions if c not in self.approved]:
            status, _, _ = self.web.call(
                "POST",
                f"/api/moderation/contributions/{contribution_id}/decision",
                {"action": "approve"},
                self.moderator,
            )
            self.statuses.append(status)
            if status == 200:
                self.approved.append(contribution_id)

    def round(self, size):
        """`size` contributions and votes, then the moderator approves what is pending."""
        for i in range(size):
            self.contribute(i % len(self.residents))
            self.vote(i % len(self.residents), 1 if i % 3 else -1)
        self.approve_pending()


def _seed(make_user, make_consultation, make_contribution):
    consultation = make_consultation(moderation_mode="pre")
    published = [make_contribution(consultation, title=f"Déjà publiée {i}").id for i in range(4)]
    residents = []
    for _ in range(4):
        user = make_user()
        residents.append((user, bearer(user)))
    moderator = bearer(make_user(role="moderator"))
    point = db.session.execute(
        text(
            "SELECT ST_X(ST_PointOnSurface(geom)), ST_Y(ST_PointOnSurface(geom)) FROM consultations WHERE id = :c"
        ),
        {"c": consultation.id},
    ).one()
    db.session.commit()
    return consultation, residents, moderator, published, tuple(point)


def _database_state(consultation_id):
    db.session.expire_all()
    state = {
        "contributions": dict(
            db.session.execute(
                text("SELECT id, status FROM contributions WHERE consultation_id = :c"),
                {"c": consultation_id},
            ).all()
        ),
        "votes": {
            (user_id, contribution_id): value
            for user_id, contribution_id, value in db.session.execute(
                text("SELECT user_id, contribution_id, value FROM votes")
            ).all()
        },
        "outbox_open": db.session.execute(
            text("SELECT count(*) FROM job_outbox WHERE completed_at IS NULL")
        ).scalar_one(),
        "grid": db.session.execute(
            text("SELECT contributions FROM map_grid_state WHERE consultation_id = :c"),
            {"c": consultation_id},
        ).scalar(),
    }
    db.session.commit()
    return state


@pytest.mark.committed
def test_redis_outage_during_a_burst_loses_nothing_and_the_worker_recovers(
    app, make_user, make_consultation, make_contribution, redis_server, tmp_path
):
    consultation, residents, moderator, published, point = _seed(
        make_user, make_consultation, make_contribution
    )
    mails = tmp_path / "mails"
    worker = start_worker(
        app,
        tmp_path / "worker.log",
        REDIS_URL=redis_server.url,
        WORKER_ABSENT_AFTER=20,
        OUTBOX_LOST_AFTER=5,
        MAIL_OUTBOX_DIR=mails,
    )
    redis = redis_connection_to(redis_server.url)
    web = None
    try:
        web = Web(app, redis_server.url, tmp_path / "web.log")
        wait_until(lambda: Worker.all(connection=redis), 90, lambda: "worker not up:\n" + worker.output())
        burst = Burst(web, consultation, residents, moderator, published, point)
        burst.round(4)  # Redis up
        stopped_at = time.monotonic()
        redis_server.stop()
        first = len(burst.statuses)
        burst.round(4)  # Redis down: writes must keep working
        while_down = burst.statuses[first:]
        status, body, headers = web.call("GET", "/healthz")
        assert status == 503 and headers["Retry-After"], body
        time.sleep(max(0.0, 6 - (time.monotonic() - stopped_at)))  # at least a 6-second outage
        redis_server.start()  # back, empty
        burst.round(4)

        assert all(s < 500 or s == 503 for s in burst.statuses), Counter(burst.statuses)
        assert len(while_down) == 12 and all(s in (200, 201) for s in while_down), while_down
        assert "falling back to in-memory storage" in web.process.output()

        def recovered():
            state = _database_state(consultation.id)
            subjects = Counter(m["Subject"] for m in read_mails(mails))
            done = state["outbox_open"] == 0 and subjects[APPROVED_SUBJECT] >= len(burst.approved)
            return done and state

        state = wait_until(
            recovered,
            120,
            lambda: f"jobs not all done: {_database_state(consultation.id)}\n{worker.output()[-3000:]}",
            step=0.5,
        )
        # Every acknowledged write is in the database.
        for contribution_id in burst.contributions:
            assert contribution_id in state["contributions"]
        for contribution_id in burst.approved:
            assert state["contributions"][contribution_id] == "published"
        for (who, contribution_id), value in burst.votes.items():
            assert state["votes"][(residents[who][0].id, contribution_id)] == value
        # Every notification sent once (after a pause: nothing arrives twice later).
        time.sleep(3)
        approvals = [m for m in read_mails(mails) if m["Subject"] == APPROVED_SUBJECT]
        titles = Counter(
            title
            for title, _ in burst.contributions.values()
            for m in approvals
            if title in m.get_body(("plain",)).get_content()
        )
        assert len(approvals) == len(burst.approved) == len(burst.contributions)
        assert set(titles.values()) == {1}
        # The map grid was refreshed after the last decision: it counts every published idea.
        published_now = sum(
            1 for s in _database_state(consultation.id)["contributions"].values() if s == "published"
        )
        assert wait_until(lambda: _database_state(consultation.id)["grid"] == published_now, 30, "grid stale")
        # The worker reconnected by itself: same process, registered and beating again, /healthz 200.
        assert worker.alive(), worker.output()[-3000:]
        assert "could not connect to Redis" in worker.output() or "Redis injoignable" in worker.output()
        workers = Worker.all(connection=redis)
        assert workers and workers[0].last_heartbeat is not None
        status, body, _ = wait_until(
            lambda: (r := web.call("GET", "/healthz"))[0] == 200 and r, 30, "healthz"
        )
        assert body["workers"]["alive"] >= 1 and body["outbox"]["undispatched"] == 0
    finally:
        worker.stop()
        if web is not None:
            web.process.stop()


def read_mails(folder):
    from email import policy
    from email.parser import BytesParser

    parser = BytesParser(policy=policy.default)
    return [parser.parsebytes(path.read_bytes()) for path in sorted(Path(folder).glob("*.eml"))]


def redis_connection_to(url):
    from redis import Redis

    return Redis.from_url(url)
