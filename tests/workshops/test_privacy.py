"""Participants' first names and contacts: kept for follow-up, never published, never in APIs or exports."""

import io
import subprocess
import zipfile
from pathlib import Path

import pytest

from app.extensions import db
from tests.conftest import bearer, login
from tests.workshops.conftest import point_inside

FIRST_NAME = "Zéphyrine"
EMAIL = "zephyrine.secret@exemple.fr"
PHONE = "06 99 88 77 66"
SECRETS = (FIRST_NAME, EMAIL, PHONE, "zephyrine", "99 88 77")


@pytest.fixture
def entered(client, workshop, facilitator, consultation):
    """Two contributions entered at the workshop, with a participant's contact (e-mail, then phone)."""
    ids = []
    for contact, title in (
        (EMAIL, "Un city stade près du collège"),
        (PHONE, "Des poubelles de tri rue Bollaert"),
    ):
        body = {
            "theme": "cadre-de-vie-espaces-publics",
            "title": title,
            "body": "Proposé à l'atelier.",
            "geometry": point_inside(consultation),
            "participant": {"first_name": FIRST_NAME, "contact": contact, "consent": True},
        }
        response = client.post(
            f"/api/workshops/{workshop.id}/contributions", json=body, headers=bearer(facilitator)
        )
        assert response.status_code == 201
        assert_private(response.get_data(as_text=True))
        ids.append(response.get_json()["id"])
    db.session.commit()
    return ids


def assert_private(text):
    lowered = text.lower()
    for secret in SECRETS:
        assert secret.lower() not in lowered, f"« {secret} » leaked"


def test_contacts_are_absent_from_public_pages(client, entered, workshop, consultation):
    pages = [
        "/",
        f"/consultations/{consultation.slug}",
        f"/ateliers/{workshop.id}",
    ]
    detail = client.get(f"/api/contributions/{entered[0]}").get_json()
    pages.append(detail["url"])
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        assert_private(response.get_data(as_text=True))


def test_contacts_are_absent_from_api_responses(client, app, entered, workshop, consultation, make_user):
    urbanist = make_user(role="urbanist")
    paths = [
        f"/api/contributions/{entered[0]}",
        f"/api/contributions/{entered[1]}",
        f"/api/consultations/{consultation.slug}/contributions",
        f"/api/workshops?consultation={consultation.slug}",
        f"/api/workshops/{workshop.id}",
        f"/api/workshops/{workshop.id}/grid",
    ]
    bounds = client.get(f"/api/consultations/{consultation.slug}").get_json()["bounds"]
    bbox = f"{bounds[0][1]},{bounds[0][0]},{bounds[1][1]},{bounds[1][0]}"
    paths.append(f"/api/consultations/{consultation.slug}/map?bbox={bbox}&zoom=17")
    paths.append("/api/openapi.json")
    for path in paths:
        for headers in ({}, bearer(urbanist)):
            response = client.get(path, headers=headers)
            assert response.status_code in (200, 404), path  # 404 only when another feature is not there yet
            assert_private(response.get_data(as_text=True))


def test_contacts_are_absent_from_the_printed_map(client, entered, workshop, tmp_path):
    pdf = tmp_path / "carte.pdf"
    pdf.write_bytes(client.get(f"/api/workshops/{workshop.id}/map.pdf").data)
    words = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    assert "Un city stade près du collège" in words
    assert_private(words)


def test_facilitators_do_see_the_contacts_for_follow_up(client, entered, workshop, facilitator):
    login(client, facilitator)
    page = client.get(f"/ateliers/{workshop.id}").get_data(as_text=True)
    assert FIRST_NAME in page and EMAIL in page and PHONE in page


def test_erasing_a_participant_keeps_the_contribution(client, entered, workshop, facilitator):
    from app.contributions.models import Contribution
    from app.workshops.models import WorkshopParticipant
    from tests.conftest import csrf_token

    login(client, facilitator)
    person_id = db.session.get(Contribution, entered[0]).participant_id
    token = csrf_token(client, f"/ateliers/{workshop.id}")
    response = client.post(
        f"/ateliers/{workshop.id}/participants/{person_id}/effacer", data={"csrf_token": token}
    )
    assert response.status_code == 302
    db.session.expire_all()
    person = db.session.get(WorkshopParticipant, person_id)
    assert person.first_name is None and person.contact is None
    assert db.session.get(Contribution, entered[0]).status == "published"


@pytest.mark.parametrize("export_format", ["csv", "geojson", "xlsx", "gpkg"])
def test_contacts_are_absent_from_export_files(app, entered, consultation, make_user, export_format):
    services = pytest.importorskip("app.exports.services")
    urbanist = make_user(role="urbanist")
    export = services.request_export(
        urbanist,
        {"format": export_format, "consultations": [consultation.slug], "statuses": ["published"]},
        enqueue=False,
    )
    services.produce_export(export)
    path = Path(app.config["EXPORT_DIR"]) / export.file_path
    data = path.read_bytes()
    contents = [data]
    if export_format == "xlsx":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            contents = [archive.read(name) for name in archive.namelist()]
    text = b"\n".join(contents).decode("utf-8", errors="replace")
    assert "city stade" in text  # the export does hold the contributions…
    assert "Atelier" in text or "workshop" in text  # …with their provenance
    assert_private(text)  # …but never the participant
