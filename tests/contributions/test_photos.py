"""Photos: re-encoded without EXIF/GPS, resized, thumbnailed; bad files refused with nothing written."""

import io
import struct
import zlib
from pathlib import Path

import pytest
from flask import current_app
from PIL import Image

from app.contributions.models import Photo
from app.contributions.photos import MAX_BYTES
from app.contributions.services import create_contribution
from app.errors import Invalid
from app.extensions import db
from tests.conftest import csrf_token, login
from tests.contributions.conftest import count_contributions, gps_exif, inside_lonlat, jpeg_bytes


def _create(user, consultation, geometry, photos):
    return create_contribution(
        user, consultation, geometry, "cadre-de-vie-espaces-publics", "Le square abîmé", "", photos=photos
    )


def _media_files():
    root = Path(current_app.config["MEDIA_DIR"])
    return {p for p in root.rglob("*.jpg")} if root.exists() else set()


def _png_bomb(width=20000, height=20000):
    """A tiny PNG declaring 400 million pixels (a decompression bomb)."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    rows = zlib.compress(b"\x00" * (1 + width // 8) * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")


def test_photo_is_reencoded_resized_thumbnailed_and_stripped_of_exif_gps(
    consultation, resident, inside_point
):
    original = jpeg_bytes(size=(3000, 2000), exif=gps_exif())
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)  # the upload has a GPS position
    contribution = _create(resident, consultation, inside_point, [original])
    (photo,) = db.session.query(Photo).filter_by(contribution_id=contribution.id).all()
    root = Path(current_app.config["MEDIA_DIR"])
    with Image.open(root / photo.path) as stored:
        assert stored.format == "JPEG"
        assert max(stored.size) == 1600 and (photo.width, photo.height) == stored.size
        exif = stored.getexif()
        assert len(exif) == 0 and not exif.get_ifd(0x8825)
        assert "exif" not in stored.info and "comment" not in stored.info
    with Image.open(root / photo.thumb_path) as thumb:
        assert max(thumb.size) == 320 and len(thumb.getexif()) == 0


def test_transparent_png_and_three_photos_are_accepted(consultation, resident, inside_point):
    buffer = io.BytesIO()
    Image.new("RGBA", (400, 300), (0, 128, 0, 100)).save(buffer, "PNG")
    contribution = _create(
        resident, consultation, inside_point, [buffer.getvalue(), jpeg_bytes(), jpeg_bytes()]
    )
    assert [p.position for p in contribution.photos] == [0, 1, 2]


@pytest.mark.parametrize(
    "payload, message",
    [
        (b"Ceci n'est pas une image, c'est un fichier texte.", "pas une image"),
        (jpeg_bytes()[:400], "pas une image"),
        (b"GIF89a" + b"\x00" * 50, "pas une image"),
        (_png_bomb(), "trop grande"),
        (b"\xff\xd8" + b"0" * (MAX_BYTES + 10), "8 Mo"),
    ],
    ids=["text", "truncated-jpeg", "broken-gif", "decompression-bomb", "too-big"],
)
def test_bad_photos_are_refused_and_nothing_is_written(
    consultation, resident, inside_point, payload, message
):
    files_before = _media_files()
    with pytest.raises(Invalid) as error:
        _create(resident, consultation, inside_point, [jpeg_bytes(), payload])
    assert message in error.value.fields["photos"][0]
    assert count_contributions() == 0
    assert _media_files() == files_before


def test_more_than_three_photos_are_refused(consultation, resident, inside_point):
    with pytest.raises(Invalid) as error:
        _create(resident, consultation, inside_point, [jpeg_bytes()] * 4)
    assert "3 photos" in error.value.fields["photos"][0]


def test_form_upload_stores_the_photo_and_serves_it_under_media(client, consultation, resident):
    login(client, resident)
    lon, lat = inside_lonlat(consultation)
    response = client.post(
        f"/consultations/{consultation.slug}/proposer",
        data={
            "csrf_token": csrf_token(client),
            "lon": str(lon),
            "lat": str(lat),
            "theme": "cadre-de-vie-espaces-publics",
            "title": "Réparer le city-stade",
            "body": "Les filets sont déchirés.",
            "photos": (io.BytesIO(jpeg_bytes(exif=gps_exif())), "IMG_2041.jpg"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    photo = db.session.query(Photo).one()
    served = client.get(f"/media/{photo.path}")
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert len(Image.open(io.BytesIO(served.data)).getexif()) == 0
    assert client.get("/media/../app/config.py").status_code == 404


def test_form_upload_of_a_non_image_shows_the_french_error(client, consultation, resident):
    login(client, resident)
    lon, lat = inside_lonlat(consultation)
    response = client.post(
        f"/consultations/{consultation.slug}/proposer",
        data={
            "csrf_token": csrf_token(client),
            "lon": str(lon),
            "lat": str(lat),
            "theme": "sante",
            "title": "Une maison de santé",
            "photos": (io.BytesIO(b"%PDF-1.4 pas une photo"), "ordonnance.jpg"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "pas une image lisible" in response.get_data(as_text=True)
    assert count_contributions() == 0


def test_api_adds_photos_to_ones_own_idea_only(client, consultation, make_contribution, resident, make_user):
    from tests.conftest import bearer

    contribution = make_contribution(consultation, author=resident)
    url = f"/api/contributions/{contribution.id}/photos"

    def upload(headers, *payloads):
        files = [(io.BytesIO(p), f"photo{i}.jpg") for i, p in enumerate(payloads)]
        return client.post(url, data={"photos": files}, headers=headers, content_type="multipart/form-data")

    mine = bearer(resident)
    assert upload(bearer(make_user()), jpeg_bytes()).status_code == 403
    first = upload(mine, jpeg_bytes(exif=gps_exif()), jpeg_bytes())
    assert first.status_code == 201 and len(first.json["photos"]) == 2
    assert first.json["photos"][0]["thumb_url"].startswith("/media/contributions/")
    assert upload(mine, b"pas une image").status_code == 422
    too_many = upload(mine, jpeg_bytes(), jpeg_bytes())
    assert too_many.status_code == 422 and "déjà 2" in too_many.json["error"]["message"]
    assert upload(mine, jpeg_bytes()).status_code == 201
    assert client.post(url, headers=mine).status_code == 422


# --- bounded image work (issue 11, point 10) -------------------------------------------------------
def _png_1bit(width, height):
    """A valid, tiny (~10 KB) black-and-white PNG of width × height pixels."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" + b"\x00" * ((width + 7) // 8)
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    compressor = zlib.compressobj(9)
    rows = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")


def test_a_49_megapixel_png_is_refused_before_decoding_with_nothing_written(
    consultation, resident, inside_point
):
    bomb = _png_1bit(7000, 7000)  # 49 Mpx in ~10 KB: the file that cost ~430 MB and 15 s
    assert len(bomb) < 200_000 and Image.open(io.BytesIO(bomb)).size == (7000, 7000)
    files_before = _media_files()
    with pytest.raises(Invalid) as error:
        _create(resident, consultation, inside_point, [jpeg_bytes(), bomb])
    assert "trop grande" in error.value.fields["photos"][0]
    assert "24 millions de pixels" in error.value.fields["photos"][0]
    assert count_contributions() == 0 and _media_files() == files_before


def test_the_pixel_bound_is_configurable(app, consultation, resident, inside_point, monkeypatch):
    monkeypatch.setitem(app.config, "PHOTO_MAX_PIXELS", 1_000_000)
    with pytest.raises(Invalid) as error:
        _create(resident, consultation, inside_point, [jpeg_bytes(size=(1200, 1000))])
    assert "1 millions de pixels" in error.value.fields["photos"][0]


def test_a_large_jpeg_is_decoded_at_reduced_scale_and_accepted(consultation, resident, inside_point):
    from app.contributions import photos

    buffer = io.BytesIO()
    Image.linear_gradient("L").resize((8000, 6000)).save(buffer, "JPEG", quality=80)  # 48 Mpx
    large = buffer.getvalue()
    with photos.open_bounded(large) as image:
        assert image.decoderconfig == (4, 0)  # the DCT decoder works at 1/4 scale
        assert image.size == (2000, 1500)  # 3 Mpx decoded instead of 48
    contribution = _create(resident, consultation, inside_point, [large])
    assert (contribution.photos[0].width, contribution.photos[0].height) == (1600, 1200)


@pytest.mark.parametrize("mode, budget_mb", [("L", 100), ("RGBA", 250)])
def test_peak_memory_of_the_largest_allowed_png_stays_bounded(tmp_path, mode, budget_mb):
    """In a fresh process, decoding a 24 Mpx PNG adds at most: L ~30 MB (old code ~230), RGBA ~215 (~300)."""
    import subprocess
    import sys
    import textwrap

    source = tmp_path / "big.png"
    Image.linear_gradient("L").resize((6000, 4000)).convert(mode).save(source)
    script = textwrap.dedent(
        f"""
        from app.contributions import photos
        def peak_kb():  # this process's own high-water mark (ru_maxrss would count the forking parent's)
            status = open("/proc/self/status").read()
            return int(status.split("VmHWM:")[1].split()[0])
        data = open({str(source)!r}, "rb").read()
        before = peak_kb()
        photos.process_photo(data)
        print((peak_kb() - before) // 1024)
        """
    )
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=root, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert int(done.stdout.strip()) < budget_mb, done.stdout


def test_saturated_image_slots_answer_503_with_retry_after_and_nothing_written(
    app, client, consultation, resident, monkeypatch
):
    from app.contributions import photos
    from tests.conftest import bearer

    monkeypatch.setitem(app.config, "PHOTO_CONCURRENCY", 1)
    monkeypatch.setitem(app.config, "PHOTO_WAIT_SECONDS", 0.2)
    lon, lat = inside_lonlat(consultation)
    headers = bearer(resident)
    files_before = _media_files()
    with photos.image_slot():  # another request holds this process's only slot
        response = client.post(
            f"/consultations/{consultation.slug}/proposer",
            data={
                "lon": str(lon),
                "lat": str(lat),
                "theme": "cadre-de-vie-espaces-publics",
                "title": "Un banc",
                "photos": (io.BytesIO(jpeg_bytes()), "banc.jpg"),
            },
            headers={**headers, "Accept": "application/json"},
            content_type="multipart/form-data",
        )
    assert response.status_code == 503, response.get_data(as_text=True)
    # At least our 5 s (Flask-Limiter raises it to the end of the route's rate-limit window).
    assert int(response.headers["Retry-After"]) >= 5
    assert "réessayez dans quelques secondes" in response.json["error"]["message"]
    assert count_contributions() == 0 and _media_files() == files_before
    with photos.image_slot():  # the slot is free again
        pass


def test_pixels_are_handled_by_the_image_threads_only(monkeypatch):
    """Request threads only wait: the memory an image frees stays in one thread's malloc arena."""
    import threading

    from app.contributions import photos

    real, seen = photos._decode, []

    def spy(data, limit):
        seen.append(threading.current_thread().name)
        return real(data, limit)

    monkeypatch.setattr(photos, "_decode", spy)
    photos.process_photo(jpeg_bytes())
    photos.process_photo(jpeg_bytes())
    assert len(seen) == 2 and all(name.startswith("images") for name in seen)
    assert threading.current_thread().name not in seen
