"""Grid references typed into the entry screen: the centre of the right cell, inside the perimeter."""

import pytest

from app.contributions.models import Contribution
from app.extensions import db
from app.workshops import queries
from tests.conftest import bearer
from tests.workshops.conftest import (
    cell_edge_of_perimeter,
    cell_inside_perimeter,
    cell_outside_buffer,
    entry_body,
    lambert93,
    point_inside,
)


# --- grid references --------------------------------------------------------------------------------
def test_grid_reference_places_the_point_at_the_centre_of_its_cell(
    client, workshop, facilitator, consultation
):
    grid = queries.consultation_grid(consultation.id)
    ref = cell_inside_perimeter(consultation, grid)
    body = entry_body(consultation, geometry=None, grid_ref=ref.lower())
    del body["geometry"]
    response = client.post(
        f"/api/workshops/{workshop.id}/contributions", json=body, headers=bearer(facilitator)
    )
    assert response.status_code == 201, response.get_json()
    data = response.get_json()
    assert data["grid_ref"] == ref
    x, y = lambert93(*data["geometry"]["coordinates"])
    x0, y0, x1, y1 = grid.cell_bounds(ref)
    assert x0 < x < x1 and y0 < y < y1
    cx, cy = grid.centre(ref)
    assert abs(x - cx) < 0.2 and abs(y - cy) < 0.2  # GeoJSON keeps 6 decimals
    # and back: the stored contribution falls in that cell
    assert queries.contribution_grid_ref(db.session.get(Contribution, data["id"])) == ref


def test_point_entered_by_clicking_gets_the_cell_it_falls_in(client, workshop, facilitator, consultation):
    grid = queries.consultation_grid(consultation.id)
    geometry = point_inside(consultation)
    response = client.post(
        f"/api/workshops/{workshop.id}/contributions",
        json=entry_body(consultation, geometry=geometry),
        headers=bearer(facilitator),
    )
    x, y = lambert93(*geometry["coordinates"])
    assert response.get_json()["grid_ref"] == grid.ref_at(x, y)


@pytest.mark.parametrize("ref", ["Z9", "A7", "4C"])
def test_grid_reference_outside_the_grid_is_refused(client, workshop, facilitator, consultation, ref):
    body = entry_body(consultation, grid_ref=ref)
    del body["geometry"]
    response = client.post(
        f"/api/workshops/{workshop.id}/contributions", json=body, headers=bearer(facilitator)
    )
    assert response.status_code == 422
    assert "grid_ref" in response.get_json()["error"]["fields"]


def test_grid_cell_outside_the_perimeter_is_refused_in_french(client, workshop, facilitator, consultation):
    grid = queries.consultation_grid(consultation.id)
    ref = cell_outside_buffer(consultation, grid)
    body = entry_body(consultation, grid_ref=ref)
    del body["geometry"]
    response = client.post(
        f"/api/workshops/{workshop.id}/contributions", json=body, headers=bearer(facilitator)
    )
    assert response.status_code == 422
    message = response.get_json()["error"]["fields"]["grid_ref"][0]
    assert f"case {ref} est en dehors du périmètre" in message


def test_every_cell_touching_the_perimeter_is_usable(client, workshop, facilitator, consultation):
    grid = queries.consultation_grid(consultation.id)
    ref = cell_edge_of_perimeter(consultation, grid)
    body = entry_body(consultation, grid_ref=ref)
    del body["geometry"]
    response = client.post(
        f"/api/workshops/{workshop.id}/contributions", json=body, headers=bearer(facilitator)
    )
    assert response.status_code == 201, response.get_json()
    data = response.get_json()
    x, y = lambert93(*data["geometry"]["coordinates"])
    x0, y0, x1, y1 = grid.cell_bounds(ref)
    assert x0 <= x <= x1 and y0 <= y <= y1  # in its own cell, on the perimeter's side
    assert data["grid_ref"] == ref
    cells = client.get(f"/api/workshops/{workshop.id}/grid").get_json()["features"]
    usable = {f["properties"]["ref"] for f in cells if f["properties"]["inside"]}
    assert ref in usable and cell_outside_buffer(consultation, grid) not in usable


def test_no_place_at_all_is_refused(client, workshop, facilitator, consultation):
    body = entry_body(consultation)
    del body["geometry"]
    response = client.post(
        f"/api/workshops/{workshop.id}/contributions", json=body, headers=bearer(facilitator)
    )
    assert response.status_code == 422 and "geometry" in response.get_json()["error"]["fields"]


def test_grid_endpoint_gives_48_cells_matching_the_printed_grid(client, workshop, consultation):
    response = client.get(f"/api/workshops/{workshop.id}/grid")
    assert response.status_code == 200 and response.mimetype == "application/geo+json"
    features = response.get_json()["features"]
    assert [f["properties"]["ref"] for f in features] == queries.consultation_grid(consultation.id).refs()
    a1 = features[0]["geometry"]["coordinates"][0]
    grid = queries.consultation_grid(consultation.id)
    x, y = lambert93(*a1[0])
    assert abs(x - grid.minx) < 0.2 and abs(y - grid.maxy) < 0.2  # north-west corner of A1
