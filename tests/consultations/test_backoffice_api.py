"""Create and edit a consultation through the API: fields, perimeter, audit, and clear French refusals."""

import io
import zipfile

import pytest
from sqlalchemy import func, select

from app.consultations.models import Consultation, Landmark
from app.extensions import db
from app.moderation.models import ModerationAction
from tests.conftest import bearer
from tests.consultations.conftest import api_phases, three_phases


def body(**extra):
    data = {
        "slug": "parc-des-cites",
        "title": "Le parc des cités",
        "summary": "Où planter, où jouer, où s'asseoir ?",
        "description": "Un **parc** pour tous.\n\n<script>alert(1)</script>\n\n[lien](javascript:alert(1))",
        "qpv_codes": ["QP062024", "QP062019"],
        "buffer_m": 150,
        "themes": ["cadre-de-vie-espaces-publics"],
        "geometry_kinds": ["point", "polygon"],
        "moderation_mode": "pre",
        "voting_mode": "support",
        "landmarks": [{"name": "Place Salengro", "lon": 2.83, "lat": 50.43}],
        "phases": api_phases(three_phases()),
    }
    data.update(extra)
    return data


def _count():
    return db.session.scalar(select(func.count()).select_from(Consultation))


def test_admin_creates_a_consultation_from_two_qpv(client, admin):
    response = client.post("/api/consultations", json=body(), headers=bearer(admin))
    assert response.status_code == 201, response.get_json()
    data = response.get_json()
    assert data["status"] == "draft" and data["perimeter_provisional"] is True
    assert [q["code"] for q in data["qpvs"]] == ["QP062019", "QP062024"]
    assert [p["name"] for p in data["phases"]] == ["Idées", "Votes", "Réponses et bilan"]
    assert data["current_phase"] == "Idées" and data["voting_mode"] == "support"
    assert data["perimeter"]["type"] == "MultiPolygon"
    assert data["landmarks"] == [{"name": "Place Salengro", "lon": 2.83, "lat": 50.43}]
    html = data["description_html"]
    assert "<strong>parc</strong>" in html and "<script" not in html and "javascript:" not in html
    entry = db.session.scalar(
        select(ModerationAction).where(ModerationAction.action == "consultation_create")
    )
    assert entry.actor_id == admin.id and entry.after["title"] == "Le parc des cités"
    # a draft is not public
    assert client.get("/api/consultations/parc-des-cites").status_code == 404
    assert "parc-des-cites" not in client.get("/api/consultations").get_data(as_text=True)


