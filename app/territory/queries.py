"""Reads on the territory."""

from sqlalchemy import func, select, text
from sqlalchemy.orm import defer, selectinload, with_expression

from app.extensions import db
from app.territory.identity import current_territory, in_territory, sql_in_territory
from app.territory.models import Commune, Qpv, Theme, qpv_communes


def qpv_of_territory():
    """Condition on Qpv: one of its communes belongs to the served territory."""
    communes = select(Commune.insee).where(in_territory(Commune.territory))
    return Qpv.code.in_(select(qpv_communes.c.qpv_code).where(qpv_communes.c.commune_insee.in_(communes)))


def list_qpv():
    """The served territory's 2015 QPV with their communes, by code (perimeters are drawn from SQL):
    whether each perimeter is imported comes with the row (`has_perimeter`), the geometry stays deferred."""
    options = (
        defer(Qpv.geom, raiseload=True),
        with_expression(Qpv.has_perimeter, Qpv.geom.is_not(None)),
        selectinload(Qpv.communes).defer(Commune.geom, raiseload=True),
    )
    query = select(Qpv).options(*options).where(qpv_of_territory()).order_by(Qpv.code)
    return db.session.scalars(query).all()


def list_themes():
    return db.session.scalars(select(Theme).order_by(Theme.position)).all()


def territory_geojson():
    """Communes and QPV perimeters as two GeoJSON FeatureCollections, built in SQL."""
    row = db.session.execute(
        text(
            "SELECT"
            " (SELECT json_build_object('type', 'FeatureCollection', 'features',"
            "   coalesce(json_agg(json_build_object('type', 'Feature',"
            "     'geometry', ST_AsGeoJSON(ST_SimplifyPreserveTopology(c.geom, 0.00005), 5)::json,"
            "     'properties', json_build_object('insee', c.insee, 'name', c.name,"
            "        'qpv', (SELECT coalesce(json_agg(q.name || ' (' || q.code || ')' ORDER BY q.code), '[]')"
            "                FROM qpv_communes qc JOIN qpv q ON q.code = qc.qpv_code"
            "                WHERE qc.commune_insee = c.insee))) ORDER BY c.insee), '[]'::json))"
            f"  FROM communes c WHERE {sql_in_territory('c')}),"
            " (SELECT json_build_object('type', 'FeatureCollection', 'features',"
            "   coalesce(json_agg(json_build_object('type', 'Feature',"
            "     'geometry', ST_AsGeoJSON(q.geom, 6)::json,"
            "     'properties', json_build_object('code', q.code, 'name', q.name,"
            "        'population', q.population, 'npnru', q.npnru)) ORDER BY q.code), '[]'::json))"
            "  FROM qpv q WHERE q.geom IS NOT NULL AND q.code IN (SELECT qc.qpv_code FROM qpv_communes qc"
            f"   JOIN communes c ON c.insee = qc.commune_insee WHERE {sql_in_territory('c')})),"
            " (SELECT array[ST_YMin(e), ST_XMin(e), ST_YMax(e), ST_XMax(e)]"
            f"  FROM (SELECT ST_Extent(geom) AS e FROM communes c WHERE {sql_in_territory('c')}) s)"
        ),
        {"territory": current_territory()},
    ).one()
    communes, qpv, extent = row
    bounds = [[extent[0], extent[1]], [extent[2], extent[3]]] if extent and extent[0] else None
    return communes, qpv, bounds


def count_communes():
    """Number of communes of the territory."""
    return db.session.scalar(select(func.count()).select_from(Commune).where(in_territory(Commune.territory)))


def territory_bounds():
    """[[south, west], [north, east]] of the served territory's communes (None when it has none)."""
    row = db.session.execute(
        text(
            "SELECT ST_YMin(e), ST_XMin(e), ST_YMax(e), ST_XMax(e)"
            f" FROM (SELECT ST_Extent(geom) AS e FROM communes c WHERE {sql_in_territory('c')}) s"
        ),
        {"territory": current_territory()},
    ).one()
    return [[row[0], row[1]], [row[2], row[3]]] if row[0] is not None else None
