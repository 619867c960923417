import re

from sqlalchemy import text

from app.extensions import db
from app.territory.services import load_territory, territory_counts


def _snapshot():
    return db.session.execute(
        text(
            "SELECT md5(string_agg(row_text, '|' ORDER BY row_text)) FROM ("
            " SELECT 'c' || insee || name || ST_AsEWKB(geom)::text AS row_text FROM communes"
            " UNION ALL SELECT 'q' || code || name || population || coalesce(npnru, '') || coalesce(code_2024, '') FROM qpv"
            " UNION ALL SELECT 'l' || qpv_code || commune_insee FROM qpv_communes"
            " UNION ALL SELECT 'n' || code || name FROM qpv_2024"
            " UNION ALL SELECT 't' || slug || label || color FROM themes) s"
        )
    ).scalar_one()


def test_territory_is_loaded_with_the_contract_figures(app):
    counts = territory_counts()
    assert counts["communes"] == 36
    assert counts["qpv"] == 21
    assert counts["qpv_population"] == 56049
    assert counts["qpv_2024"] == 22
    assert counts["themes"] == 16


def test_npnru_sites_and_2024_codes(app):
    rows = dict(db.session.execute(text("SELECT code, npnru FROM qpv WHERE npnru IS NOT NULL")).all())
    assert rows == {"QP062024": "national", "QP062019": "regional", "QP062028": "regional"}
    assert (
        db.session.execute(text("SELECT code_2024 FROM qpv WHERE code = 'QP062024'")).scalar() == "QN06224M"
    )
    # Éleu-dit-Leauwette is spelled without its accent in the Contrat de Ville: still linked.
    communes = db.session.execute(
        text(
            "SELECT array_agg(commune_insee ORDER BY commune_insee) FROM qpv_communes WHERE qpv_code = 'QP062027'"
        )
    ).scalar()
    assert communes == ["62291", "62498"]


def test_load_twice_changes_nothing(app):
    before = _snapshot()
    load_territory(app.config["TERRITORY_DIR"])
    load_territory(app.config["TERRITORY_DIR"])
    db.session.flush()
    assert _snapshot() == before
    assert territory_counts()["qpv"] == 21


def test_cli_load_is_idempotent(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["territory", "load", app.config["TERRITORY_DIR"]])
    second = runner.invoke(args=["territory", "load", app.config["TERRITORY_DIR"]])
    assert first.exit_code == 0, first.output
    assert "36 communes, 21 QPV (56049 habitants)" in second.output


def test_cli_load_rejects_a_missing_folder(app, tmp_path):
    result = app.test_cli_runner().invoke(args=["territory", "load", str(tmp_path)])
    assert result.exit_code != 0
    assert "introuvable" in result.output


def test_territory_page_lists_the_21_qpv(client):
    html = client.get("/territoire").get_data(as_text=True)
    assert html.count("<tr><td>QP062") == 21
    assert "Périmètres officiels des QPV non importés" in html
    assert re.search(r"/vendor/leaflet/leaflet\.[0-9a-f]{12}\.js", html)
    assert "cdn." not in html and "unpkg" not in html


def test_territory_page_reads_no_perimeter_geometry(client, count_queries):
    """Whether each QPV's perimeter is imported comes with its row: no geometry loaded per QPV (the
    page read 21 multipolygons one statement each at 1M contributions)."""
    code = db.session.execute(text("SELECT min(code) FROM qpv")).scalar_one()
    db.session.execute(
        text(
            "UPDATE qpv SET geom = (SELECT ST_Multi(ST_Buffer(ST_Centroid(geom)::geography, 200)::geometry)"
            " FROM communes ORDER BY insee LIMIT 1) WHERE code = :code"
        ),
        {"code": code},
    )
    db.session.commit()
    try:
        with count_queries() as statements:
            html = client.get("/territoire").get_data(as_text=True)
        assert len(statements) <= 6, statements
        assert not [s for s in statements if "qpv.geom AS" in s]
        row = re.search(rf"<tr><td>{code}</td>.*?</tr>", html).group(0)
        assert "officiel" in row and "non importé" not in row
        assert html.count("non importé") == 20
    finally:
        db.session.execute(text("UPDATE qpv SET geom = NULL WHERE code = :code"), {"code": code})
        db.session.commit()
