"""The pages benchmark names every page over budget, and a page 1 000 slower than page 1."""

from bench.pages_bench import _budgets
from bench.run import MODULES, failures


def _page(p50, p95, statuses=(200,)):
    return {"p50_ms": p50, "p95_ms": p95, "max_ms": p95, "statuses": list(statuses)}


def test_pages_over_budget_are_named():
    timings = {
        "liste des idées": _page(20, 40),
        "liste des idées, page 1000": _page(90, 99),
        "modération : comptes": _page(50, 140),
        "exports": _page(10, 20, (200, 500)),
    }
    results = {"pages_bench": {"sizes": {"1000000": {"budgets": _budgets(timings)}}}}
    assert failures(results) == [
        "pages_bench/sizes/1000000/budgets/liste des idées, page 1000 : aussi rapide que la page 1",
        "pages_bench/sizes/1000000/budgets/modération : comptes : p95 ≤ 100 ms",
        "pages_bench/sizes/1000000/budgets/exports : réponses 200",
    ]
    assert "pages_bench" in MODULES
