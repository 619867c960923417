"""Demo workshops at the maisons du projet (idempotent): one held, with its ideas and paper counts, one coming.

Places: the Maison des Habitants of Avion is named in the Contrat de Ville; the other two are the
renewal sites' maisons du projet, whose street addresses the seeds do not give (only the commune)."""

from datetime import timedelta

from sqlalchemy import select

from app.accounts.models import User
from app.consultations.models import utcnow
from app.consultations.staff import ensure_assignment
from app.contributions.models import Contribution
from app.errors import Invalid
from app.extensions import db
from app.workshops import queries, services
from app.workshops.models import Workshop

FACILITATOR_EMAIL = "animation@demo.cartecommune.invalid"
PLACES = {
    "QP062024": ("Maison du projet de la Cité 12/14", "Lens"),
    "QP062019": ("Maison des Habitants", "Avion"),
    "QP062028": ("Maison du projet du Vent de Bise", "Liévin"),
}
HELD_IDEAS = (
    ("cadre-de-vie-espaces-publics", "Des toilettes publiques près du terrain de foot",
     "Noté sur la carte papier : les familles restent l'après-midi et il n'y a rien."),
    ("mobilite-accessibilite", "Un ralentisseur rue des écoles",
     "Post-it de plusieurs parents : les voitures coupent par la cité pour éviter le feu."),
    ("vie-associative-lien-social", "Une fête de quartier pendant les travaux",
     "Pour garder le lien avec les voisins relogés pendant la rénovation."),
)  # fmt: skip


def seed_demo(consultations):
    """One held and one coming workshop per NPNRU consultation; returns counts."""
    facilitator = _facilitator()
    created = 0
    for consultation in consultations:
        ensure_assignment(consultation, facilitator, "animateur")
        created += _seed_consultation(consultation, facilitator)
    return {"ateliers de démo créés": created}


def _facilitator():
    user = db.session.scalar(select(User).where(User.email == FACILITATOR_EMAIL))
    if user is None:
        user = User(
            email=FACILITATOR_EMAIL,
            pseudonym="Animation maison du projet",
            password_hash="!",  # no password: set one with `flask users` to try the facilitator screens
            role="facilitator",
            confirmed_at=utcnow(),
        )
        db.session.add(user)
        db.session.flush()
    return user


def _seed_consultation(consultation, facilitator):
    place, commune = PLACES.get(consultation.npnru_qpv_code or "", ("Maison du projet", ""))
    existing = set(
        db.session.scalars(select(Workshop.title).where(Workshop.consultation_id == consultation.id))
    )
    created = 0
    held_title = "Atelier « cadre de vie » autour de la carte"
    if held_title not in existing:
        held = services.create_workshop(
            facilitator, consultation, utcnow() - timedelta(days=9), place, title=held_title, address=commune,
            ends_at=utcnow() - timedelta(days=9) + timedelta(hours=2), participants_count=17,
            demographics={"genre": {"femmes": 10, "hommes": 7}, "habitants_qpv": {"oui": 14, "non": 3},
                          "age": {"18-25": 2, "26-40": 6, "41-60": 5, "61-75": 4}},
            outcome_summary="Les participants ont placé leurs idées sur la carte papier : sécurité des "
            "trajets vers l'école, lieux pour se retrouver, propreté. Trois idées nouvelles ont été "
            "saisies sur la plateforme et les idées déjà en ligne ont reçu des votes sur papier.",
        )  # fmt: skip
        _enter_ideas(facilitator, held)
        _paper_counts(facilitator, held)
        created += 1
    coming_title = "Balade urbaine et atelier cartes"
    if coming_title not in existing:
        services.create_workshop(
            facilitator,
            consultation,
            utcnow() + timedelta(days=12),
            place,
            title=coming_title,
            address=commune,
        )
        created += 1
    db.session.flush()
    return created


def _cells_near_centre(consultation_id, count):
    """Grid cells whose centre is inside the perimeter (+ buffer), nearest to the grid's centre first."""
    grid = queries.consultation_grid(consultation_id)
    centre = ((grid.minx + grid.maxx) / 2, (grid.miny + grid.maxy) / 2)
    refs = sorted(
        grid.refs(), key=lambda r: (grid.centre(r)[0] - centre[0]) ** 2 + (grid.centre(r)[1] - centre[1]) ** 2
    )
    found = []
    for ref in refs:
        try:
            queries.grid_ref_point(consultation_id, grid, ref)
        except Invalid:
            continue
        found.append(ref)
        if len(found) == count:
            break
    return found


def _enter_ideas(facilitator, workshop):
    if not workshop.consultation.is_open():
        return
    cells = _cells_near_centre(workshop.consultation_id, len(HELD_IDEAS))
    themes = {t.slug for t in workshop.consultation.themes}
    for (theme, title, body), ref in zip(HELD_IDEAS, cells, strict=False):
        if theme in themes:
            services.enter_contribution(facilitator, workshop, theme, title, body, grid_ref=ref)


def _paper_counts(facilitator, workshop):
    top = db.session.scalars(
        select(Contribution)
        .where(Contribution.consultation_id == workshop.consultation_id, Contribution.status == "published")
        .where(Contribution.workshop_id.is_distinct_from(workshop.id))  # ideas already online before
        .order_by(Contribution.agree_count.desc(), Contribution.id)
        .limit(3)
    ).all()
    for index, contribution in enumerate(top):
        services.record_tally(
            facilitator, workshop, contribution, agree=9 - 2 * index, disagree=index, comments=2
        )
