"""Seeded data for the report tests: two clusters of contributions, votes, comments, a workshop."""

import random
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import text

from app.consultations.models import utcnow
from app.extensions import db
from app.workshops.models import Workshop, WorkshopTally

TITLES = [
    "Un banc à l'ombre près de l'école",
    "Des arbres le long de la rue de Lorraine",
    "Refaire le trottoir devant la pharmacie",
    "Un passage piéton éclairé rue Florent Evrard",
    "Plus de poubelles sur la place",
    "Un square pour les petits derrière la salle",
    "Des jardins partagés sur la friche",
    "Fermer la rue aux voitures le dimanche",
    "Une piste cyclable vers la gare",
    "Un abri pour l'arrêt de bus Cité 12",
    "Réparer l'éclairage du parking",
    "Des bancs pour les anciens près du marché",
    "Rénover les façades des corons",
    "Isoler les logements de la rue Bayard",
    "Plus de logements pour les familles nombreuses",
    "Garder les jardins ouvriers",
    "Une salle pour les jeunes le soir",
    "Un terrain multisport à la place du parking",
    "Des toilettes publiques au square",
    "Une maison médicale dans le quartier",
    "Un marché le samedi matin",
    "Ralentir les voitures devant l'école",
    "Des fleurs sur les ronds-points",
    "Une fresque sur le mur du chevalement",
    "Ouvrir la médiathèque le dimanche",
    "Un composteur collectif",
    "Nettoyer le chemin du terril",
    "Une aire de jeux accessible aux fauteuils",
]
BODIES = [
    "Les enfants attendent debout, il faudrait des arbres et de l'ombre près de l'école.",
    "Le trottoir est abîmé, les poussettes passent sur la route : refaire le trottoir vite.",
    "Les arbres donneraient de l'ombre l'été, et le square serait plus agréable pour les enfants.",
    "La nuit l'éclairage manque, le parking fait peur, il faut de l'éclairage.",
]
CLUSTER_A = (2.8185, 50.4395)
CLUSTER_B = (2.8300, 50.4300)
SCATTERED = [(2.8000, 50.4450), (2.8400, 50.4480), (2.8050, 50.4280), (2.8250, 50.4520), (2.7950, 50.4380)]


def _jitter(rng, center, spread=0.00025):
    return center[0] + rng.uniform(-spread, spread), center[1] + rng.uniform(-spread, spread)


