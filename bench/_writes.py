"""Write rates (`make bench`, run by bench/pages_bench.py for each size): votes and new ideas through the app,
closed loop from THREADS clients (gunicorn 2 × 4 threads), next to the same SQL alone from as many
connections, in ROUNDS pairs (floor then app; medians). Budgets: votes ≥ 50 % of their SQL floor with
counters exact afterwards; new ideas ≥ 300/s."""

import http.client
import json
import random
import statistics
import threading
import time

import psycopg

from bench import _accounts as accounts
from bench._data import DATABASE_URL

RESIDENTS = 1000  # rate limits are per account: 60 votes/min, 20 ideas/hour each
THREADS = 8
SECONDS = 5  # per closed loop; ROUNDS pairs of them
ROUNDS = 5
WARM_UP_SECONDS = 2  # a loop not counted before the rounds of each write
VOTE_FLOOR_SQL = (
    "SELECT status FROM contributions WHERE id = %(c)s FOR NO KEY UPDATE",
    "SELECT value FROM votes WHERE contribution_id = %(c)s AND user_id = %(u)s",
    "INSERT INTO votes (contribution_id, user_id, value, created_at, updated_at) VALUES (%(c)s, %(u)s, %(v)s,"
    " now(), now()) ON CONFLICT (contribution_id, user_id) DO UPDATE SET value = EXCLUDED.value, updated_at = now()",
    "UPDATE contributions SET agree_count = agree_count + %(a)s, disagree_count = disagree_count + %(d)s"
    " WHERE id = %(c)s RETURNING agree_count, disagree_count, comment_count",
)
IDEA_INSERT = (
    "INSERT INTO contributions (consultation_id, author_id, geom, anchor, qpv_code, commune_insee, theme_slug,"
    " title, body, status, source, created_at, updated_at, published_at, agree_count, disagree_count,"
    " comment_count, workshop_agree_count, workshop_disagree_count, flag_count) VALUES (%(cid)s, %(u)s,"
    " ST_GeomFromEWKT(%(geom)s), ST_GeomFromEWKT(%(anchor)s), %(qpv)s, %(insee)s, %(theme)s, %(title)s, %(body)s,"
    " 'published', 'web', now(), now(), now(), 0, 0, 0, 0, 0, 0) RETURNING id"
)


def run_writes(conn, port, residents, redis_url):
    """Votes and ideas: rate through the app, rate of the SQL floor, ratio, counters checked.

    ROUNDS pairs of closed loops (the floor, then the app), each pair a few seconds apart: this shared
    machine's speed drifts by a third from minute to minute, so a ratio is taken within each pair and
    the medians are reported with every round's figures."""
    targets, places = vote_targets(conn), idea_places(conn)
    statements = app_vote_statements()
    votes, ideas, mismatches, as_app = [], [], 0, []
    # A server just started prepares each statement on each of its connections at the first calls and
    # fills its caches (one in service for hours has long done so): not counted.
    _closed_loop(lambda i, k: _app_vote(port, i, k, residents, targets), seconds=WARM_UP_SECONDS)
    accounts.remove_bench_writes(conn)
    for _ in range(ROUNDS):
        accounts.reset_limits(redis_url)
        floor = _closed_loop(lambda i, k: _sql_vote(i, k, residents, targets))
        accounts.remove_bench_writes(conn)  # the app casts the same new votes
        app = _closed_loop(lambda i, k: _app_vote(port, i, k, residents, targets))
        mismatches += _counter_mismatches(conn, targets)
        accounts.remove_bench_writes(conn)
        signed_in = _closed_loop(lambda i, k: _app_me(port, i, k, residents))
        votes.append((floor, app, signed_in))
        replayed = _closed_loop(lambda i, k: _sql_vote_as_app(i, k, residents, targets, statements))
        accounts.remove_bench_writes(conn)
        as_app.append(app["rate"] / replayed["rate"] if replayed["rate"] else None)
        votes[-1][0]["app_statements_rate"] = replayed["rate"]
    # The votes' garbage reclaimed before the ideas are measured, as before the pages (pages_bench: this
    # machine's PostgreSQL runs without autovacuum): each vote leaves a dead version of its idea's row.
    accounts.vacuum_written(conn)
    accounts.reset_limits(redis_url)
    _closed_loop(lambda i, k: _app_idea(port, i, k, residents, places), seconds=WARM_UP_SECONDS)
    accounts.remove_bench_writes(conn)
    for _ in range(ROUNDS):
        accounts.reset_limits(redis_url)
        floor = _closed_loop(lambda i, k: _sql_idea(i, k, residents, places))
        app = _closed_loop(lambda i, k: _app_idea(port, i, k, residents, places))
        ideas.append((floor, app, None))
    accounts.remove_bench_writes(conn)
    vote_figures = _paired(votes)
    vote_figures["mismatches"] = mismatches
    # Beside the budget's floor (the vote's minimal SQL), the three statements the app itself sends for a
    # vote (token and account, the idea locked with its phase, the vote with counters and follow),
    # replayed alone: what the app's rate is of its own SQL.
    for figures, (floor, _, _) in zip(vote_figures["rounds"], votes, strict=True):
        figures["app_statements_floor_per_s"] = floor["app_statements_rate"]
    ratios = [ratio for ratio in as_app if ratio is not None]
    vote_figures["ratio_to_app_statements"] = round(statistics.median(ratios), 2) if ratios else None
    idea_figures = _paired(ideas)
    return {
        "votes": vote_figures,
        "ideas": idea_figures,
        "budgets": {
            "votes : ≥ 50 % du plancher SQL": (vote_figures["ratio"] or 0) >= 0.5,
            "votes : compteurs exacts ensuite": mismatches == 0 and vote_figures["app_errors"] == {},
            "nouvelles idées : ≥ 300/s": idea_figures["app_per_s"] >= 300
            and idea_figures["app_errors"] == {},
        },
    }


