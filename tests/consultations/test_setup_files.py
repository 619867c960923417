"""Setup as data: `flask consultations create --from-file` / `export`, and the demo loaded from YAML."""

from sqlalchemy import func, select

from app.consultations.models import Consultation, ConsultationStaff
from app.extensions import db
from app.moderation.models import ModerationAction

SPEC = """
slug: jardins-partages
title: "Des jardins partagés à la Cité 4"
summary: Où cultiver ensemble ?
description: "Les **jardins** de demain."
status: published
qpv_codes: [QP062019, QP062024]
buffer_m: 200
geometry_kinds: [point, polygon]
moderation_mode: pre
voting_mode: support
landmarks:
  - {name: Église Saint-Denis, lon: 2.832, lat: 50.413}
staff:
  - {user: cheffe@exemple.fr, role: chef_de_projet}
phases:
  - {name: Idées, starts_in_days: -2, ends_in_days: 20, actions: [propose, comment]}
  - {name: Votes, starts_at: "2030-01-01T09:00:00+01:00", ends_at: "2030-02-01T09:00:00+01:00", actions: [vote]}
"""


def _count():
    return db.session.scalar(select(func.count()).select_from(Consultation))


def test_create_from_a_yaml_file_then_export_and_recreate(app, tmp_path, make_user):
    lead = make_user(email="cheffe@exemple.fr")
    path = tmp_path / "jardins.yml"
    path.write_text(SPEC, encoding="utf-8")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["consultations", "create", "--from-file", str(path)])
    assert result.exit_code == 0, result.output
    assert (
        "Concertation « Des jardins partagés à la Cité 4 » créée (jardins-partages, published)."
        in result.output
    )
    created = db.session.scalar(select(Consultation).where(Consultation.slug == "jardins-partages"))
    assert [p.name for p in created.phases] == ["Idées", "Votes"] and created.allows("propose")
    assert created.voting_mode == "support" and created.is_published and created.perimeter_provisional
    staff = db.session.scalar(
        select(ConsultationStaff).where(ConsultationStaff.consultation_id == created.id)
    )
    assert staff.user_id == lead.id and staff.role == "chef_de_projet"
    assert db.session.scalar(
        select(ModerationAction.action).where(ModerationAction.target_id == created.id)
    ) == ("consultation_create")
    exported = tmp_path / "export.yml"
    result = runner.invoke(args=["consultations", "export", "jardins-partages", "--to", str(exported)])
    assert result.exit_code == 0, result.output
    text = exported.read_text(encoding="utf-8")
    assert "Église Saint-Denis" in text and "starts_at: '2030-01-01T08:00:00+00:00'" in text
    exported.write_text(text.replace("slug: jardins-partages", "slug: jardins-bis"), encoding="utf-8")
    result = runner.invoke(args=["consultations", "create", "--from-file", str(exported)])
    assert result.exit_code == 0, result.output
    copy = db.session.scalar(select(Consultation).where(Consultation.slug == "jardins-bis"))
    assert [(p.name, p.starts_at, p.ends_at, p.actions) for p in copy.phases] == [
        (p.name, p.starts_at, p.ends_at, p.actions) for p in created.phases
    ]
    assert [q.code for q in copy.qpvs] == ["QP062019", "QP062024"] and copy.buffer_m == 200


def test_a_bad_file_says_why_in_french_and_saves_nothing(app, tmp_path, make_user):
    make_user(email="cheffe@exemple.fr")
    runner = app.test_cli_runner()
    cases = {
        "inconnu.yml": (SPEC.replace("QP062019", "QP000000"), "QPV inconnu : QP000000"),
        "chevauchement.yml": (SPEC.replace("ends_in_days: 20", "ends_in_days: 5000"), "se chevauchent"),
        "cle.yml": (SPEC + "couleur: rouge\n", "Clés inconnues"),
        "pas-yaml.yml": ("slug: [", "n'est pas un YAML valide"),
    }
    before = _count()
    for name, (content, words) in cases.items():
        path = tmp_path / name
        path.write_text(content, encoding="utf-8")
        result = runner.invoke(args=["consultations", "create", "--from-file", str(path)])
        assert result.exit_code != 0 and words in result.output, (name, result.output)
        assert _count() == before, name


def test_demo_seed_loads_the_three_yaml_files_through_the_service(app):
    from app.demo import DEMO_SLUGS, seed_demo

    seed_demo()
    rows = db.session.scalars(select(Consultation).where(Consultation.slug.in_(DEMO_SLUGS))).all()
    assert sorted(c.slug for c in rows) == sorted(DEMO_SLUGS)
    assert all(c.is_published and c.phases and c.allows("propose") for c in rows)
    audited = db.session.scalar(
        select(func.count())
        .select_from(ModerationAction)
        .where(ModerationAction.action == "consultation_create")
    )
    assert audited == 3
    assert seed_demo()["concertations créées"] == 0