def test_patch_changes_fields_publishes_and_is_audited(client, admin):
    client.post("/api/consultations", json=body(), headers=bearer(admin))
    response = client.patch(
        "/api/consultations/parc-des-cites",
        json={"title": "Le grand parc", "status": "published", "buffer_m": 400},
        headers=bearer(admin),
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["title"] == "Le grand parc"
    assert client.get("/api/consultations/parc-des-cites").status_code == 200
    entry = db.session.scalar(
        select(ModerationAction).where(ModerationAction.action == "consultation_update")
    )
    assert entry.before == {"title": "Le parc des cités", "status": "draft", "buffer_m": 150}
    assert entry.after == {"title": "Le grand parc", "status": "published", "buffer_m": 400}


@pytest.mark.parametrize(
    "change, status, field, words",
    [
        ({"qpv_codes": ["QP062024", "QP999999"]}, 422, "qpv_codes", "QPV inconnu : QP999999"),
        ({"slug": "deja-prise"}, 409, "slug", "utilise déjà l'adresse"),
        ({"slug": "Avec Espaces"}, 422, "slug", "Adresse invalide"),
        ({"themes": ["inconnu"]}, 422, "themes", "Thème inconnu"),
        ({"perimeter": {"type": "Point", "coordinates": [2.8, 50.4]}}, 422, "perimeter", "polygone"),
        (
            {"perimeter": {"type": "Polygon", "coordinates": [[[0, 0], [0, 1], [1, 0], [1, 1], [0, 0]]]}},
            422,
            "perimeter",
            "pas un polygone valide",
        ),
        (
            {"perimeter": {"type": "Polygon", "coordinates": [[[5, 45], [5, 45.1], [5.1, 45.1], [5, 45]]]}},
            422,
            "perimeter",
            "ne tombe pas sur le territoire",
        ),
    ],
)
def test_bad_input_answers_french_and_saves_nothing(
    client, admin, make_consultation, change, status, field, words
):
    make_consultation(slug="deja-prise")
    before = _count()
    response = client.post("/api/consultations", json=body(**change), headers=bearer(admin))
    assert response.status_code == status, response.get_json()
    error = response.get_json()["error"]
    assert words in error["message"] + " ".join(sum(error["fields"].values(), []))
    assert field in error["fields"]
    db.session.rollback()
    assert _count() == before
    assert db.session.scalar(select(func.count()).select_from(Landmark)) == 0


def test_overlapping_phases_are_refused_in_french(client, admin):
    phases = three_phases()
    phases[1]["starts_at"] = phases[0]["ends_at"] - (phases[0]["ends_at"] - phases[0]["starts_at"]) / 2
    response = client.post("/api/consultations", json=body(phases=api_phases(phases)), headers=bearer(admin))
    assert response.status_code == 422
    message = response.get_json()["error"]["message"]
    assert "« Idées » et « Votes » se chevauchent" in message
    assert _count() == 0


def test_patch_of_a_taken_slug_changes_nothing(client, admin, make_consultation):
    make_consultation(slug="deja-prise")
    client.post("/api/consultations", json=body(), headers=bearer(admin))
    response = client.patch(
        "/api/consultations/parc-des-cites", json={"slug": "deja-prise", "title": "X"}, headers=bearer(admin)
    )
    assert response.status_code == 409
    db.session.rollback()
    assert (
        db.session.scalar(select(Consultation.title).where(Consultation.slug == "parc-des-cites"))
        == "Le parc des cités"
    )


def test_api_is_documented_in_openapi(client):
    spec = client.get("/api/openapi.json").get_json()
    assert "post" in spec["paths"]["/api/consultations"]
    assert "patch" in spec["paths"]["/api/consultations/{slug}"]
    assert "post" in spec["paths"]["/api/consultations/{slug}/staff"]


def _shapefile_zip(tmp_path, wkt_polygons, srid=2154):
    import pyogrio.raw
    import shapely

    path = tmp_path / "perimetre.shp"
    geoms = [shapely.to_wkb(shapely.from_wkt(w)) for w in wkt_polygons]
    import numpy as np

    pyogrio.raw.write(
        str(path), np.array(geoms, dtype=object), [np.array(["a"] * len(geoms), dtype=object)], ["nom"],
        driver="ESRI Shapefile", crs=f"EPSG:{srid}", geometry_type="Polygon",
    )  # fmt: skip
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for part in tmp_path.glob("perimetre.*"):
            archive.write(part, part.name)
    return buffer.getvalue()


def test_uploaded_perimeter_file_and_a_bad_one(client, admin, tmp_path):
    from tests.conftest import csrf_token, login

    login(client, admin)
    token = csrf_token(client, "/gestion/concertations/nouvelle")
    # Lens, in Lambert-93 metres
    good = _shapefile_zip(
        tmp_path, ["POLYGON((686000 7036000, 688000 7036000, 688000 7038000, 686000 7036000))"]
    )
    form = {
        "csrf_token": token, "title": "Un périmètre dessiné", "slug": "perimetre-fichier",
        "geometry_kinds": "point", "themes": "cadre-de-vie-espaces-publics",
        "phase-0-name": "Idées", "phase-0-start": "2026-01-01T09:00", "phase-0-end": "2030-01-01T09:00",
        "phase-0-propose": "1",
    }  # fmt: skip
    response = client.post(
        "/gestion/concertations/nouvelle",
        data={**form, "perimeter_file": (io.BytesIO(good), "perimetre.zip")},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    created = db.session.scalar(select(Consultation).where(Consultation.slug == "perimetre-fichier"))
    assert created.perimeter_provisional is False and created.qpvs == []
    bad = client.post(
        "/gestion/concertations/nouvelle",
        data={
            **form,
            "slug": "mauvais-fichier",
            "perimeter_file": (io.BytesIO(b"pas un zip"), "perimetre.zip"),
        },
    )
    assert bad.status_code == 422
    assert "lisible" in bad.get_data(as_text=True)
    assert db.session.scalar(select(Consultation.id).where(Consultation.slug == "mauvais-fichier")) is None


def test_edit_page_previews_the_perimeter_and_escapes_landmark_names(client, admin):
    from tests.conftest import login

    landmarks = [{"name": "<img src=x onerror=alert(1)>Église", "lon": 2.83, "lat": 50.43}]
    assert (
        client.post("/api/consultations", json=body(landmarks=landmarks), headers=bearer(admin)).status_code
        == 201
    )
    login(client, admin)
    page = client.get("/gestion/concertations/parc-des-cites").get_data(as_text=True)
    assert "Aperçu du périmètre" in page and "Périmètre provisoire (communes des quartiers)" in page
    assert "<img src=x" not in page