def _paired(rounds):
    """Medians of (floor, app, signed-in no-op or None) closed loops: floor and app rates, ratio of
    each round's pair; the rounds. The no-op (GET /api/me with the same tokens: the framework, the
    token's statement, nothing else) says what share of the app's rate the stack itself leaves."""
    ratios = [app["rate"] / floor["rate"] for floor, app, _ in rounds if floor["rate"]]
    errors = {}
    for _, app, _ in rounds:
        for name, count in app["errors"].items():
            errors[name] = errors.get(name, 0) + count
    figures = {
        "sql_floor_per_s": statistics.median(floor["rate"] for floor, _, _ in rounds),
        "app_per_s": statistics.median(app["rate"] for _, app, _ in rounds),
        "ratio": round(statistics.median(ratios), 2) if ratios else None,
        "app_errors": errors,
        "rounds": [
            {"sql_floor_per_s": floor["rate"], "app_per_s": app["rate"]}
            | ({"signed_in_noop_per_s": noop["rate"]} if noop else {})
            for floor, app, noop in rounds
        ],
    }
    noops = [(noop, floor) for floor, _, noop in rounds if noop and floor["rate"]]
    if noops:
        figures["signed_in_noop_per_s"] = statistics.median(noop["rate"] for noop, _ in noops)
        figures["signed_in_noop_ratio"] = round(statistics.median(n["rate"] / f["rate"] for n, f in noops), 2)
    return figures


def vote_targets(conn, limit=20000):
    """Published contributions to vote on, in random order."""
    return [
        row[0]
        for row in conn.execute(
            "SELECT id FROM contributions WHERE status = 'published' ORDER BY random() LIMIT %s", (limit,)
        )
    ]


def idea_places(conn, slugs=None):
    """(consultation id, slug, lon, lat, theme) near existing ideas, where new ideas are dropped: the
    NPNRU consultations, or those of `slugs`. Only ideas inside the perimeter itself: a new idea is
    dropped up to ~20 m away, which must not cross the edge of the buffer (a 422, not a new idea)."""
    where = "c.slug = ANY(%s)" if slugs else "c.npnru_qpv_code IS NOT NULL"
    return conn.execute(
        "SELECT c.id, c.slug, ST_X(x.anchor), ST_Y(x.anchor), (SELECT min(theme_slug) FROM consultation_themes t"
        " WHERE t.consultation_id = c.id) FROM consultations c CROSS JOIN LATERAL (SELECT anchor FROM contributions"
        f" WHERE consultation_id = c.id AND ST_Covers(c.geom, anchor) ORDER BY id LIMIT 200) x WHERE {where}",
        (list(slugs),) if slugs else (),
    ).fetchall()


