"""Demo content: residents and ~25 realistic proposals per NPNRU consultation, with votes and comments.

Idempotent: residents are found by e-mail, proposals by (consultation, title); votes are upserted
and the counters recounted from the rows. Places are drawn (seeded, so always the same) inside the
official QPV perimeter when imported, else inside the perimeter near the renewal site."""

import random
from datetime import timedelta

from sqlalchemy import select, text

from app.accounts.models import User
from app.consultations.models import utcnow
from app.contributions.models import Comment, Contribution
from app.contributions.services import create_contribution
from app.extensions import db

RESIDENTS = (
    "Nadia du 12", "Jean-Pierre L.", "Kevin62", "Fatima B.", "Mme Lefebvre", "Dylan", "Sabrina M.",
    "Mohamed", "Josiane", "Ludo de la cité", "Céline P.", "Bernard", "Inès", "Rémi_Avion",
)  # fmt: skip
# Approximate centres of the renewal sites (lon, lat), used while QPV perimeters are not imported.
SITES = {"QP062024": (2.8125, 50.4395), "QP062019": (2.8290, 50.4065), "QP062028": (2.7640, 50.4180)}
PROPOSALS = (
    ("mobilite-accessibilite", "Un passage piéton sécurisé devant l'école",
     "Les voitures arrivent vite dans le virage, les enfants traversent sans visibilité le matin."),
    ("cadre-de-vie-espaces-publics", "Des bancs et de l'ombre sur la place",
     "Les anciens n'ont nulle part où s'asseoir en été. Quelques arbres et des bancs suffiraient."),
    ("education-jeunesse", "Des jeux pour les petits dans le square",
     "L'aire de jeux a été retirée il y a deux ans et rien n'a été remis. Les mamans vont jusqu'au parc."),
    ("logement-habitat", "Isoler les maisons de la cité avant l'hiver",
     "On chauffe pour rien : les fenêtres laissent passer l'air et les factures ont doublé."),
    ("culture-sport-loisirs", "Garder les façades des maisons minières",
     "C'est notre patrimoine (UNESCO). Rénover oui, mais sans tout démolir ni enlever les briques."),
    ("sante", "Une maison de santé avec des médecins",
     "Il faut aller à Lens ou à Liévin pour voir un généraliste, et les rendez-vous sont à trois semaines."),
    ("vie-associative-lien-social", "Un local pour les associations du quartier",
     "Les associations se réunissent chez les gens. Une salle partagée avec un planning serait utile."),
    ("cadre-de-vie-espaces-publics", "Plus de poubelles et un ramassage des encombrants",
     "Les dépôts sauvages s'accumulent derrière les garages. Un passage par mois pour les encombrants."),
    ("energie-environnement", "Des jardins partagés sur le terrain vague",
     "Le terrain derrière les immeubles est à l'abandon. Des parcelles pour les familles qui n'ont pas de jardin."),
    ("mobilite-accessibilite", "Une piste cyclable jusqu'à la gare",
     "Beaucoup de jeunes vont au lycée à vélo sur la route, c'est dangereux. Une piste séparée."),
    ("commerces-activite-economique", "Une boulangerie et une petite épicerie",
     "Depuis la fermeture de la supérette il faut prendre la voiture pour acheter du pain."),
    ("tranquillite-publique", "Éclairer la rue entre l'arrêt de bus et les immeubles",
     "Le soir en hiver c'est tout noir, les femmes ne se sentent pas en sécurité en rentrant du travail."),
    ("emploi-insertion-formation", "Réserver des heures de chantier aux habitants",
     "Les travaux du renouvellement urbain vont durer des années : que les jeunes du quartier y soient embauchés."),
    ("numerique", "Une aide pour les démarches en ligne",
     "CAF, impôts, France Travail : tout est sur internet. Une permanence avec un médiateur numérique."),
    ("renovation-urbaine-npnru", "Reloger les anciens dans le quartier pendant les travaux",
     "Ma mère a 80 ans, elle ne veut pas partir loin de ses voisins. Des logements de plain-pied ici."),
    ("services-equipements-proximite", "Rouvrir le bureau de poste, même deux matinées",
     "Les personnes âgées n'ont pas de voiture et le bus passe une fois par heure."),
    ("education-jeunesse", "De l'aide aux devoirs au centre social",
     "Beaucoup de parents ne peuvent pas aider leurs enfants. Des bénévoles ou des étudiants le soir."),
    ("culture-sport-loisirs", "Rénover le city-stade",
     "Les filets sont déchirés et le sol est abîmé. C'est le seul endroit pour les ados."),
    ("mobilite-accessibilite", "Des trottoirs accessibles aux poussettes et aux fauteuils",
     "Les trottoirs sont étroits et les voitures garées dessus. Impossible de passer avec un fauteuil."),
    ("vie-associative-lien-social", "Une fête de quartier chaque été",
     "Pour que les nouveaux et les anciens se rencontrent, avec les associations et les écoles."),
    ("tranquillite-publique", "Ralentir les voitures dans la rue principale",
     "Des ralentisseurs ou une zone 30 : ça roule beaucoup trop vite devant les maisons."),
    ("energie-environnement", "Planter des arbres le long de l'avenue",
     "Il fait très chaud l'été sur le bitume. Des arbres feraient de l'ombre et du bien."),
    ("renovation-urbaine-npnru", "Des logements plus grands pour les familles",
     "On vit à cinq dans un T3. Dans les nouveaux logements, prévoir des T4 et T5 à loyer modéré."),
    ("participation-citoyenne", "Un conseil citoyen qui se réunit dans le quartier",
     "Les réunions ont lieu en mairie à 18 h, c'est compliqué. Au centre social, le samedi matin."),
    ("sante", "Un défibrillateur près de la salle des fêtes",
     "Beaucoup d'activités pour les seniors ont lieu là-bas et il n'y a aucun équipement de secours."),
)  # fmt: skip
COMMENTS = (
    "Tout à fait d'accord, on en parle depuis des années.",
    "Bonne idée, mais qui va l'entretenir ?",
    "Je ne suis pas sûr que ce soit la priorité, il y a plus urgent.",
    "Oui ! Et il faudrait aussi penser aux personnes âgées.",
    "On l'avait déjà demandé au conseil de quartier.",
    "Pourquoi pas, si ça ne fait pas augmenter les loyers.",
    "Il faudrait en discuter à l'atelier de la maison du projet.",
)
ANSWERS = (
    ("a_l_etude", "Merci pour cette proposition. Elle est étudiée avec les services techniques de la ville."),
    (
        "retenue",
        "Cette idée est retenue : elle sera intégrée au plan guide du projet de renouvellement urbain.",
    ),
    ("deja_prevue", "C'est déjà prévu dans la convention NPNRU : les travaux commenceront l'an prochain."),
)


