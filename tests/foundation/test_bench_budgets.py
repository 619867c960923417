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