def _closed_loop(action, seconds=None):
    """THREADS workers calling action(thread, n) for `seconds` (SECONDS); accepted per second and errors."""
    seconds = SECONDS if seconds is None else seconds
    stop = time.monotonic() + seconds
    done, errors, lock = [0], {}, threading.Lock()

    def worker(index):
        state = {}
        n = 0
        while time.monotonic() < stop:
            try:
                outcome = action(index, (n, state))
            except Exception as error:  # noqa: BLE001 - counted, shown in the figures
                outcome = type(error).__name__
            n += 1
            with lock:
                if outcome is True:
                    done[0] += 1
                else:
                    errors[str(outcome)] = errors.get(str(outcome), 0) + 1
        if "close" in state:
            state["close"]()

    started = time.monotonic()
    pool = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(THREADS)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=seconds + 60)
    return {"rate": round(done[0] / (time.monotonic() - started), 1), "errors": errors}


def vote_choice(thread, n, residents, targets):
    """A distinct (resident, contribution, value) per call: new votes, as on a busy evening."""
    user_id, token = residents[(thread + THREADS * n) % len(residents)]
    return user_id, token, targets[(thread * 7919 + n * 104729) % len(targets)], 1 if n % 3 else -1


def _connection(state, make):
    if "conn" not in state:
        state["conn"] = make()
        state["close"] = state["conn"].close
    return state["conn"]


def _sql_vote(thread, call, residents, targets):
    n, state = call
    conn = _connection(state, lambda: psycopg.connect(DATABASE_URL))
    user_id, _, contribution, value = vote_choice(thread, n, residents, targets)
    params = {"c": contribution, "u": user_id, "v": value, "a": int(value == 1), "d": int(value == -1)}
    lock, previous, upsert, shift = VOTE_FLOOR_SQL
    with conn.transaction():
        conn.execute(lock, params)
        before = conn.execute(previous, params).fetchone()
        if before and before[0] == value:
            return True
        conn.execute(upsert, params)
        if before:  # a changed vote moves one counter down
            params.update(a=params["a"] - int(before[0] == 1), d=params["d"] - int(before[0] == -1))
        conn.execute(shift, params)
    return True


def app_vote_statements():
    """The SQL (with its own literal values) of the three statements of a vote request, compiled from the
    app's builders for its dialect, and the served territory: what `_sql_vote_as_app` replays."""
    from app import create_app
    from app.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": DATABASE_URL})
    with app.app_context():
        from app.accounts.auth import _token_statements
        from app.contributions.services import _VOTE, _vote_lock_statement
        from app.territory.identity import current_territory

        dialect = db.engine.dialect  # compiled as the app runs them: numbered, for a RawCursor
        statements = (_token_statements()[1], _vote_lock_statement(), _VOTE)
        return [statement._sql(dialect) for statement in statements], current_territory()


def _sql_vote_as_app(thread, call, residents, targets, statements):
    """The app's own statements of a vote (app_vote_statements), prepared, in one transaction."""
    from app.notifications.follows import follow_params

    n, state = call
    conn = _connection(state, lambda: psycopg.connect(DATABASE_URL))
    user_id, raw_token, contribution, value = vote_choice(thread, n, residents, targets)
    (token, lock, vote), territory = statements
    agree, disagree = (1, 0) if value == 1 else (0, 1)
    if "raw" not in state:
        state["raw"] = psycopg.RawCursor(conn)
    cursor = state["raw"]
    with conn.transaction():
        _replay(cursor, token, {"digest": accounts.token_hash(raw_token)})
        _replay(cursor, lock, {"contribution_id": contribution, "territory": territory})
        votes = {"c": contribution, "u": user_id, "v": value, "a": agree, "d": disagree}
        _replay(cursor, vote, {**votes, **follow_params(user_id, contribution, "vote")})
    return True


