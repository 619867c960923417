"""What a report covers: one consultation, one QPV, or the whole territory."""

from dataclasses import dataclass

from sqlalchemy import text

from app.extensions import db

SCOPE_TABLE = "report_scope"


@dataclass(frozen=True)
class Scope:
    kind: str  # "consultation", "qpv" or "territory"
    consultation_id: int | None = None
    qpv_code: str | None = None

    @classmethod
    def of(cls, report):
        """The scope of a Report row."""
        return cls(report.scope, report.consultation_id, report.qpv_code)

    def contribution_filter(self, alias="c"):
        """(SQL condition, params) selecting this scope's contributions."""
        if self.kind == "consultation":
            return f"{alias}.consultation_id = :scope_consultation", {
                "scope_consultation": self.consultation_id
            }
        if self.kind == "qpv":
            return f"{alias}.qpv_code = :scope_qpv", {"scope_qpv": self.qpv_code}
        return "TRUE", {}

    def consultation_filter(self, alias="co"):
        """(SQL condition, params) selecting the consultations this scope touches."""
        if self.kind == "consultation":
            return f"{alias}.id = :scope_consultation", {"scope_consultation": self.consultation_id}
        if self.kind == "qpv":
            return (
                f"{alias}.id IN (SELECT consultation_id FROM consultation_qpvs WHERE qpv_code = :scope_qpv)",
                {"scope_qpv": self.qpv_code},
            )
        return "TRUE", {}


def build_scope_table(scope):
    """Copy the scope's contributions (all statuses) into a temporary table; returns its row count.

    Every aggregate then reads this small table instead of filtering `contributions` again."""
    condition, params = scope.contribution_filter("c")
    db.session.execute(text(f"DROP TABLE IF EXISTS {SCOPE_TABLE}"))
    db.session.execute(
        text(
            f"CREATE TEMP TABLE {SCOPE_TABLE} AS"
            " SELECT c.id, c.consultation_id, c.status, c.source, c.theme_slug, c.outcome, c.qpv_code,"
            " c.commune_insee, c.author_id, c.created_at, c.published_at, c.answered_at, c.title,"
            " (c.official_answer IS NOT NULL OR c.outcome IS NOT NULL) AS answered,"
            " c.agree_count, c.disagree_count, c.comment_count,"
            " c.workshop_agree_count, c.workshop_disagree_count, c.anchor"
            f" FROM contributions c WHERE {condition}"
        ),
        params,
    )
    db.session.execute(text(f"CREATE INDEX ON {SCOPE_TABLE} (id)"))
    db.session.execute(text(f"ANALYZE {SCOPE_TABLE}"))
    return db.session.execute(text(f"SELECT count(*) FROM {SCOPE_TABLE}")).scalar_one()


def drop_scope_table():
    db.session.execute(text(f"DROP TABLE IF EXISTS {SCOPE_TABLE}"))
