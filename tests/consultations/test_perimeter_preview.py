"""Perimeter preview before saving: QPV, uploaded file (GeoJSON, zipped Shapefile) or drawn polygon go
through the checks, union and buffer of a save; the answer is GeoJSON; nothing is written; bad input
answers the same French messages as a save."""

import io
import json
import re

import pytest
from sqlalchemy import func, select, text

from app.consultations.models import Consultation
from app.extensions import db
from app.moderation.models import ModerationAction
from tests.conftest import bearer, csrf_token, login
from tests.consultations.test_backoffice_api import _shapefile_zip

URL = "/gestion/concertations/apercu-perimetre"
# A square of about 1.1 km × 0.7 km in Lens (WGS84), and a bow tie (self-intersecting).
SQUARE = {"type": "Polygon", "coordinates": [[[2.82, 50.43], [2.835, 50.43], [2.835, 50.437], [2.82, 50.437], [2.82, 50.43]]]}  # fmt: skip
BOW_TIE = {"type": "Polygon", "coordinates": [[[2.82, 50.43], [2.835, 50.437], [2.835, 50.43], [2.82, 50.437], [2.82, 50.43]]]}  # fmt: skip
AT_SEA = {"type": "Polygon", "coordinates": [[[-20, 45], [-19.9, 45], [-19.9, 45.1], [-20, 45]]]}


def _written():
    return (
        db.session.scalar(select(func.count()).select_from(Consultation)),
        db.session.scalar(select(func.count()).select_from(ModerationAction)),
    )


@pytest.fixture
def signed_in(client, admin):
    login(client, admin)
    return {"csrf_token": csrf_token(client, "/gestion/concertations/nouvelle"), "buffer_m": "200"}


def _preview(client, form, **files):
    data = dict(form)
    data.update({name: (io.BytesIO(content), filename) for name, (content, filename) in files.items()})
    return client.post(URL, data=data, headers={"Accept": "application/json"})


def test_each_way_of_choosing_gives_geojson_and_writes_nothing(client, signed_in, tmp_path):
    before = _written()
    by_qpv = _preview(client, {**signed_in, "qpv_codes": ["QP062024", "QP062019"]})
    assert by_qpv.status_code == 200, by_qpv.get_json()
    data = by_qpv.get_json()
    assert data["source"] == "qpv" and data["provisional"] is True
    assert data["perimeter"]["type"] == "MultiPolygon" and data["buffer"]["type"] in (
        "Polygon",
        "MultiPolygon",
    )
    assert data["area_ha"] > 100 and "périmètre provisoire" in data["summary"] and "200 m" in data["summary"]
    (south, west), (north, east) = data["bounds"]
    assert south < 50.43 < north and west < 2.83 < east

    drawn = _preview(client, {**signed_in, "perimeter_drawn": json.dumps(SQUARE), "qpv_codes": ["QP062024"]})
    assert drawn.status_code == 200 and drawn.get_json()["source"] == "drawn"
    area = drawn.get_json()["area_ha"]
    expected = db.session.scalar(
        text("SELECT ST_Area(ST_GeomFromGeoJSON(:g)::geography) / 10000"), {"g": json.dumps(SQUARE)}
    )
    assert abs(area - expected) < 0.2

    geojson_file = json.dumps({"type": "Feature", "properties": {}, "geometry": SQUARE}).encode()
    uploaded = _preview(client, signed_in, perimeter_file=(geojson_file, "perimetre.geojson"))
    assert uploaded.status_code == 200 and uploaded.get_json()["source"] == "file"
    assert abs(uploaded.get_json()["area_ha"] - expected) < 0.2
    shapefile = _shapefile_zip(
        tmp_path, ["POLYGON((686000 7036000, 688000 7036000, 688000 7038000, 686000 7036000))"]
    )
    zipped = _preview(client, signed_in, perimeter_file=(shapefile, "perimetre.zip"))
    assert zipped.status_code == 200 and zipped.get_json()["source"] == "file"
    assert 150 < zipped.get_json()["area_ha"] < 250  # half of 2 km × 2 km
    assert _written() == before