def seed_demo(consultations):
    """Demo residents, proposals, votes and comments on the given consultations; returns counts."""
    residents = _residents()
    created = 0
    for consultation in consultations:
        created += _seed_consultation(consultation, residents)
        _refresh_map_grid(consultation.id)
    return {"habitants de démo": len(residents), "idées de démo créées": created}


def _residents():
    users = []
    for index, pseudonym in enumerate(RESIDENTS):
        email = f"habitant{index + 1}@demo.cartecommune.invalid"
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None:
            user = User(
                email=email, pseudonym=pseudonym, password_hash="!", role="resident", confirmed_at=utcnow()
            )
            db.session.add(user)
        users.append(user)
    db.session.flush()
    return users


def _seed_consultation(consultation, residents):
    existing = set(
        db.session.scalars(select(Contribution.title).where(Contribution.consultation_id == consultation.id))
    )
    themes = {t.slug for t in consultation.themes}
    rng = random.Random(f"demo-{consultation.slug}")
    places = _places(consultation, len(PROPOSALS))
    created = 0
    for index, (theme, title, body) in enumerate(PROPOSALS):
        if title in existing or theme not in themes:
            continue
        author = residents[index % len(residents)]
        contribution = create_contribution(
            author, consultation, places[index], theme, title, body, refresh_map=False
        )
        _decorate(contribution, index, rng)
        _react(contribution, residents, rng)
        created += 1
    _recount(consultation.id)
    return created


