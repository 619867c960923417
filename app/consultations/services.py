"""Writes on consultations."""

from flask_babel import gettext as _
from sqlalchemy import select, text

from app.consultations.models import GEOMETRY_KINDS, MODERATION_MODES, VOTING_MODES, Consultation
from app.errors import Conflict, Invalid
from app.extensions import db
from app.territory.identity import current_territory
from app.territory.models import Qpv, Theme


def create_consultation(
    slug,
    title,
    qpv_codes,
    opens_at,
    closes_at,
    summary="",
    description="",
    theme_slugs=None,
    buffer_m=300,
    moderation_mode="post",
    voting_mode="agree_disagree",
    geometry_kinds=("point",),
    npnru_qpv_code=None,
    data_public=True,
    phases=None,
    status="published",
):
    """Create a consultation whose perimeter is built from its QPV (official or provisional)."""
    fields = _validate(
        slug, title, qpv_codes, opens_at, closes_at, moderation_mode, voting_mode, geometry_kinds
    )
    if fields:
        raise Invalid(fields=fields)
    if db.session.scalar(select(Consultation.id).where(Consultation.slug == slug)):
        raise Conflict(
            _("Une concertation utilise déjà l'adresse « %(slug)s ».", slug=slug),
            fields={"slug": [_("Déjà utilisée.")]},
        )
    qpvs = db.session.scalars(select(Qpv).where(Qpv.code.in_(qpv_codes))).all()
    if len(qpvs) != len(set(qpv_codes)):
        raise Invalid(
            _("QPV inconnu."), fields={"qpv_codes": [_("Un ou plusieurs codes QPV sont inconnus.")]}
        )
    themes_query = select(Theme).order_by(Theme.position)
    if theme_slugs:
        themes_query = themes_query.where(Theme.slug.in_(theme_slugs))
    geom, provisional = perimeter_for_qpvs(qpv_codes)
    consultation = Consultation(
        slug=slug,
        title=title,
        summary=summary,
        description=description,
        geom=geom,
        perimeter_provisional=provisional,
        buffer_m=buffer_m,
        geometry_kinds=list(geometry_kinds),
        opens_at=opens_at,
        closes_at=closes_at,
        moderation_mode=moderation_mode,
        voting_mode=voting_mode,
        npnru_qpv_code=npnru_qpv_code,
        data_public=data_public,
        territory=current_territory(),
        status=status,
        is_published=status != "draft",
        qpvs=list(qpvs),
        themes=list(db.session.scalars(themes_query)),
    )
    db.session.add(consultation)
    db.session.flush()
    if phases:
        from app.consultations.phases import replace_phases

        replace_phases(consultation, phases)
    return consultation


def perimeter_for_qpvs(qpv_codes):
    """(EWKT multipolygon, provisional): the official QPV perimeters, else their communes."""
    row = db.session.execute(
        text(
            "SELECT bool_and(q.geom IS NOT NULL) AS official,"
            " ST_AsEWKT(ST_Multi(ST_Union(q.geom))) AS qpv_geom,"
            " (SELECT ST_AsEWKT(ST_Multi(ST_Union(c.geom))) FROM communes c"
            "  JOIN qpv_communes qc ON qc.commune_insee = c.insee"
            "  WHERE qc.qpv_code = ANY(:codes)) AS commune_geom"
            " FROM qpv q WHERE q.code = ANY(:codes)"
        ),
        {"codes": list(qpv_codes)},
    ).one()
    if row.official:
        return row.qpv_geom, False
    if row.commune_geom is None:
        raise Invalid(_("Impossible de construire le périmètre : aucune commune pour ces QPV."))
    return row.commune_geom, True


def _validate(slug, title, qpv_codes, opens_at, closes_at, moderation_mode, voting_mode, geometry_kinds):
    fields = {}
    if not slug or not slug.replace("-", "").isalnum() or slug != slug.lower():
        fields["slug"] = [_("Adresse invalide : lettres minuscules, chiffres et tirets.")]
    if not title or not title.strip():
        fields["title"] = [_("Le titre est obligatoire.")]
    if not qpv_codes:
        fields["qpv_codes"] = [_("Choisissez au moins un quartier.")]
    if opens_at and closes_at and closes_at <= opens_at:
        fields["closes_at"] = [_("La clôture doit suivre l'ouverture.")]
    if moderation_mode not in MODERATION_MODES:
        fields["moderation_mode"] = [_("Mode de modération inconnu.")]
    if voting_mode not in VOTING_MODES:
        fields["voting_mode"] = [_("Mode de vote inconnu.")]
    if not geometry_kinds or any(kind not in GEOMETRY_KINDS for kind in geometry_kinds):
        fields["geometry_kinds"] = [_("Types de géométrie : point, line, polygon.")]
    return fields