@pytest.fixture
def seed_reports(make_user, make_consultation, make_contribution, make_vote, make_comment):
    """Build the seeded consultation; returns a namespace with what was created (Python-side counts)."""

    def seed():
        rng = random.Random(42)
        now = utcnow()
        consultation = make_consultation(
            qpv_codes=["QP062024", "QP062026"],
            npnru_qpv_code="QP062024",
            title="Cité 12/14 : le quartier de demain",
        )
        other = make_consultation(qpv_codes=["QP062024"], title="Une autre concertation")
        users = [make_user() for _ in range(14)]
        workshop = Workshop(
            consultation_id=consultation.id,
            title="Atelier cartographique",
            starts_at=now - timedelta(days=12),
            place_name="Maison du projet Cité 12/14",
            participants_count=17,
        )
        db.session.add(workshop)
        db.session.flush()
        published, titles = [], iter(TITLES)
        places = [("A", _jitter(rng, CLUSTER_A)) for _ in range(10)] + [
            ("B", _jitter(rng, CLUSTER_B)) for _ in range(6)
        ]
        places += [("S", point) for point in SCATTERED]
        for index, (group, (lon, lat)) in enumerate(places):
            theme = {"A": "cadre-de-vie-espaces-publics", "B": "logement-habitat"}.get(
                group, "mobilite-accessibilite"
            )
            if group == "A" and index % 4 == 3:
                theme = "mobilite-accessibilite"
            source = "workshop" if index in (3, 11) else ("kiosk" if index == 17 else "web")
            author = users[index % len(users)] if source == "web" else None
            qpv_code = "QP062026" if group == "B" else "QP062024"
            contribution = make_contribution(
                consultation,
                author=author,
                lon=lon,
                lat=lat,
                theme=theme,
                title=next(titles),
                body=BODIES[index % len(BODIES)],
                source=source,
                qpv_code=qpv_code,
                workshop_id=workshop.id if source == "workshop" else None,
            )
            published.append(contribution)
        # Creation dates over four weeks; five contributions are old and unanswered.
        for index, contribution in enumerate(published):
            created = now - timedelta(days=3 + (index * 29) // len(published))
            db.session.execute(
                text("UPDATE contributions SET created_at = :c, published_at = :c WHERE id = :id"),
                {"c": created, "id": contribution.id},
            )
        answered = published[:4]
        outcomes = ["retenue", "a_l_etude", "integree", "non_retenue"]
        for contribution, outcome in zip(answered, outcomes, strict=True):
            db.session.execute(
                text(
                    "UPDATE contributions SET outcome = :o, official_answer = :a, answered_at = :t WHERE id = :id"
                ),
                {
                    "o": outcome,
                    "a": f"Réponse de l'équipe projet : proposition {outcome}.",
                    "t": now,
                    "id": contribution.id,
                },
            )
        hidden = [
            make_contribution(
                consultation, author=users[0], title="Contribution en attente", status="pending"
            ),
            make_contribution(
                consultation, author=users[13], title="Contribution refusée", status="rejected"
            ),
            make_contribution(consultation, author=users[1], title="Contribution masquée", status="hidden"),
        ]
        for contribution in (
            make_contribution(other, author=users[2], title="Hors de la concertation 1"),
            make_contribution(other, author=users[3], title="Hors de la concertation 2"),
        ):
            make_vote(contribution, users[4], 1)
        votes = 0
        for c_index, contribution in enumerate(published):
            for u_index, user in enumerate(users[: 3 + (c_index * 7) % 11]):
                value = (
                    -1
                    if (c_index % 5 == 2 and u_index % 2 == 0) or (c_index % 7 == 0 and u_index % 3 == 0)
                    else 1
                )
                make_vote(contribution, user, value)
                votes += 1
        make_vote(hidden[2], users[5], 1)  # a vote on a hidden contribution: not counted in the votes
        db.session.execute(
            text(
                "UPDATE votes v SET created_at = least(now(), c.created_at + (v.id % 9) * interval '1 day')"
                " FROM contributions c WHERE c.id = v.contribution_id AND c.consultation_id = :c"
            ),
            {"c": consultation.id},
        )
        comments = 0
        for contribution in published[::3]:
            make_comment(contribution, users[6])
            comments += 1
        for contribution, (agree, disagree) in ((published[0], (6, 1)), (published[5], (2, 3))):
            db.session.add(
                WorkshopTally(
                    workshop_id=workshop.id,
                    contribution_id=contribution.id,
                    agree=agree,
                    disagree=disagree,
                    comments=2,
                )
            )
            db.session.execute(
                text(
                    "UPDATE contributions SET workshop_agree_count = workshop_agree_count + :a,"
                    " workshop_disagree_count = workshop_disagree_count + :d WHERE id = :id"
                ),
                {"a": agree, "d": disagree, "id": contribution.id},
            )
        db.session.flush()
        db.session.expire_all()
        return SimpleNamespace(
            consultation=consultation,
            other=other,
            users=users,
            workshop=workshop,
            published=published,
            hidden=hidden,
            votes=votes,
            comments=comments,
            answered=answered,
        )

    return seed


from tests.tileserver import dead_tile_server, tile_server  # noqa: E402, F401


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """The browser asks for French pages, as these tests read them (Chromium would send en-US)."""
    return {**browser_context_args, "locale": "fr-FR"}
