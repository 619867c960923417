"""Printed workshop maps with streets: tiles of the configured server, cached on disk, attributed."""

from tests.tileserver import ATTRIBUTION, tile_pixel_share
from tests.workshops.test_printmap import pdf_pages, pdf_text


def test_the_a3_map_prints_the_tiles_and_their_attribution(
    client, app, workshop, tile_server, tmp_path, artifacts
):
    response = client.get(f"/api/workshops/{workshop.id}/map.pdf?format=A3")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    pages, pdf = pdf_pages(response.data, tmp_path, "carte-A3-rues")
    first = pages[0]
    (artifacts / "workshop-map-A3-streets.png").write_bytes(first.read_bytes())
    # the map box (left two thirds of the sheet) is mostly tiles, under the grid and the drawing
    assert tile_pixel_share(first, box=(60, 120, 1200, 1100)) > 0.5
    words = pdf_text(pdf)
    assert f"Fond de plan : {ATTRIBUTION}" in " ".join(words.split())
    assert "indisponible" not in words
    # usage rules: an identifying User-Agent, zooms within the limits, a bounded number of tiles
    assert tile_server.requests
    assert all(agent.startswith("CarteCommune/") for _, agent in tile_server.requests)
    zooms = {int(path.strip("/").split("/")[1]) for path, _ in tile_server.requests}
    assert zooms and max(zooms) <= app.config["MAP_TILES_MAX_ZOOM"]
    assert len(tile_server.requests) <= app.config["MAP_PRINT_MAX_TILES"]


def test_tiles_come_from_the_disk_cache_the_second_time(client, workshop, tile_server):
    from app.extensions import redis_connection

    assert client.get(f"/api/workshops/{workshop.id}/map.pdf?format=A4").status_code == 200
    fetched = len(tile_server.requests)
    redis_connection().flushdb()  # not the PDF cache: the tiles' own cache
    assert client.get(f"/api/workshops/{workshop.id}/map.pdf?format=A4").status_code == 200
    assert fetched > 0 and len(tile_server.requests) == fetched


def test_with_the_tile_server_down_the_map_still_prints_with_a_note(
    client, workshop, dead_tile_server, tmp_path, artifacts
):
    response = client.get(f"/api/workshops/{workshop.id}/map.pdf?format=A3")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    pages, pdf = pdf_pages(response.data, tmp_path, "carte-A3-sans-rues")
    (artifacts / "workshop-map-A3-no-streets.png").write_bytes(pages[0].read_bytes())
    assert tile_pixel_share(pages[0]) < 0.001
    words = " ".join(pdf_text(pdf).split())
    assert "Fond de plan indisponible au moment de l'impression" in words
    assert "1 case =" in words  # today's drawing: grid and scale
