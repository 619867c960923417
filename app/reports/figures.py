"""All the figures of one report, computed in SQL by the job (never in a request)."""

from datetime import date, datetime
from decimal import Decimal

from flask import current_app
from flask_babel.speaklater import LazyString
from sqlalchemy import select, text

from app.consultations.models import Consultation
from app.contributions.models import OUTCOME_LABELS, SOURCE_LABELS, STATUS_LABELS
from app.extensions import db
from app.reports import aggregates, rankings, spatial, words
from app.reports.scope import build_scope_table
from app.territory.models import Qpv, Theme


def setting(name):
    return current_app.config[name]


def compute_figures(scope, data_date, progress):
    """The figures dict of a report over `scope` (the scope table must not exist yet)."""
    build_scope_table(scope)
    progress(10)
    figures = {"scope": describe_scope(scope), "data_date": data_date.isoformat(), "labels": labels()}
    figures.update(aggregates.breakdowns())
    progress(20)
    votes, online, per_qpv = aggregates.votes_and_participants(scope)
    figures.update(votes)
    progress(35)
    figures.update(aggregates.comments_and_paper())
    every_workshop = aggregates.workshops(scope)
    workshops = [item for item in every_workshop if item["held"]]  # coming ones are not counted as held
    in_workshops = sum(item["participants_count"] for item in workshops)
    figures.update(participants=online + in_workshops, participants_online=online)
    figures["participants_workshops"] = in_workshops
    figures["workshops"] = {"count": len(workshops), "participants": in_workshops, "items": workshops}
    figures["workshops"]["coming"] = [item for item in every_workshop if not item["held"]]
    figures["qpv"] = rankings.qpv_rates(scope, per_qpv, workshops)
    figures["by_consultation"] = aggregates.by_consultation()
    progress(50)
    _add_rankings(figures, data_date)
    progress(60)
    figures["hotspots"] = spatial.hotspots(
        setting("REPORT_HOTSPOT_EPS_M"),
        setting("REPORT_HOTSPOT_MIN_POINTS"),
        setting("REPORT_HOTSPOT_MIN_SHARE"),
        setting("REPORT_HOTSPOT_SAMPLE"),
        setting("REPORT_HOTSPOT_MAX"),
    )
    progress(70)
    figures["words"], step = words.frequent_words(setting("REPORT_WORDS_SAMPLE"))
    figures["words_sample_step"] = step
    progress(75)
    return jsonable(figures)


def _add_rankings(figures, data_date):
    figures["most_supported"] = rankings.most_supported(10)
    figures["most_debated"] = rankings.most_debated(10)
    figures["answers"] = rankings.answers(setting("REPORT_ANSWERS_MAX"))
    figures["unanswered"] = rankings.unanswered(setting("REPORT_UNANSWERED_DAYS"), data_date, 20)
    total = figures["contributions"]
    figures["answered_rate"] = round(100 * figures["answers"]["count"] / total, 1) if total else None
    votes = figures["votes"] + figures["paper_votes"]["agree"] + figures["paper_votes"]["disagree"]
    figures["votes_all"] = votes


def describe_scope(scope):
    """Title, dates, modes and QPV of the scope, for the page and the PDF."""
    if scope.kind == "consultation":
        consultation = db.session.get(Consultation, scope.consultation_id)
        return {
            "kind": "consultation",
            "slug": consultation.slug,
            "title": consultation.title,
            "summary": consultation.summary,
            "opens_at": consultation.opens_at,
            "closes_at": consultation.closes_at,
            "moderation_mode": consultation.moderation_mode,
            "voting_mode": consultation.voting_mode,
            "phase": consultation.phase,
            "perimeter_provisional": consultation.perimeter_provisional,
            "buffer_m": consultation.buffer_m,
            "qpv": [_qpv_summary(qpv) for qpv in consultation.qpvs],
        }
    if scope.kind == "qpv":
        qpv = db.session.get(Qpv, scope.qpv_code)
        return {"kind": "qpv", "code": qpv.code, "title": f"Quartier {qpv.name}", "qpv": [_qpv_summary(qpv)]}
    from app.territory.identity import territory_identity

    return {"kind": "territory", "title": territory_identity().name, "qpv": []}


def _qpv_summary(qpv):
    return {
        "code": qpv.code,
        "name": qpv.name,
        "population": qpv.population,
        "npnru": qpv.npnru,
        "npnru_site": qpv.npnru_site,
        "communes": [commune.name for commune in qpv.communes],
    }


def labels():
    """Labels (in the requester's language: the job forces it) and colours used by charts and tables."""
    themes = db.session.scalars(select(Theme).order_by(Theme.position)).all()
    return {
        "themes": {t.slug: {"label": t.label, "color": t.color, "enjeu": t.enjeu} for t in themes},
        "outcomes": {key: str(label) for key, label in OUTCOME_LABELS.items()},
        "sources": {key: str(label) for key, label in SOURCE_LABELS.items()},
        "statuses": {key: str(label) for key, label in STATUS_LABELS.items()},
    }


def database_now():
    """The database's current time (the report's data date)."""
    return db.session.execute(text("SELECT now()")).scalar_one()


def jsonable(value):
    """Dates as ISO strings, Decimals as floats, recursively (for the JSONB column)."""
    if isinstance(value, dict):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, LazyString):
        return str(value)
    return value
