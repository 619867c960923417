"""Pieces of the PostgreSQL drill (scripts/pg_drill.py): processes, seed data, HTTP, verification."""

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import timedelta
from email import policy
from email.parser import BytesParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(command):
    subprocess.run(command, check=True, capture_output=True)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate, seconds, step=0.5):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return False


def read_mails(folder, subject):
    """Plain-text bodies of the .eml files of `folder` with this subject."""
    parser = BytesParser(policy=policy.default)
    messages = [parser.parsebytes(p.read_bytes()) for p in sorted(Path(folder).glob("*.eml"))]
    return [m.get_content() for m in messages if m["Subject"] == subject]


class Client:
    def __init__(self, base_url):
        self.base_url = base_url

    def post(self, path, body, headers):
        """(status, JSON body); status 0 when the connection itself failed."""
        request = urllib.request.Request(self.base_url + path, data=json.dumps(body).encode(), method="POST")
        request.add_header("Content-Type", "application/json")
        for name, value in headers.items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            return error.code, None
        except OSError:
            return 0, None


class Stack:
    """A Redis of its own, then (start()) gunicorn and worker.py on the drill database."""

    def __init__(self, database_url, work):
        self.work = work
        self.processes = []
        redis_port = free_port()
        self._spawn(
            [
                "redis-server",
                "--port",
                str(redis_port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            "redis",
        )
        redis_url = f"redis://127.0.0.1:{redis_port}/0"
        self.web_port = free_port()
        self.web_url = f"http://127.0.0.1:{self.web_port}"
        self.env = {
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "RATELIMIT_STORAGE_URI": redis_url,
            "CARTE_ENV": "test",
            "SECRET_KEY": secrets.token_urlsafe(32),
            "MAIL_OUTBOX_DIR": str(work / "mails"),
            "EXPORT_DIR": str(work / "exports"),
            "REPORT_DIR": str(work / "reports"),
            "MEDIA_DIR": str(work / "media"),
            "MAP_TILES_URL": "",
            "GEOCODER_URL": "http://127.0.0.1:9",
            "WORKER_RELAY_INTERVAL": "1",
            "PYTHONPATH": str(ROOT),
        }
        os.environ.update(self.env)  # for the in-process app that seeds and verifies
        self.app = None

    def _spawn(self, command, name):
        log = open(self.work / f"{name}.log", "wb")  # noqa: SIM115 - lives as long as the process
        env = {**os.environ, **getattr(self, "env", {})}
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.processes.append(process)
        time.sleep(0.3)
        return process

    def start(self):
        gunicorn = str(Path(sys.executable).parent / "gunicorn")
        bind = f"127.0.0.1:{self.web_port}"
        self._spawn([gunicorn, "--bind", bind, "--workers", "2", "--threads", "4", "wsgi:app"], "web")
        self._spawn([sys.executable, "worker.py"], "worker")
        if not wait_for(self._web_up, 60):
            raise RuntimeError("gunicorn did not start: " + (self.work / "web.log").read_text()[-2000:])

    def _web_up(self):
        try:
            urllib.request.urlopen(self.web_url + "/healthz", timeout=2)
            return True
        except urllib.error.HTTPError:
            return True
        except OSError:
            return False

    def stop(self):
        for process in reversed(self.processes):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)


@dataclass
class Data:
    consultation: str
    point: tuple
    moderator: dict
    resident_groups: list
    vote_targets: list
    hide_targets: list = field(default_factory=list)

    def contribution(self, title):
        return {
            "consultation": self.consultation,
            "geometry": {"type": "Point", "coordinates": list(self.point)},
            "theme": "cadre-de-vie-espaces-publics",
            "title": title,
            "body": "Essai de reprise après un redémarrage de PostgreSQL.",
        }


def seed(stack, groups=4, per_group=15, targets=60):
    """Migrate, load the territory, a consultation, residents, a moderator and target contributions."""
    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db

    stack.app = create_app()
    with stack.app.app_context():
        upgrade(directory=str(ROOT / "migrations"), revision="heads")
        from app.territory.services import load_territory

        load_territory(stack.app.config["TERRITORY_DIR"])
        db.session.commit()
        data = _seed_rows(groups, per_group, targets)
    stack.start()
    return data


def _seed_rows(groups, per_group, targets):
    from sqlalchemy import text
    from werkzeug.security import generate_password_hash

    from app.accounts.auth import issue_token
    from app.accounts.models import User
    from app.consultations.models import utcnow
    from app.consultations.services import create_consultation
    from app.contributions.models import Contribution
    from app.extensions import db

    now = utcnow()
    consultation = create_consultation(
        slug="essai-reprise",
        title="Essai de reprise",
        qpv_codes=["QP062024"],
        opens_at=now - timedelta(days=10),
        closes_at=now + timedelta(days=60),
    )
    password = generate_password_hash("un mot de passe solide")

    def user(n, role="resident"):
        account = User(
            email=f"drill{n}@exemple.fr",
            pseudonym=f"essai{n}",
            password_hash=password,
            role=role,
            confirmed_at=now,
        )
        db.session.add(account)
        db.session.flush()
        return {"id": account.id, "headers": {"Authorization": f"Bearer {issue_token(account)}"}}

    residents = [[user(g * per_group + i) for i in range(per_group)] for g in range(groups)]
    moderator = user(9999, role="moderator")["headers"]
    geom, anchor, insee, qpv = db.session.execute(
        text(
            "SELECT ST_AsEWKT(ST_PointOnSurface(geom)), ST_AsEWKT(ST_PointOnSurface(geom)),"
            " (SELECT insee FROM communes c WHERE ST_Intersects(c.geom, ST_PointOnSurface(k.geom)) LIMIT 1), 'QP062024'"
            " FROM consultations k WHERE id = :c"
        ),
        {"c": consultation.id},
    ).one()
    author = residents[0][0]["id"]
    rows = []
    for n in range(2 * targets):
        row = Contribution(
            consultation_id=consultation.id,
            author_id=author,
            geom=geom,
            anchor=anchor,
            commune_insee=insee,
            qpv_code=qpv,
            theme_slug="cadre-de-vie-espaces-publics",
            title=f"Cible {n} {secrets.token_hex(4)}",
            body="Contribution de départ.",
            status="published",
            source="web",
            published_at=now,
        )
        db.session.add(row)
        rows.append(row)
    db.session.flush()
    point = db.session.execute(
        text("SELECT ST_X(geom), ST_Y(geom) FROM contributions WHERE id = :i"), {"i": rows[0].id}
    ).one()
    db.session.commit()
    return Data(
        consultation=consultation.slug,
        point=tuple(point),
        moderator=moderator,
        resident_groups=residents,
        vote_targets=[r.id for r in rows[:targets]],
        hide_targets=[(r.id, r.title) for r in rows[targets:]],
    )


def verify(stack, burst, seconds=180):
    """{"lost": n, "duplicated": n, "outbox_open": n} once the outbox is drained (or after `seconds`)."""
    from sqlalchemy import text

    from app.extensions import db

    with stack.app.app_context():

        def drained():
            db.session.rollback()
            return (
                db.session.execute(
                    text("SELECT count(*) FROM job_outbox WHERE completed_at IS NULL")
                ).scalar_one()
                == 0
            )

        wait_for(drained, seconds, step=1)
        db.session.rollback()
        titles = dict(
            db.session.execute(
                text("SELECT title, count(*) FROM contributions WHERE title = ANY(:t) GROUP BY title"),
                {"t": burst.contributions},
            ).all()
        )
        votes = {
            (u, c) for u, c in db.session.execute(text("SELECT user_id, contribution_id FROM votes")).all()
        }
        actions = dict(
            db.session.execute(
                text(
                    "SELECT target_id, count(*) FROM moderation_actions WHERE action = 'hide'"
                    " AND target_type = 'contribution' GROUP BY target_id"
                )
            ).all()
        )
        statuses = dict(db.session.execute(text("SELECT id, status FROM contributions")).all())
        lost = sum(1 for t in burst.contributions if t not in titles)
        lost += sum(1 for u, c, _ in burst.votes if (u, c) not in votes)
        lost += sum(1 for c, _ in burst.hides if statuses.get(c) != "hidden" or c not in actions)
        duplicated = sum(n - 1 for n in titles.values()) + sum(actions.get(c, 1) - 1 for c, _ in burst.hides)
        open_rows = db.session.execute(
            text("SELECT count(*) FROM job_outbox WHERE completed_at IS NULL")
        ).scalar_one()
        db.session.rollback()
        db.session.remove()
        db.engine.dispose()
    return {"lost": lost, "duplicated": duplicated, "outbox_open": open_rows}
