"""Duplicate suggestions on a seeded set with known near-duplicates: precision@1 is measured."""

import json
import math
import random

from app.extensions import db
from app.moderation.queries import suggest_duplicates
from tests.conftest import bearer
from tests.moderation.conftest import centre, offset
from tests.moderation.duplicates_set import DECOYS, PAIRS


def _around(point, distance_m, rng):
    angle = rng.uniform(0, 2 * math.pi)
    return offset(point, east_m=distance_m * math.cos(angle), north_m=distance_m * math.sin(angle))


def seed(consultation, make_contribution, rng):
    """Originals spread over ~1 km (hotspots), duplicates and decoys around them; returns id pairs."""
    origin = centre(consultation)
    pairs, originals = [], []
    for index, (original, duplicate, distance) in enumerate(PAIRS):
        base = (
            _around(origin, rng.uniform(0, 700), rng)
            if index % 4 == 0
            else _around(originals[-1][1], rng.uniform(80, 250), rng)
        )
        o = make_contribution(
            consultation, lon=base[0], lat=base[1], title=original[0], body=original[1], theme=original[2]
        )
        where = _around(base, distance, rng)
        d = make_contribution(
            consultation,
            lon=where[0],
            lat=where[1],
            title=duplicate[0],
            body=duplicate[1],
            theme=duplicate[2],
            status="pending",
        )
        originals.append((o, base))
        pairs.append((o.id, d.id))
    for title, body, theme, index, distance in DECOYS:
        where = _around(originals[index][1], distance, rng)
        make_contribution(consultation, lon=where[0], lat=where[1], title=title, body=body, theme=theme)
    return pairs


def precision_at_1(pairs):
    hits = {"duplicate→original": 0, "original→duplicate": 0}
    misses = []
    for original, duplicate in pairs:
        for direction, query, expected in (
            ("duplicate→original", duplicate, original),
            ("original→duplicate", original, duplicate),
        ):
            suggestions = suggest_duplicates(query, k=3)
            if suggestions and suggestions[0]["id"] == expected:
                hits[direction] += 1
            else:
                misses.append((direction, query, expected, suggestions[:1]))
    return {k: v / len(pairs) for k, v in hits.items()}, misses


def test_the_true_duplicate_comes_first(consultation, make_contribution, artifacts):
    results = []
    for run_seed in (1, 2, 3, 4, 5):
        pairs = seed(consultation, make_contribution, random.Random(run_seed))
        precision, misses = precision_at_1(pairs)
        results.append({"seed": run_seed, "pairs": len(pairs), **precision, "misses": len(misses)})
        db.session.execute(
            db.text("DELETE FROM contributions WHERE consultation_id = :id"), {"id": consultation.id}
        )
    (artifacts / "moderation-duplicates-precision.json").write_text(json.dumps(results, indent=1))
    print("duplicate precision@1:", results)
    for result in results:
        assert result["duplicate→original"] >= 0.8, result
        assert result["original→duplicate"] >= 0.8, result


def test_suggestions_have_scores_best_first_and_stay_in_the_consultation(
    client, consultation, make_consultation, make_contribution, moderator
):
    lon, lat = centre(consultation)
    base = make_contribution(consultation, lon=lon, lat=lat, title="Un abri pour l'arrêt de bus Cité 12")
    near = make_contribution(
        consultation, lon=lon + 0.0003, lat=lat, title="Abri bus arrêt cité 12", status="pending"
    )
    far_same_words = make_contribution(
        consultation, lon=lon + 0.02, lat=lat, title="Abri pour l'arrêt de bus cité 12"
    )
    unrelated = make_contribution(
        consultation, lon=lon + 0.0002, lat=lat, title="Fête des voisins", body="Un repas partagé."
    )
    rejected = make_contribution(
        consultation, lon=lon, lat=lat, title="Abri bus arrêt cité 12", status="rejected"
    )
    other = make_consultation()
    make_contribution(other, lon=lon, lat=lat, title="Un abri pour l'arrêt de bus Cité 12")
    response = client.get(f"/api/moderation/contributions/{base.id}/duplicates", headers=bearer(moderator))
    assert response.status_code == 200
    suggestions = response.get_json()
    ids = [s["id"] for s in suggestions]
    assert ids[:2] == [near.id, far_same_words.id]
    assert unrelated.id not in ids and rejected.id not in ids and len(ids) == 2
    scores = [s["score"] for s in suggestions]
    assert scores == sorted(scores, reverse=True) and 0 < scores[-1] <= scores[0] <= 1
    assert suggestions[0]["distance_m"] < 30 and suggestions[1]["distance_m"] > 1000