@pytest.mark.parametrize(
    "form, files, message",
    [
        ({"qpv_codes": ["QP000000"]}, {}, "QPV inconnu : QP000000."),
        ({"perimeter_drawn": json.dumps(BOW_TIE)}, {}, "n'est pas un polygone valide"),
        ({"perimeter_drawn": json.dumps(AT_SEA)}, {}, "ne tombe pas sur le territoire"),
        ({"perimeter_drawn": "{pas du json"}, {}, "Le périmètre dessiné est mal formé"),
        (
            {},
            {"perimeter_file": (b"pas un zip", "perimetre.zip")},
            "n'est pas un fichier géographique lisible",
        ),
        (
            {},
            {"perimeter_file": (b"x", "perimetre.kml")},
            "Envoyez un GeoJSON (.geojson) ou un Shapefile zippé",
        ),
        ({}, {}, "Choisissez au moins un quartier, envoyez un fichier ou dessinez le périmètre."),
        ({"qpv_codes": ["QP062024"], "buffer_m": "9000"}, {}, "va de 0 à 5 000 mètres"),
    ],
    ids=["unknown-qpv", "bow-tie", "at-sea", "not-json", "bad-zip", "bad-suffix", "nothing", "buffer"],
)
def test_bad_choices_answer_the_save_messages_in_french(client, signed_in, form, files, message):
    before = _written()
    response = _preview(client, {**signed_in, **form}, **files)
    assert response.status_code == 422, response.get_data(as_text=True)
    assert message in response.get_json()["error"]["message"]
    assert _written() == before


def test_the_same_messages_when_saving(client, signed_in):
    form = {
        **signed_in, "title": "Un tracé", "slug": "un-trace", "themes": "cadre-de-vie-espaces-publics",
        "geometry_kinds": "point", "phase-0-name": "Idées", "phase-0-start": "2026-01-01T09:00",
        "phase-0-end": "2030-01-01T09:00", "phase-0-propose": "1",
    }  # fmt: skip
    bad = client.post(
        "/gestion/concertations/nouvelle", data={**form, "perimeter_drawn": json.dumps(BOW_TIE)}
    )
    assert bad.status_code == 422 and "n&#39;est pas un polygone valide" in bad.get_data(as_text=True)
    good = client.post(
        "/gestion/concertations/nouvelle", data={**form, "perimeter_drawn": json.dumps(SQUARE)}
    )
    assert good.status_code == 302, good.get_data(as_text=True)[-1500:]
    created = db.session.scalar(select(Consultation).where(Consultation.slug == "un-trace"))
    assert created.perimeter_provisional is False and created.qpvs == []
    same = db.session.scalar(
        text("SELECT ST_Equals(geom, ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON(:g), 4326))) FROM consultations WHERE id = :id"),
        {"g": json.dumps(SQUARE), "id": created.id},
    )  # fmt: skip
    assert same


def test_preview_through_the_api_and_who_may_ask(client, admin, make_user):
    url = "/api/consultations/perimeter-preview"
    response = client.post(url, json={"perimeter": SQUARE, "buffer_m": 0}, headers=bearer(admin))
    assert response.status_code == 200 and response.get_json()["source"] == "drawn"
    assert response.get_json()["buffer_m"] == 0
    bad = client.post(url, json={"qpv_codes": ["QP000000"]}, headers=bearer(admin))
    assert bad.status_code == 422 and bad.get_json()["error"]["message"] == "QPV inconnu : QP000000."
    resident = make_user()
    assert client.post(url, json={"perimeter": SQUARE}, headers=bearer(resident)).status_code == 403
    assert "/api/consultations/perimeter-preview" in client.get("/api/openapi.json").get_json()["paths"]


def test_the_form_carries_the_drawing_tool_without_inline_script(client, signed_in):
    page = client.get("/gestion/concertations/nouvelle").get_data(as_text=True)
    # Static files are fingerprinted (app/assets.py): consultation-perimeter.<hash>.js
    assert 'id="perimeter-map"' in page and re.search(r"js/consultation-perimeter\.[0-9a-f]{12}\.js", page)
    assert 'data-preview-url="/gestion/concertations/apercu-perimetre"' in page
    assert "Dessiner le périmètre" in page and "Prévisualiser le périmètre" in page
