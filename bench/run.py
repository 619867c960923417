"""`make bench`: runs every benchmark module present and prints one summary.

Each module `bench/<name>.py` exposes `run(args) -> dict` and is run in the order below; results
are written to var/bench/results.json so notes can quote them."""

import argparse
import importlib
import json
import sys
import time
from pathlib import Path

MODULES = (
    "map_bench",
    "pages_bench",
    "ogc_bench",
    "exports_bench",
    "reports_bench",
    "digest_bench",
    "capacity_bench",
    "phone_bench",
)
OPTIONAL_MODULES = ("uploads_bench",)  # run with --only uploads_bench (memory of parallel photo uploads)
RESULTS = Path(__file__).resolve().parent.parent / "var" / "bench" / "results.json"


def main(argv=None):
    parser = argparse.ArgumentParser(description="Carte Commune benchmarks")
    parser.add_argument(
        "--only",
        nargs="*",
        help=f"module names to run (default: {', '.join(MODULES)}; optional: {', '.join(OPTIONAL_MODULES)})",
    )
    parser.add_argument(
        "--sizes",
        nargs="*",
        type=int,
        help="contributions (default: each module's own, 100 000 and 1 000 000; capacity_bench: 100 000)",
    )
    parser.add_argument("--rates", nargs="*", type=int, help="capacity_bench: the open-loop rates, req/s")
    parser.add_argument("--step-seconds", type=float, help="capacity_bench: seconds of each rate (20)")
    args = parser.parse_args(argv)
    results = {}
    for name in args.only or MODULES:
        try:
            module = importlib.import_module(f"bench.{name}")
        except ModuleNotFoundError:
            continue
        started = time.perf_counter()
        results[name] = module.run(args)
        results[name]["wall_seconds"] = round(time.perf_counter() - started, 1)
        print(json.dumps({name: results[name]}, indent=1, ensure_ascii=False), flush=True)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=1, ensure_ascii=False))
    print(f"Résultats écrits dans {RESULTS}")
    missed = failures(results)
    if missed:
        print("Objectifs non tenus :\n" + "\n".join(f"  - {line}" for line in missed), file=sys.stderr)
        return 1
    print("Tous les objectifs sont tenus.")
    return 0


def failures(results, path=()):
    """Every budget that is not met: a false entry of a `budgets` dict, a false `within_target`, an `error`."""
    missed = []
    if isinstance(results, dict):
        for key, value in results.items():
            where = "/".join(str(part) for part in (*path, key))
            if key == "budgets" and isinstance(value, dict):
                missed += [f"{where}/{name}" for name, ok in value.items() if not ok]
            elif key == "within_target" and value is False:
                missed.append(where)
            elif key == "error" and value:
                missed.append(f"{where} : {value}")
            else:
                missed += failures(value, (*path, key))
    elif isinstance(results, list):
        for index, value in enumerate(results):
            missed += failures(value, (*path, index))
    return missed


if __name__ == "__main__":
    sys.exit(main())
