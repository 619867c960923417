"""`make bench`: runs every benchmark module present and prints one summary.

Each module `bench/<name>.py` exposes `run(args) -> dict` and is run in the order below; results
are written to var/bench/results.json so notes can quote them."""

import argparse
import importlib
import json
import time
from pathlib import Path

MODULES = ("map_bench", "exports_bench", "reports_bench")
RESULTS = Path(__file__).resolve().parent.parent / "var" / "bench" / "results.json"


def main(argv=None):
    parser = argparse.ArgumentParser(description="Carte Commune benchmarks")
    parser.add_argument("--only", nargs="*", help="module names to run (default: all)")
    parser.add_argument("--sizes", nargs="*", type=int, default=[100_000, 1_000_000])
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


if __name__ == "__main__":
    main()
