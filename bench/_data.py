"""The benchmark database, shared by every benchmark: created, migrated, seeded once, then filled by
`flask dev synth` with the number of contributions (and votes) asked for, unless it already holds it."""

import os
import subprocess
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgresql://cartecommune@127.0.0.1:5432/cartecommune_bench"
)
DATABASE_NAME = DATABASE_URL.rsplit("/", 1)[-1]
VOTES_FOR = {100_000: 1_000_000, 1_000_000: 5_000_000}


def votes_for(size):
    return VOTES_FOR.get(size, size * 5)


def flask(env, *arguments, timeout=900):
    """Run `flask --app wsgi ARGUMENTS` on the bench database (env: the benchmark's variables)."""
    command = [str(ROOT / ".venv" / "bin" / "flask"), "--app", "wsgi", *arguments]
    return subprocess.run(
        command,
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": DATABASE_URL, **env},
        check=True,
        timeout=timeout,
        capture_output=True,
        text=True,
    )


def prepare(env):
    """Create and migrate the database; load the territory and the NPNRU consultations once."""
    subprocess.run(
        ["bash", "scripts/ensure_db.sh", "cartecommune", DATABASE_NAME], cwd=ROOT, check=False, timeout=60
    )
    flask(env, "db", "upgrade", "heads", timeout=300)
    with psycopg.connect(DATABASE_URL, autocommit=True) as conn:
        sites = conn.execute(
            "SELECT count(*) FROM consultations WHERE npnru_qpv_code IS NOT NULL"
        ).fetchone()[0]
    if sites < 3:  # only once: demo content added later would change the sizes measured
        flask(env, "demo", "seed", timeout=300)


def counts():
    """(contributions, votes) in the database."""
    with psycopg.connect(DATABASE_URL, autocommit=True) as conn:
        return conn.execute(
            "SELECT (SELECT count(*) FROM contributions), (SELECT count(*) FROM votes)"
        ).fetchone()


def in_stored_order(sizes):
    """The size the database already holds first: regenerating 1 000 000 rows takes minutes."""
    have = counts()[0]
    return sorted(sizes, key=lambda size: size != have)


def ensure_size(env, size):
    """Synthetic data of `size` contributions (and their votes); what was done, for the figures."""
    votes = votes_for(size)
    contributions, have_votes = counts()
    if contributions == size and abs(have_votes - votes) <= votes // 100:
        return {"generated": False, "contributions": size, "votes": have_votes}
    began = time.monotonic()
    flask(env, "dev", "synth", "--contributions", str(size), "--votes", str(votes), "--reset", timeout=1800)
    return {
        "generated": True,
        "contributions": size,
        "votes": counts()[1],
        "seconds": round(time.monotonic() - began, 1),
    }


def run_sizes(name, env, args, bench_size):
    """Prepare the benchmark database, then `bench_size(size)` at each size of args.sizes; the figures.

    The machine may be shared: the load average before and after says how much the timings can be trusted."""
    started = time.monotonic()
    results = {"database": DATABASE_NAME, "load_average_before": os.getloadavg(), "sizes": {}}
    try:
        prepare(env)
    except (subprocess.SubprocessError, OSError) as error:
        return {**results, "error": f"préparation de la base impossible : {error}"}
    for size in in_stored_order(getattr(args, "sizes", None) or [100_000, 1_000_000]):
        try:
            results["sizes"][str(size)] = bench_size(size)
        except Exception as error:  # noqa: BLE001 - one failing size must not hide the others
            results["sizes"][str(size)] = {"error": f"{type(error).__name__}: {error}"}
        print(f"[{name}] {size}: {results['sizes'][str(size)]}", flush=True)
    results["seconds"] = round(time.monotonic() - started, 1)
    results["load_average_after"] = os.getloadavg()
    return results
