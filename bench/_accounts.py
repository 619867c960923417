"""Bench accounts (an admin and confirmed residents with API tokens) and clean-up of what the write
benchmarks add, so that the bench database keeps the size `_data.ensure_size` expects."""

import hashlib
import secrets

import redis

PREFIX = "bench-resident-"
# The tables the bench accounts and their writes (votes, ideas, follows, outbox rows) touch.
WRITTEN_TABLES = ("users", "api_tokens", "contributions", "votes", "follows", "job_outbox")
ADMIN = "bench-admin"
# The jobs a new idea asks for (its follow-up, and what the follow-up queues when it runs).
WRITE_JOBS = (
    "app.contributions.tasks.follow_up_new_contribution",
    "app.maps.tasks.refresh_grid",
    "app.notifications.tasks.deliver",
)


def token_hash(raw):
    return hashlib.sha256(raw.encode()).hexdigest()  # as app.accounts.models.ApiToken.hash


def ensure_accounts(conn, residents):
    """(admin token, [(user id, token)] of `residents` residents): created once, tokens renewed."""
    conn.execute(
        "INSERT INTO users (email, pseudonym, role, confirmed_at, created_at, session_version)"
        " SELECT %s || i || '@bench.invalid', %s || i, 'resident', now(), now(), 1"
        " FROM generate_series(1, %s) i ON CONFLICT DO NOTHING",
        (PREFIX, PREFIX, residents),
    )
    conn.execute(
        "INSERT INTO users (email, pseudonym, role, confirmed_at, created_at, session_version)"
        " VALUES ('bench-admin@bench.invalid', %s, 'admin', now(), now(), 1) ON CONFLICT DO NOTHING",
        (ADMIN,),
    )
    rows = conn.execute(
        "SELECT id, pseudonym FROM users WHERE pseudonym = %s OR pseudonym LIKE %s ORDER BY id",
        (ADMIN, PREFIX + "%"),
    ).fetchall()
    ids = [row[0] for row in rows]
    conn.execute("DELETE FROM api_tokens WHERE user_id = ANY(%s)", (ids,))
    tokens, admin = [], None
    with conn.cursor() as cursor:
        for user_id, pseudonym in rows:
            raw = "cc_" + secrets.token_urlsafe(24)
            cursor.execute(
                "INSERT INTO api_tokens (user_id, token_hash, name, created_at, expires_at)"
                " VALUES (%s, %s, 'bench', now(), now() + interval '1 day')",
                (user_id, token_hash(raw)),
            )
            if pseudonym == ADMIN:
                admin = raw
            else:
                tokens.append((user_id, raw))
    return admin, tokens[:residents]


def reset_limits(redis_url):
    """The rate-limit counters of the bench Redis database (the bench users' budgets start afresh)."""
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter("LIMIT*", count=1000))
    for start in range(0, len(keys), 500):
        client.delete(*keys[start : start + 500])


def empty_queue(redis_url):
    """Drop the map-grid jobs the writes queued (no worker runs during the benchmark)."""
    from rq import Queue

    Queue("default", connection=redis.Redis.from_url(redis_url)).empty()


def vacuum_written(conn):
    """VACUUM (ANALYZE) of the tables the write benchmarks touch: what autovacuum does in production."""
    conn.execute(f"VACUUM (ANALYZE) {', '.join(WRITTEN_TABLES)}")


def remove_bench_writes(conn):
    """Ideas and votes of the bench residents removed, counters put back: the data set keeps its size."""
    conn.execute(
        "WITH gone AS (DELETE FROM votes WHERE user_id IN (SELECT id FROM users WHERE pseudonym LIKE %s)"
        " RETURNING contribution_id, value),"
        " per AS (SELECT contribution_id, count(*) FILTER (WHERE value = 1) AS a,"
        "  count(*) FILTER (WHERE value = -1) AS d FROM gone GROUP BY 1)"
        " UPDATE contributions c SET agree_count = c.agree_count - per.a, disagree_count = c.disagree_count - per.d"
        " FROM per WHERE c.id = per.contribution_id",
        (PREFIX + "%",),
    )
    conn.execute(
        "DELETE FROM contributions WHERE author_id IN (SELECT id FROM users WHERE pseudonym LIKE %s)",
        (PREFIX + "%",),
    )
    # What the writes left beside them: the residents' follows (of the ideas they voted on or wrote) and
    # the outbox rows of their jobs (no worker runs them during the benchmark; empty_queue drops them
    # from RQ).
    conn.execute(
        "DELETE FROM follows WHERE user_id IN (SELECT id FROM users WHERE pseudonym LIKE %s)", (PREFIX + "%",)
    )
    conn.execute("DELETE FROM job_outbox WHERE completed_at IS NULL AND func = ANY(%s)", (list(WRITE_JOBS),))
