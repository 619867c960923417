"""`make drill`: restart PostgreSQL in the middle of a burst of writes and count what was lost.

A PostgreSQL cluster of its own (pg_createcluster on a free port, dropped afterwards), a Redis of its
own, gunicorn and the RQ worker (worker.py) on them. Resident threads post contributions and votes,
a moderator hides contributions; `pg_ctlcluster 15 drill restart` runs in the middle. Afterwards:
acknowledged writes lost and duplicated (both must be 0), notifications sent once, seconds of errors.

Run as root (pg_createcluster): `make drill` or `PYTHONPATH=. .venv/bin/python scripts/pg_drill.py`."""

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts.drill_support import (  # noqa: E402
    Client,
    Stack,
    free_port,
    read_mails,
    run,
    seed,
    verify,
    wait_for,
)

CLUSTER = ("15", "drill")
HIDDEN_SUBJECT = "Votre contribution a été masquée"


def create_cluster(port):
    """A throw-away cluster with trust authentication on 127.0.0.1, a database with PostGIS."""
    run(["pg_createcluster", *CLUSTER, "-p", str(port), "--", "--auth-host=trust", "--auth-local=trust"])
    run(["pg_ctlcluster", "--skip-systemctl-redirect", *CLUSTER, "start"])
    psql = ["runuser", "-u", "postgres", "--", "psql", "-p", str(port), "-v", "ON_ERROR_STOP=1", "-qtA"]
    run([*psql, "-c", "CREATE ROLE cartecommune LOGIN"])
    run([*psql, "-c", "CREATE DATABASE drill OWNER cartecommune"])
    run([*psql, "-d", "drill", "-c", "CREATE EXTENSION postgis; CREATE EXTENSION pg_trgm;"])
    return f"postgresql://cartecommune@127.0.0.1:{port}/drill"


def drop_cluster():
    subprocess.run(["pg_dropcluster", "--stop", *CLUSTER], check=False, capture_output=True)


class Burst:
    """Writer threads; every request's (time, kind, status) and what each acknowledged."""

    def __init__(self, client, data, seconds):
        self.client, self.data, self.seconds = client, data, seconds
        self.log, self.lock = [], threading.Lock()
        self.contributions, self.votes, self.hides = [], [], []
        self.stop_at = None

    def record(self, kind, status):
        with self.lock:
            self.log.append((time.monotonic(), kind, status))

    def resident(self, users):
        n = 0
        while time.monotonic() < self.stop_at:
            user = users[n % len(users)]
            n += 1
            if n % 2:
                title = f"Drill {uuid.uuid4().hex[:12]}"
                status, body = self.client.post(
                    "/api/contributions", self.data.contribution(title), user["headers"]
                )
                self.record("contribution", status)
                if status == 201:
                    self.contributions.append(title)
            else:
                target = self.data.vote_targets[(n // 2 // len(users)) % len(self.data.vote_targets)]
                value = 1 if n % 3 else -1
                status, _ = self.client.post(
                    f"/api/contributions/{target}/vote", {"value": value}, user["headers"]
                )
                self.record("vote", status)
                if status == 200:
                    self.votes.append((user["id"], target, value))
            time.sleep(0.02)

    def moderator(self):
        for target, title in self.data.hide_targets:
            if time.monotonic() >= self.stop_at:
                return
            path = f"/api/moderation/contributions/{target}/decision"
            status, _ = self.client.post(
                path, {"action": "hide", "reason": "Essai de reprise"}, self.data.moderator
            )
            self.record("decision", status)
            if status == 200:
                self.hides.append((target, title))
            time.sleep(0.25)

    def run(self, restart_after, restart):
        start = time.monotonic()
        self.stop_at = start + self.seconds
        threads = [
            threading.Thread(target=self.resident, args=(group,)) for group in self.data.resident_groups
        ]
        threads.append(threading.Thread(target=self.moderator))
        for thread in threads:
            thread.start()
        time.sleep(restart_after)
        restarted_at = time.monotonic()
        restart()
        restart_seconds = time.monotonic() - restarted_at
        for thread in threads:
            thread.join()
        return start, restarted_at, restart_seconds


def error_figures(log, restarted_at):
    statuses = Counter(status for _, _, status in log)
    errors = [t for t, _, status in log if status >= 500 or status == 0]
    window = (max(errors) - min(errors)) if errors else 0.0
    first = (min(errors) - restarted_at) if errors else None
    return statuses, len(errors), window, first


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30, help="length of the burst")
    parser.add_argument("--restart-after", type=float, default=10, help="seconds into the burst")
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("make drill needs root (pg_createcluster / pg_ctlcluster).")
    drop_cluster()  # left by an interrupted drill
    work = Path(tempfile.mkdtemp(prefix="cartecommune-drill-"))
    stack = None
    try:
        database_url = create_cluster(free_port())
        stack = Stack(database_url, work)
        data = seed(stack)
        client = Client(stack.web_url)
        burst = Burst(client, data, args.seconds)
        restart = lambda: run(["pg_ctlcluster", "--skip-systemctl-redirect", *CLUSTER, "restart"])  # noqa: E731
        start, restarted_at, restart_seconds = burst.run(args.restart_after, restart)
        statuses, errors, window, first = error_figures(burst.log, restarted_at)
        outcome = verify(stack, burst)
        wait_for(lambda: len(read_mails(work / "mails", HIDDEN_SUBJECT)) >= len(burst.hides), 180)
        time.sleep(3)
        mails = Counter(
            title
            for m in read_mails(work / "mails", HIDDEN_SUBJECT)
            for _, title in burst.hides
            if title in m
        )
        print("\n=== Drill: PostgreSQL restarted during a burst of writes ===")
        print(
            f"burst {args.seconds:.0f} s, restart at {restarted_at - start:.1f} s (took {restart_seconds:.1f} s)"
        )
        print(f"requests {len(burst.log)}: " + ", ".join(f"{s}×{n}" for s, n in sorted(statuses.items())))
        print(
            f"acknowledged: {len(burst.contributions)} contributions, {len(burst.votes)} votes, {len(burst.hides)} decisions"
        )
        print(f"lost: {outcome['lost']}  duplicated: {outcome['duplicated']}  (both must be 0)")
        print(f"5xx other than 503: {sum(n for s, n in statuses.items() if s >= 500 and s != 503)}")
        print(
            f"errors: {errors} responses over {window:.1f} s (first {first if first is None else round(first, 1)} s after the restart)"
        )
        print(
            f"notifications: {sum(mails.values())} mails for {len(burst.hides)} decisions, most per decision {max(mails.values() or [0])}"
        )
        ok = outcome["lost"] == 0 and outcome["duplicated"] == 0 and set(mails.values()) <= {1}
        ok = ok and all(s < 500 or s == 503 for s in statuses)
        print("RESULT: " + ("OK" if ok else "FAILED"))
        return 0 if ok else 1
    finally:
        if stack is not None:
            stack.stop()
        drop_cluster()


if __name__ == "__main__":
    sys.exit(main())
