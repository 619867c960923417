"""Likely duplicates of a contribution: PostGIS distance + pg_trgm similarity of title and body."""

from sqlalchemy import text

from app.extensions import db

# Words that say nothing about *what* is asked (the place is compared by geometry, not by street words).
STOPWORDS = (
    "le la les de des du d l un une pour dans sur au aux a en et svp plus pas est il y on"
    " avec qui que ne se ce c nos nous vers rue place avenue boulevard allee chemin"
)
ACCENTS = ("àâäéèêëîïôöùûüçœ'’-", "aaaeeeeiioouuuce   ")


def normalized(expression):
    """SQL: lower case, no accents, no stop words (trigram similarity then compares what is asked)."""
    source, target = (s.replace("'", "''") for s in ACCENTS)
    words = "|".join(STOPWORDS.split())
    return (
        f"regexp_replace(translate(lower({expression}), '{source}', '{target}'), '\\m({words})\\M', ' ', 'g')"
    )


def _closeness(distance):
    # 1.0 within NEAR_M, fading to 1 - FAR_WEIGHT at NEAR_M + FADE_M and beyond.
    return f"(1 - :far_weight * least(1.0, greatest(0.0, {distance} - :near_m) / :fade_m))"


def _texts(alias):
    return f"{alias}.title", f"{alias}.title || ' ' || left({alias}.body, 300)"


# Stage 1 gathers candidates of the same consultation: the nearest ones (ST_DWithin prefilter on the
# GiST index of `anchor`, then KNN) and, optionally, similar titles anywhere in the perimeter (GIN
# trigram index, `%`); it ranks them with a cheap score (raw title × closeness). Stage 2 scores the best few
# on normalised text (no accents, no stop words): score = text similarity × closeness, 0–1.
NEAR_BRANCH = """(SELECT n.id FROM contributions n
      WHERE n.consultation_id = {base}.consultation_id AND n.id <> {base}.id
        AND n.status IN ('pending', 'published', 'hidden')
        AND ST_DWithin(n.anchor, {base}.anchor, :prefilter_deg)
      ORDER BY n.anchor <-> {base}.anchor LIMIT {near_limit})"""
TEXT_BRANCH = """(SELECT t.id FROM contributions t
      WHERE t.consultation_id = {base}.consultation_id AND t.id <> {base}.id
        AND t.status IN ('pending', 'published', 'hidden') AND t.title % {base}.title
      LIMIT 50)"""
CANDIDATES_SQL = """
SELECT r.id, r.title, r.status, r.theme_slug, r.agree_count, r.disagree_count, r.created_at,
  round(r.dist_m)::int AS distance_m, round(s.title_sim::numeric, 2)::float AS title_similarity,
  round(s.score::numeric, 2)::float AS score
FROM (SELECT {norm_b_title} AS title, {norm_b_text} AS body_text) b
CROSS JOIN LATERAL (
  SELECT o.id, o.title, o.body, o.status, o.theme_slug, o.agree_count, o.disagree_count, o.created_at, d.dist_m
  FROM contributions o
  CROSS JOIN LATERAL (SELECT ST_DistanceSphere(o.anchor, {base}.anchor) AS dist_m) d
  WHERE o.id IN ({branches})
  ORDER BY similarity({o_title}, {b_title}) * {closeness} DESC
  LIMIT :rescore
) r
CROSS JOIN LATERAL (
  SELECT similarity({norm_r_title}, b.title) AS title_sim, similarity({norm_r_text}, b.body_text) AS text_sim
) t
CROSS JOIN LATERAL (
  SELECT t.title_sim, (:w_title * t.title_sim + (1 - :w_title) * t.text_sim) * {r_closeness} AS score
) s
WHERE s.score >= :min_score
ORDER BY s.score DESC, r.id
LIMIT :k
"""
PARAMS = {
    "w_title": 0.6,
    "far_weight": 0.4,  # a far duplicate keeps 60 % of its text score
    "near_m": 50.0,
    "fade_m": 450.0,
    "prefilter_deg": 0.006,  # ~420 m of longitude, ~670 m of latitude around Lens
    "rescore": 6,
    "min_score": 0.18,
}


def candidates_sql(base, far_titles=True, near_limit=100):
    """The candidates query for the row aliased `base` (used as a LATERAL subquery)."""
    o_title, _ = _texts("o")
    b_title, b_text = _texts(base)
    r_title, r_text = _texts("r")
    branches = NEAR_BRANCH + (" UNION ALL " + TEXT_BRANCH if far_titles else "")
    return CANDIDATES_SQL.format(
        branches=branches.format(base=base, near_limit=int(near_limit)),
        base=base,
        o_title=o_title,
        b_title=b_title,
        closeness=_closeness("d.dist_m"),
        r_closeness=_closeness("r.dist_m"),
        norm_b_title=normalized(b_title),
        norm_b_text=normalized(b_text),
        norm_r_title=normalized(r_title),
        norm_r_text=normalized(r_text),
    )


def duplicate_params(k):
    """Bound parameters of the candidates SQL."""
    return {**PARAMS, "k": k}


PREVIEW_SQL = """
SELECT o.id, o.title, o.status, o.theme_slug, o.agree_count, o.disagree_count, o.created_at,
  round(s.dist_m)::int AS distance_m, round(s.title_sim::numeric, 2)::float AS title_similarity,
  round((s.title_sim * {closeness})::numeric, 2)::float AS score
FROM contributions o
CROSS JOIN LATERAL (SELECT ST_DistanceSphere(o.anchor, {base}.anchor) AS dist_m,
  similarity(o.title, {base}.title) AS title_sim) s
WHERE o.id IN ({branch}) AND s.title_sim * {closeness} >= :min_score
ORDER BY score DESC, o.id
LIMIT :k
"""


def duplicates_json_sql(base="c"):
    """SQL (a json array) of the nearby duplicates of the row aliased `base`, for a LATERAL join.

    The inbox previews, for each of its rows, the nearest few contributions (KNN on the GiST index of
    `anchor`, LIMIT 12) scored on their raw titles: the normalised rescoring and the trigram search
    over the whole consultation are for the contribution page and the API."""
    preview = PREVIEW_SQL.format(
        base=base,
        branch=NEAR_BRANCH.format(base=base, near_limit=12),
        closeness=_closeness("s.dist_m"),
    )
    return (
        "SELECT coalesce(json_agg(row_to_json(x) ORDER BY x.score DESC, x.id), '[]'::json) AS duplicates"
        f" FROM ({preview}) x"
    )


def suggest_duplicates(contribution_id, k=5):
    """Up to `k` likely duplicates of a contribution, best first, each with its score (0–1)."""
    sql = f"SELECT x.* FROM contributions c CROSS JOIN LATERAL ({candidates_sql('c')}) x WHERE c.id = :id"
    rows = db.session.execute(text(sql), {**duplicate_params(k), "id": contribution_id}).mappings()
    return [dict(row) for row in rows]
