"""The offline pieces served by the app: service worker, web app manifest, what a device keeps."""

import re

from tests.conftest import login


def test_the_service_worker_is_served_from_the_root_for_the_whole_site(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Service-Worker-Allowed"] == "/"
    assert "no-cache" in response.headers["Cache-Control"]
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert b"cc-shell-v1" in response.data
    # Its offline page is written in each language of the site (the device's language chooses).
    script = response.get_data(as_text=True)
    assert "This page was not prepared on this tablet" in script
    assert '"lang": "ar", "dir": "rtl"' in script and "/*OFFLINE_TEXTS*/" not in script


def test_the_web_app_manifest(client):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200 and response.mimetype == "application/manifest+json"
    data = response.get_json()
    assert data["lang"] == "fr" and data["display"] == "standalone" and data["icons"]


def test_the_entry_page_links_the_manifest_and_the_offline_script(client, workshop, facilitator):
    login(client, facilitator)
    page = client.get(f"/ateliers/{workshop.id}/saisie").get_data(as_text=True)
    assert 'rel="manifest"' in page
    # The entry module imports the offline module, both at fingerprinted URLs.
    entry = re.search(r'type="module"[^>]*src="(/static/js/workshops_entry\.[0-9a-f]{12}\.js)"', page)[1]
    assert re.search(r'from "\./offline\.[0-9a-f]{12}\.js"', client.get(entry).get_data(as_text=True))
    assert f'data-offline="/ateliers/{workshop.id}/hors-ligne.json"' in page


def test_the_offline_list_covers_the_perimeter_tiles_at_the_workshop_zooms(
    client, app, workshop, facilitator, tile_server
):
    login(client, facilitator)
    data = client.get(f"/ateliers/{workshop.id}/hors-ligne.json").get_json()
    assert data["pages"] == [f"/ateliers/{workshop.id}/saisie"]
    assert data["zooms"] and set(data["zooms"]) <= {13, 14, 15, 16}
    assert 0 < len(data["tiles"]) <= app.config["MAP_OFFLINE_MAX_TILES"]
    assert len(set(data["tiles"])) == len(data["tiles"])
    prefix = tile_server.url.split("{z}")[0]
    assert all(url.startswith(prefix) for url in data["tiles"])
    # the perimeter is about 5 km wide: at zoom 13 a handful of tiles, four times more at each level
    per_zoom = {z: sum(1 for url in data["tiles"] if f"/tiles/{z}/" in url) for z in data["zooms"]}
    assert 1 <= per_zoom[13] <= 12 and per_zoom[14] > per_zoom[13]


def test_the_tile_budget_drops_the_deepest_zooms(
    client, app, workshop, facilitator, tile_server, monkeypatch
):
    monkeypatch.setitem(app.config, "MAP_OFFLINE_MAX_TILES", 40)
    login(client, facilitator)
    data = client.get(f"/ateliers/{workshop.id}/hors-ligne.json").get_json()
    assert len(data["tiles"]) <= 40 and 16 not in data["zooms"]


def test_without_a_tile_server_nothing_but_the_pages(client, workshop, facilitator):
    login(client, facilitator)
    data = client.get(f"/ateliers/{workshop.id}/hors-ligne.json").get_json()
    assert data["tiles"] == [] and data["pages"]


def test_residents_get_no_offline_list(client, workshop, make_user):
    login(client, make_user())
    assert client.get(f"/ateliers/{workshop.id}/hors-ligne.json").status_code in (403, 404)


def test_tile_urls_are_built_as_leaflet_builds_them():
    from app.maps.basemap import tile_url

    assert tile_url("https://{s}.tile.x.fr/{z}/{x}/{y}{r}.png", 15, 16601, 10950) == (
        "https://" + "abc"[(16601 + 10950) % 3] + ".tile.x.fr/15/16601/10950.png"
    )
    wmts = "https://data.geopf.fr/wmts?LAYER=PLAN&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}"
    assert tile_url(wmts, 14, 8300, 5475).endswith("TILEMATRIX=14&TILEROW=5475&TILECOL=8300")
