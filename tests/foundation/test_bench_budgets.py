"""`make bench` fails when a budget is not met (the figures alone would let a regression through)."""

from bench.run import failures


def test_every_missed_budget_is_named():
    results = {
        "map_bench": {
            "100000": {"budgets": {"ratio_le_1_5": True, "gzip_le_50KiB": True}},
            "1000000": {"budgets": {"ratio_le_1_5": False, "gzip_le_50KiB": True}},
        },
        "exports_bench": {"csv": [{"rows": 10}, {"error": "le worker s'est arrêté"}]},
        "reports_bench": {
            "1000000": {"territory": {"within_target": False}, "consultation": {"within_target": True}}
        },
    }
    assert failures(results) == [
        "map_bench/1000000/budgets/ratio_le_1_5",
        "exports_bench/csv/1/error : le worker s'est arrêté",
        "reports_bench/1000000/territory/within_target",
    ]


def test_all_met_is_empty():
    assert failures({"map_bench": {"100000": {"budgets": {"ratio_le_1_5": True}}, "error": None}}) == []


def test_ogc_bench_is_run_and_names_its_budgets():
    from bench import ogc_bench
    from bench.run import MODULES

    assert "ogc_bench" in MODULES
    seq = {"raw": [(15, 4.0)] * 10, "endpoint": [(15, 5.0)] * 9 + [(15, 60.0)], "statuses": {200}}
    pages = {"first_ms": {"p50": 5.0}, "last_ms": {"p50": 40.0}, "last_statuses": [200]}
    figures = ogc_bench._figures(1_000_000, {}, [{}] * 10, seq, pages)
    assert figures["ratio_endpoint_over_raw_median"] == 1.25
    assert failures({"ogc_bench": {"sizes": {"1000000": figures}}}) == [
        "ogc_bench/sizes/1000000/budgets/p95_le_50ms",
        "ogc_bench/sizes/1000000/budgets/last_page_as_fast_as_first",
    ]
