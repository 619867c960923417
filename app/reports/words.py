"""Frequent words per theme (French stop words removed), counted in SQL."""

import math

from sqlalchemy import text

from app.extensions import db
from app.reports.scope import SCOPE_TABLE as RS
from app.reports.stopwords import STOP_WORDS


def frequent_words(sample_max, per_theme=10, min_length=3):
    """{theme: [{"word", "count"}]}: in how many published contributions (title + text) each word appears.

    Above `sample_max` contributions a systematic sample (1 in `step`) is read; returns (words, step)."""
    published = db.session.execute(text(f"SELECT count(*) FROM {RS} WHERE status = 'published'")).scalar_one()
    step = max(1, math.ceil(published / sample_max)) if sample_max else 1
    rows = db.session.execute(
        text(
            "WITH words AS (SELECT DISTINCT s.id, s.theme_slug AS theme, w AS word"
            f"  FROM {RS} s JOIN contributions c ON c.id = s.id,"
            "  regexp_split_to_table(lower(c.title || ' ' || c.body), '[^[:alpha:]]+') AS w"
            "  WHERE s.status = 'published' AND s.id % :step = 0 AND length(w) >= :min_length"
            "  AND w NOT IN (SELECT unnest(CAST(:stop AS text[])))),"
            " counted AS (SELECT theme, word, count(*) AS n,"
            "  row_number() OVER (PARTITION BY theme ORDER BY count(*) DESC, word) AS r"
            "  FROM words GROUP BY theme, word)"
            " SELECT theme, word, n FROM counted WHERE r <= :per_theme AND n >= 2 ORDER BY theme, r"
        ),
        {"step": step, "min_length": min_length, "stop": sorted(STOP_WORDS), "per_theme": per_theme},
    ).all()
    words = {}
    for theme, word, count in rows:
        words.setdefault(theme, []).append({"word": word, "count": count})
    return words, step
