"""Reads on the territory."""

from sqlalchemy import func, select, text
from sqlalchemy.orm import defer, selectinload

from app.extensions import db
from app.territory.models import Commune, Qpv, Theme


def list_qpv():
    """All 2015 QPV with their communes, by code (without their perimeters: drawn from SQL GeoJSON)."""
    options = (defer(Qpv.geom), selectinload(Qpv.communes).defer(Commune.geom))
    return db.session.scalars(select(Qpv).options(*options).order_by(Qpv.code)).all()


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
            "  FROM communes c),"
            " (SELECT json_build_object('type', 'FeatureCollection', 'features',"
            "   coalesce(json_agg(json_build_object('type', 'Feature',"
            "     'geometry', ST_AsGeoJSON(q.geom, 6)::json,"
            "     'properties', json_build_object('code', q.code, 'name', q.name,"
            "        'population', q.population, 'npnru', q.npnru)) ORDER BY q.code), '[]'::json))"
            "  FROM qpv q WHERE q.geom IS NOT NULL),"
            " (SELECT array[ST_YMin(e), ST_XMin(e), ST_YMax(e), ST_XMax(e)]"
            "  FROM (SELECT ST_Extent(geom) AS e FROM communes) s)"
        )
    ).one()
    communes, qpv, extent = row
    bounds = [[extent[0], extent[1]], [extent[2], extent[3]]] if extent and extent[0] else None
    return communes, qpv, bounds


def count_communes():
    """Number of communes of the territory."""
    return db.session.scalar(select(func.count()).select_from(Commune))