def _places(consultation, count):
    """`count` GeoJSON points (seeded): in the official QPV perimeter, else near the renewal site."""
    lon, lat = SITES.get(consultation.npnru_qpv_code or "", (None, None))
    rows = db.session.execute(
        text(
            "WITH site AS (SELECT c.id, c.geom, ST_Intersection(c.geom, ST_Buffer(ST_SetSRID("
            "  ST_MakePoint(:lon, :lat), 4326)::geography, 650)::geometry) AS near FROM consultations c"
            "  WHERE c.id = :id),"
            " area AS (SELECT coalesce("
            "  (SELECT ST_Union(q.geom) FROM consultation_qpvs cq JOIN qpv q ON q.code = cq.qpv_code"
            "   WHERE cq.consultation_id = site.id AND q.geom IS NOT NULL),"
            "  CASE WHEN ST_Area(near) > 0 THEN near END, site.geom) AS g FROM site)"
            " SELECT ST_X(d.geom), ST_Y(d.geom) FROM area, ST_Dump(ST_GeneratePoints(area.g, :n, 2024)) d"
        ),
        {"id": consultation.id, "lon": lon or 0.0, "lat": lat or 0.0, "n": count},
    ).all()
    return [{"type": "Point", "coordinates": [x, y]} for x, y in rows]


def _decorate(contribution, index, rng):
    """Spread the dates over the last weeks; publish most; answer some officially."""
    created = utcnow() - timedelta(days=rng.randint(1, 20), hours=rng.randint(0, 23))
    contribution.created_at = created
    if contribution.status == "pending" and index % 6 != 5:
        contribution.status = "published"
    contribution.published_at = created + timedelta(hours=2) if contribution.status == "published" else None
    if index % 5 == 0:
        outcome, answer = ANSWERS[(index // 5) % len(ANSWERS)]
        contribution.outcome, contribution.official_answer = outcome, answer
        contribution.answered_at = created + timedelta(days=1)
    db.session.flush()


def _react(contribution, residents, rng):
    """Votes skewed towards agreement (some ideas split opinion), a few comments with a reply."""
    if contribution.status != "published":
        return
    lean = rng.choice((0.9, 0.8, 0.7, 0.5))
    for user in rng.sample(residents, rng.randint(2, len(residents))):
        if user.id == contribution.author_id:
            continue
        value = 1 if rng.random() < lean or contribution.consultation.voting_mode == "support" else -1
        db.session.execute(
            text(
                "INSERT INTO votes (contribution_id, user_id, value, created_at, updated_at)"
                " VALUES (:c, :u, :v, now(), now()) ON CONFLICT (contribution_id, user_id) DO NOTHING"
            ),
            {"c": contribution.id, "u": user.id, "v": value},
        )
    parent = None
    for body in rng.sample(COMMENTS, rng.randint(0, 3)):
        author = rng.choice(residents)
        comment = Comment(contribution_id=contribution.id, author_id=author.id, body=body, parent_id=parent)
        db.session.add(comment)
        db.session.flush()
        parent = parent or (comment.id if rng.random() < 0.5 else None)


def _recount(consultation_id):
    """Counters recomputed from the rows (so a re-run leaves them exact)."""
    db.session.execute(
        text(
            "UPDATE contributions c SET"
            " agree_count = (SELECT count(*) FROM votes v WHERE v.contribution_id = c.id AND v.value = 1),"
            " disagree_count = (SELECT count(*) FROM votes v WHERE v.contribution_id = c.id AND v.value = -1),"
            " comment_count = (SELECT count(*) FROM comments m WHERE m.contribution_id = c.id)"
            " WHERE c.consultation_id = :id"
        ),
        {"id": consultation_id},
    )


def _refresh_map_grid(consultation_id):
    from app.maps.grid import rebuild_grid

    db.session.flush()
    rebuild_grid(consultation_id)