def _replay(cursor, compiled, params):
    """One app statement (RawStatement._sql: numbered SQL, its names, its own values), prepared."""
    from app.dbpool import positional

    cursor.execute(compiled[0], positional(compiled, params), prepare=True)


def _post(state, port, path, token, body):
    conn = _connection(state, lambda: http.client.HTTPConnection("127.0.0.1", port, timeout=30))
    payload = json.dumps(body)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    try:
        conn.request("POST", path, body=payload, headers=headers)
        response = conn.getresponse()
        response.read()
    except OSError as error:
        state.pop("conn").close()
        return type(error).__name__
    return True if response.status in (200, 201) else response.status


def _app_me(port, thread, call, residents):
    """GET /api/me with a resident's token: a signed-in request that does nothing else."""
    n, state = call
    _, token = residents[(thread + THREADS * n) % len(residents)]
    conn = _connection(state, lambda: http.client.HTTPConnection("127.0.0.1", port, timeout=30))
    try:
        conn.request("GET", "/api/me", headers={"Authorization": f"Bearer {token}"})
        response = conn.getresponse()
        response.read()
    except OSError as error:
        state.pop("conn").close()
        return type(error).__name__
    return True if response.status == 200 else response.status


def _app_vote(port, thread, call, residents, targets):
    n, state = call
    _, token, contribution, value = vote_choice(thread, n, residents, targets)
    return _post(state, port, f"/api/contributions/{contribution}/vote", token, {"value": value})


def _counter_mismatches(conn, targets):
    """Contributions voted on whose counters differ from their votes."""
    return conn.execute(
        "SELECT count(*) FROM contributions c WHERE c.id = ANY(%s) AND (c.agree_count, c.disagree_count)"
        " <> (SELECT count(*) FILTER (WHERE value = 1), count(*) FILTER (WHERE value = -1) FROM votes v"
        " WHERE v.contribution_id = c.id)",
        (targets,),
    ).fetchone()[0]


def idea_choice(thread, n, residents, places):
    user_id, token = residents[(thread + THREADS * n) % len(residents)]
    cid, slug, lon, lat, theme = places[(thread * 31 + n) % len(places)]
    jitter = random.Random(thread * 100003 + n)
    point = [round(lon + jitter.uniform(-2e-4, 2e-4), 6), round(lat + jitter.uniform(-2e-4, 2e-4), 6)]
    title = f"Banc et ombre près de l'arrêt n° {n} ({thread})"
    return user_id, token, cid, slug, point, theme, title


def _sql_idea(thread, call, residents, places):
    """The floor of a new idea: placing it (PLACE_SQL of the service) and inserting it, one transaction."""
    from app.contributions.placing import PLACE_SQL

    n, state = call
    conn = _connection(state, lambda: psycopg.connect(DATABASE_URL))
    user_id, _, cid, _, point, theme, title = idea_choice(thread, n, residents, places)
    place_sql = PLACE_SQL.element.text.replace(":wkt", "%(wkt)s").replace(":cid", "%(cid)s")
    with conn.transaction():
        placed = conn.execute(place_sql, {"wkt": f"POINT({point[0]} {point[1]})", "cid": cid}).fetchone()
        conn.execute(
            IDEA_INSERT,
            {
                "cid": cid,
                "u": user_id,
                "geom": placed[1],
                "anchor": placed[2],
                "qpv": placed[4],
                "insee": placed[3],
                "theme": theme,
                "title": title,
                "body": "Un banc à l'ombre.",
            },
        )
    return True


def _app_idea(port, thread, call, residents, places):
    n, state = call
    _, token, _, slug, point, theme, title = idea_choice(thread, n, residents, places)
    return _post(state, port, "/api/contributions", token, idea_body(slug, point, theme, title))


def idea_body(slug, point, theme, title):
    """The JSON body of POST /api/contributions for a new idea at `point` (lon, lat)."""
    return {
        "consultation": slug,
        "geometry": {"type": "Point", "coordinates": point},
        "theme": theme,
        "title": title,
        "body": "Un banc à l'ombre.",
    }
