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


def test_write_rates_are_paired_with_their_floor_round_by_round():
    """Each round's app rate is set against the floor measured just before it (the machine drifts):
    the ratio is the median of the rounds' ratios, not the ratio of two medians; errors add up."""
    from bench._writes import _paired

    rounds = [
        ({"rate": 1000.0, "errors": {}}, {"rate": 500.0, "errors": {}}, {"rate": 700.0, "errors": {}}),
        (
            {"rate": 1600.0, "errors": {}},
            {"rate": 640.0, "errors": {"503": 2}},
            {"rate": 960.0, "errors": {}},
        ),
        (
            {"rate": 1200.0, "errors": {}},
            {"rate": 360.0, "errors": {"503": 1}},
            {"rate": 840.0, "errors": {}},
        ),
    ]
    figures = _paired(rounds)
    assert figures["ratio"] == 0.4  # 0.5, 0.4, 0.3: the median ratio, not 500 / 1200 = 0.42 of the medians
    assert (figures["sql_floor_per_s"], figures["app_per_s"]) == (1200.0, 500.0)
    assert figures["app_errors"] == {"503": 3}
    assert [r["app_per_s"] for r in figures["rounds"]] == [500.0, 640.0, 360.0]
    # the signed-in no-op beside them: 0.7, 0.6, 0.7 of the floor
    assert (figures["signed_in_noop_per_s"], figures["signed_in_noop_ratio"]) == (840.0, 0.7)
    assert "signed_in_noop_per_s" not in _paired([(f, a, None) for f, a, _ in rounds])
