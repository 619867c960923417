"""Cover image of a consultation: the contributions' photo pipeline, on the form, the API, the pages, YAML."""

import io
from pathlib import Path

import pytest
from flask import current_app
from PIL import Image
from sqlalchemy import select

from app.consultations.models import Consultation
from app.extensions import db
from app.moderation.models import ModerationAction
from tests.conftest import bearer, csrf_token, login
from tests.consultations.conftest import three_phases
from tests.contributions.conftest import gps_exif, jpeg_bytes
from tests.contributions.test_photos import _png_bomb


@pytest.fixture
def consultation(make_consultation):
    return make_consultation(phases=three_phases())


def _media_files():
    root = Path(current_app.config["MEDIA_DIR"]) / "consultations"
    return set(root.rglob("*.jpg")) if root.exists() else set()


def _post_form(client, consultation, **fields):
    from app.consultations.forms import form_from_consultation
    from app.consultations.queries import landmarks

    form = form_from_consultation(consultation, landmarks(consultation.id))
    data = {k: v for k, v in form.items() if not isinstance(v, list)}
    for name in ("qpv_codes", "themes", "geometry_kinds"):
        data[name] = form[name]
    data.update(fields, csrf_token=csrf_token(client, f"/gestion/concertations/{consultation.slug}"))
    return client.post(f"/gestion/concertations/{consultation.slug}", data=data)


def test_cover_from_the_form_is_reencoded_without_gps_and_shown_with_its_alt(client, consultation, admin):
    login(client, admin)
    photo = jpeg_bytes(size=(3000, 2000), exif=gps_exif())
    response = _post_form(
        client,
        consultation,
        cover=(io.BytesIO(photo), "square.jpg"),
        cover_alt="Le square et ses platanes, vus depuis l'école",
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.refresh(consultation)
    assert consultation.cover_path.startswith("consultations/")
    page = client.get(f"/consultations/{consultation.slug}").get_data(as_text=True)
    src = f"/consultations/{consultation.slug}/couverture/{Path(consultation.cover_path).name}"
    assert f'src="{src}"' in page and 'alt="Le square et ses platanes, vus depuis l&#39;école"' in page
    image = client.get(src)
    assert image.status_code == 200 and image.mimetype == "image/jpeg"
    served = Image.open(io.BytesIO(image.data))
    assert max(served.size) == 1600 and not served.getexif() and "exif" not in served.info
    home = client.get("/").get_data(as_text=True)
    thumb = f"/consultations/{consultation.slug}/couverture/{Path(consultation.cover_thumb_path).name}"
    assert f'src="{thumb}"' in home and "platanes" in home
    assert max(Image.open(io.BytesIO(client.get(thumb).data)).size) == 320
    entry = db.session.scalar(
        select(ModerationAction).where(ModerationAction.action == "consultation_update")
    )
    assert entry.after["cover"] == consultation.cover_path
    assert client.get(f"/consultations/{consultation.slug}/couverture/autre.jpg").status_code == 404


@pytest.mark.parametrize(
    "upload, alt, words",
    [
        (jpeg_bytes(), "", "Décrivez l'image de couverture"),
        (b"pas une image", "Un square", "n'est pas une image lisible"),
        (_png_bomb(), "Un square", "trop grande"),
        (b"\xff" * (8 * 1024 * 1024 + 1), "Un square", "8 Mo"),
    ],
    ids=["no-alt", "text", "decompression-bomb", "too-big"],
)
def test_a_bad_cover_says_why_in_french_and_saves_nothing(client, consultation, admin, upload, alt, words):
    login(client, admin)
    before = _media_files()
    response = _post_form(
        client, consultation, title="Titre changé", cover=(io.BytesIO(upload), "x.jpg"), cover_alt=alt
    )
    assert response.status_code == 422
    assert words in response.get_data(as_text=True).replace("&#39;", "'")
    db.session.expire_all()
    assert consultation.title != "Titre changé" and consultation.cover_path is None
    assert _media_files() == before


def test_cover_through_the_api_then_removed(client, consultation, admin, make_user):
    url = f"/api/consultations/{consultation.slug}/cover"
    data = {"cover": (io.BytesIO(jpeg_bytes()), "c.jpg"), "alt": "La place du marché"}
    resident = make_user()
    refused = client.post(url, data=dict(data), headers=bearer(resident))
    assert refused.status_code == 403
    response = client.post(
        url,
        data={"cover": (io.BytesIO(jpeg_bytes()), "c.jpg"), "alt": "La place du marché"},
        headers=bearer(admin),
    )
    assert response.status_code == 200, response.get_json()
    cover = response.get_json()["cover"]
    assert cover["alt"] == "La place du marché" and client.get(cover["thumbnail"]).status_code == 200
    detail = client.get(f"/api/consultations/{consultation.slug}").get_json()
    assert detail["cover"] == cover
    patched = client.patch(
        f"/api/consultations/{consultation.slug}", json={"cover_alt": "  "}, headers=bearer(admin)
    )
    assert patched.status_code == 422 and "Décrivez l'image" in patched.get_json()["error"]["message"]
    removed = client.delete(url, headers=bearer(admin))
    assert removed.status_code == 200 and removed.get_json()["cover"] is None
    assert client.get(cover["url"]).status_code == 404


def test_cover_of_a_draft_is_not_public(client, make_consultation, admin):
    draft = make_consultation(status="draft")
    response = client.post(
        f"/api/consultations/{draft.slug}/cover",
        data={"cover": (io.BytesIO(jpeg_bytes()), "c.jpg"), "alt": "Un square"},
        headers=bearer(admin),
    )
    url = response.get_json()["cover"]["url"]
    assert client.get(url).status_code == 404
    login(client, admin)
    assert client.get(url).status_code == 200


def test_cover_goes_through_the_yaml_export_and_back(app, client, consultation, admin, tmp_path):
    client.post(
        f"/api/consultations/{consultation.slug}/cover",
        data={"cover": (io.BytesIO(jpeg_bytes(exif=gps_exif())), "c.jpg"), "alt": "Le city-stade"},
        headers=bearer(admin),
    )
    runner = app.test_cli_runner()
    target = tmp_path / "export.yml"
    result = runner.invoke(args=["consultations", "export", consultation.slug, "--to", str(target)])
    assert result.exit_code == 0, result.output
    text = target.read_text(encoding="utf-8")
    assert f"file: {consultation.slug}-couverture.jpg" in text and "alt: Le city-stade" in text
    assert (tmp_path / f"{consultation.slug}-couverture.jpg").exists()
    target.write_text(text.replace(f"slug: {consultation.slug}", "slug: copie-couverture"), encoding="utf-8")
    result = runner.invoke(args=["consultations", "create", "--from-file", str(target)])
    assert result.exit_code == 0, result.output
    copy = db.session.scalar(select(Consultation).where(Consultation.slug == "copie-couverture"))
    assert copy.cover_alt == "Le city-stade" and copy.cover_path != consultation.cover_path
    (tmp_path / f"{consultation.slug}-couverture.jpg").unlink()
    target.write_text(text.replace(f"slug: {consultation.slug}", "slug: copie-2"), encoding="utf-8")
    result = runner.invoke(args=["consultations", "create", "--from-file", str(target)])
    assert result.exit_code != 0 and "Image de couverture introuvable" in result.output
