"""JSON API: statuses (201, 200, 401, 403, 404, 409, 422), envelope, CSRF, tokens, list, comments."""

import pytest
from sqlalchemy import text

from app.extensions import db
from tests.conftest import bearer, csrf_token, login
from tests.contributions.conftest import count_contributions, east_of_perimeter, inside_lonlat, point


def _payload(target, geometry=None, **extra):
    data = {
        "consultation": target.slug,
        "geometry": geometry or point(*inside_lonlat(target)),
        "theme": "mobilite-accessibilite",
        "title": "Un passage piéton devant la salle Bigotte",
        "body": "Les voitures roulent vite.",
    }
    data.update(extra)
    return data


def test_create_with_session_and_csrf_header_then_read(client, consultation, resident):
    login(client, resident)
    headers = {"X-CSRFToken": csrf_token(client)}
    response = client.post("/api/contributions", json=_payload(consultation), headers=headers)
    assert response.status_code == 201, response.json
    item = response.json
    assert {"id", "status", "theme", "qpv", "geometry", "votes"} <= set(item)
    assert item["status"] == "published" and item["qpv"] == "QP062024"
    assert item["votes"] == {"agree": 0, "disagree": 0}
    assert item["geometry"]["type"] == "Point" and item["author"] == resident.pseudonym
    assert item["url"] == f"/idees/{item['id']}" and item["theme_label"].startswith("Mobilité")
    assert "email" not in response.get_data(as_text=True)
    read = client.get(f"/api/contributions/{item['id']}")
    assert read.status_code == 200 and read.json["title"] == item["title"]


@pytest.mark.parametrize(
    "settings, shape",
    [
        ({}, "point"),
        ({"voting_mode": "support", "moderation_mode": "pre"}, "point"),
        ({"geometry_kinds": ["point", "line"]}, "line"),
        ({}, "within the buffer"),
    ],
)
def test_the_answer_to_a_new_idea_is_the_idea_as_read_back(
    client, make_consultation, resident, settings, shape
):
    """The answer to POST /api/contributions comes from what the idea's INSERT returned (no read back):
    field for field the JSON of GET /api/contributions/<id> (names, GeoJSON, anchor, dates, labels),
    in both voting modes, pending as published, a line as a point, a point outside the QPV (the
    consultation's nearest QPV)."""
    consultation = make_consultation(**settings)
    lon, lat = inside_lonlat(consultation)
    geometry = {
        "point": point(lon, lat),
        "line": {"type": "LineString", "coordinates": [[lon, lat], [lon + 0.0004, lat + 0.0002]]},
        "within the buffer": east_of_perimeter(consultation, 150),
    }[shape]
    headers = bearer(resident)
    created = client.post("/api/contributions", json=_payload(consultation, geometry), headers=headers)
    assert created.status_code == 201, created.json
    read = client.get(f"/api/contributions/{created.json['id']}", headers=headers)
    assert read.status_code == 200
    assert created.json == read.json
    assert created.json["qpv_name"] and created.json["commune"] and created.json["theme_color"]
    assert created.json["geometry"]["type"] == {"line": "LineString"}.get(shape, "Point")


def test_create_without_csrf_is_refused_but_bearer_needs_none(client, consultation, resident):
    login(client, resident)
    assert client.post("/api/contributions", json=_payload(consultation)).status_code == 400
    anonymous = client.application.test_client()
    response = anonymous.post("/api/contributions", json=_payload(consultation), headers=bearer(resident))
    assert response.status_code == 201
    assert count_contributions() == 1


def test_statuses_401_403_404_422(client, consultation, make_user, make_consultation):
    assert client.post("/api/contributions", json={}).status_code == 401
    unconfirmed = client.post(
        "/api/contributions", json=_payload(consultation), headers=bearer(make_user(confirmed=False))
    )
    assert unconfirmed.status_code == 403 and unconfirmed.json["error"]["code"] == "unconfirmed"
    closed = make_consultation(is_open=False)
    response = client.post("/api/contributions", json=_payload(closed), headers=bearer(make_user()))
    assert response.status_code == 403 and "pas ouverte" in response.json["error"]["message"]
    assert client.get("/api/contributions/999999").status_code == 404
    assert client.get("/api/consultations/inconnue/contributions").status_code == 404
    assert count_contributions() == 0


def test_invalid_input_is_422_with_french_message_and_fields(client, consultation, resident):
    headers = bearer(resident)
    missing = client.post("/api/contributions", json={"consultation": consultation.slug}, headers=headers)
    assert missing.status_code == 422
    error = missing.json["error"]
    assert error["code"] == "invalid" and error["message"] == "Certaines informations sont invalides."
    assert error["fields"]["title"] == ["Ce champ est obligatoire."] and "geometry" in error["fields"]
    extra = client.post(
        "/api/contributions", json=_payload(consultation, author_id=1, status="published"), headers=headers
    )
    assert extra.status_code == 422 and extra.json["error"]["fields"]["status"] == ["Champ inconnu."]
    outside = client.post(
        "/api/contributions",
        json=_payload(consultation, east_of_perimeter(consultation, 800)),
        headers=headers,
    )
    assert outside.status_code == 422
    assert outside.json["error"]["message"].startswith(
        "Ce lieu est en dehors du périmètre de la concertation"
    )
    assert "geometry" in outside.json["error"]["fields"]
    bad = client.post(
        "/api/contributions",
        json=_payload(consultation, {"type": "Point", "coordinates": [500, 1]}),
        headers=headers,
    )
    assert bad.status_code == 422 and "hors limites" in bad.json["error"]["fields"]["geometry"][0]
    unknown = client.post(
        "/api/contributions", json=_payload(consultation, consultation="nulle-part"), headers=headers
    )
    assert unknown.status_code == 422 and "consultation" in unknown.json["error"]["fields"]
    not_object = client.post("/api/contributions", json=["x"], headers=headers)
    assert not_object.status_code == 422
    assert count_contributions() == 0


def test_pending_contribution_is_visible_to_its_author_only(
    client, make_consultation, make_contribution, resident, make_user
):
    pre = make_consultation(moderation_mode="pre")
    response = client.post("/api/contributions", json=_payload(pre), headers=bearer(resident))
    assert response.status_code == 201 and response.json["status"] == "pending"
    contribution_id = response.json["id"]
    assert client.get(f"/api/contributions/{contribution_id}").status_code == 404
    assert client.get(f"/api/contributions/{contribution_id}", headers=bearer(make_user())).status_code == 404
    own = client.get(f"/api/contributions/{contribution_id}", headers=bearer(resident))
    assert own.status_code == 200 and own.json["status_label"] == "En attente de validation"
    assert (
        client.get(
            f"/api/contributions/{contribution_id}", headers=bearer(make_user(role="moderator"))
        ).status_code
        == 200
    )
    public = client.get(f"/api/consultations/{pre.slug}/contributions").json
    assert public["total"] == 0
    mine = client.get(f"/api/consultations/{pre.slug}/contributions", headers=bearer(resident)).json
    assert [i["id"] for i in mine["items"]] == [contribution_id]
    vote = client.post(
        f"/api/contributions/{contribution_id}/vote", json={"value": 1}, headers=bearer(resident)
    )
    assert vote.status_code == 409


def test_vote_endpoints(client, consultation, make_consultation, make_contribution, resident):
    contribution = make_contribution(consultation)
    url = f"/api/contributions/{contribution.id}/vote"
    assert client.post(url, json={"value": 1}).status_code == 401
    headers = bearer(resident)
    assert client.post(url, json={"value": 2}, headers=headers).status_code == 422
    assert client.post(url, json={"value": "1"}, headers=headers).status_code == 422
    response = client.post(url, json={"value": -1}, headers=headers)
    assert response.status_code == 200
    assert response.json == {"id": contribution.id, "votes": {"agree": 0, "disagree": 1}, "my_vote": -1}
    assert client.get(f"/api/contributions/{contribution.id}", headers=headers).json["my_vote"] == -1
    retract = client.delete(url, headers=headers)
    assert retract.status_code == 200 and retract.json["votes"] == {"agree": 0, "disagree": 0}
    support = make_contribution(make_consultation(voting_mode="support"))
    response = client.post(f"/api/contributions/{support.id}/vote", json={"value": 1}, headers=headers)
    assert response.json["votes"] == {"support": 1}
    assert client.get(f"/api/contributions/{support.id}").json["votes"] == {"support": 1}


def test_comments_and_one_level_of_replies(client, consultation, make_contribution, resident, make_user):
    contribution = make_contribution(consultation)
    url = f"/api/contributions/{contribution.id}/comments"
    assert client.post(url, json={"body": "Oui"}).status_code == 401
    headers = bearer(resident)
    first = client.post(url, json={"body": "<script>alert(1)</script> Bonne idée"}, headers=headers)
    assert first.status_code == 201 and first.json["body"] == "<script>alert(1)</script> Bonne idée"
    reply = client.post(
        url, json={"body": "D'accord", "parent_id": first.json["id"]}, headers=bearer(make_user())
    )
    deeper = client.post(url, json={"body": "Moi aussi", "parent_id": reply.json["id"]}, headers=headers)
    assert (
        deeper.status_code == 201 and deeper.json["parent_id"] == first.json["id"]
    )  # flattened to one level
    assert client.post(url, json={"body": "   "}, headers=headers).status_code == 422
    assert client.post(url, json={"body": "x", "parent_id": 99999}, headers=headers).status_code == 404
    threads = client.get(url).json
    assert len(threads) == 1 and [r["body"] for r in threads[0]["replies"]] == ["D'accord", "Moi aussi"]
    assert client.get(f"/api/contributions/{contribution.id}").json["comments"] == 3


def test_comments_wait_for_publication(client, consultation, make_contribution, resident):
    pending = make_contribution(consultation, author=resident, status="pending")
    url = f"/api/contributions/{pending.id}/comments"
    assert client.post(url, json={"body": "Trop tôt"}, headers=bearer(resident)).status_code == 409
    assert client.get(url, headers=bearer(resident)).json == []


def test_list_filters_sorts_and_pagination(
    client, consultation, make_contribution, make_vote, make_comment, make_user
):
    voters = [make_user() for _ in range(4)]
    loved = make_contribution(consultation, title="Aimée", theme="sante")
    debated = make_contribution(consultation, title="Débattue", theme="sante")
    quiet = make_contribution(consultation, title="Calme", theme="numerique", outcome="retenue")
    for user in voters:
        make_vote(loved, user, 1)
    for user, value in zip(voters, (1, -1, 1, -1), strict=True):
        make_vote(debated, user, value)
    make_comment(quiet, voters[0])
    url = f"/api/consultations/{consultation.slug}/contributions"
    assert [i["title"] for i in client.get(url + "?sort=soutenues").json["items"]][0] == "Aimée"
    assert [i["title"] for i in client.get(url + "?sort=debattues").json["items"]] == [
        "Débattue",
        "Calme",
        "Aimée",
    ]
    assert [i["title"] for i in client.get(url + "?theme=numerique").json["items"]] == ["Calme"]
    assert [i["title"] for i in client.get(url + "?outcome=retenue").json["items"]] == ["Calme"]
    assert client.get(url + "?outcome=sans_reponse").json["total"] == 2
    assert client.get(url + "?qpv=QP062024").json["total"] == 3
    assert client.get(url + "?q=débat").json["total"] == 1
    page = client.get(url + "?per_page=2&page=2").json
    assert (page["total"], page["pages"], len(page["items"])) == (3, 2, 1)
    assert client.get(url + "?per_page=2&page=9").json["total"] == 3
    bad = client.get(url + "?sort=hasard&per_page=1000")
    assert bad.status_code == 422 and set(bad.json["error"]["fields"]) == {"sort", "per_page"}


def test_list_uses_a_fixed_number_of_statements_whatever_the_data_size(
    client, consultation, make_contribution, make_comment, resident, count_queries
):
    url = f"/api/consultations/{consultation.slug}/contributions?per_page=100"
    login(client, resident)  # (a personal token adds its throttled last_used_at update)
    headers = {}

    def statements():
        with count_queries() as seen:
            response = client.get(url, headers=headers)
        assert response.status_code == 200
        return len(_sql(seen)), response.json["total"]

    make_contribution(consultation)
    small = statements()
    for i in range(60):
        contribution = make_contribution(consultation, title=f"Idée numéro {i}", author=resident)
        if i % 3 == 0:
            make_comment(contribution, resident)
    db.session.execute(
        text(
            "INSERT INTO photos (contribution_id, position, path, thumb_path, width, height, size_bytes, created_at)"
            " SELECT id, 0, 'a.jpg', 'a-320.jpg', 10, 10, 100, now() FROM contributions"
        )
    )
    large = statements()
    assert small[1] == 1 and large[1] == 61
    assert small[0] == large[0] <= 5
    detail_url = f"/api/contributions/{contribution.id}"
    with count_queries() as seen:
        assert client.get(detail_url, headers=headers).status_code == 200
    assert len(_sql(seen)) <= 5


def _sql(statements):
    """Statements of the request itself (the test's savepoints are transaction control)."""
    return [s for s in statements if not s.startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO"))]


def test_openapi_documents_the_contribution_endpoints(client):
    paths = client.get("/api/openapi.json").json["paths"]
    assert {"post"} <= set(paths["/api/contributions"])
    assert {"post", "delete"} <= set(paths["/api/contributions/{contribution_id}/vote"])
    assert {"get", "post"} <= set(paths["/api/contributions/{contribution_id}/comments"])
    assert "get" in paths["/api/consultations/{slug}/contributions"]
    assert "get" in paths["/api/contributions/{contribution_id}"]
    upload = paths["/api/contributions/{contribution_id}/photos"]["post"]
    assert "multipart/form-data" in upload["requestBody"]["content"]


def test_contributions_are_rate_limited_per_account(client, consultation, resident):
    headers = bearer(resident)
    statuses = [
        client.post(
            "/api/contributions", json=_payload(consultation, title=f"Idée {i}"), headers=headers
        ).status_code
        for i in range(20)
    ]
    refused = client.post("/api/contributions", json=_payload(consultation, title="Idée 21"), headers=headers)
    assert statuses == [201] * 20 and refused.status_code == 429
    # when to come back: within the hour of the window, said on the refusal only
    assert 1 <= int(refused.headers["Retry-After"]) <= 3600
    assert refused.get_json()["error"]["code"] == "rate_limited"
    ok = client.get(f"/api/consultations/{consultation.slug}/contributions", headers=headers)
    assert not any(name.lower().startswith(("x-ratelimit", "retry-after")) for name in ok.headers.keys())


def test_a_theme_the_consultation_does_not_have_is_refused_by_the_api(client, make_consultation, resident):
    """The API checks the theme against the consultation's own themes (read as one array column)."""
    from app.consultations.models import Consultation

    target = make_consultation(qpv_codes=["QP062024"])
    link = text(
        "DELETE FROM consultation_themes WHERE consultation_id = :c AND theme_slug = 'mobilite-accessibilite'"
    )
    db.session.execute(link, {"c": target.id})
    db.session.commit()
    response = client.post("/api/contributions", json=_payload(target), headers=bearer(resident))
    assert response.status_code == 422 and list(response.json["error"]["fields"]) == ["theme"]
    accepted = client.post(
        "/api/contributions",
        json=_payload(target, theme="cadre-de-vie-espaces-publics"),
        headers=bearer(resident),
    )
    assert accepted.status_code == 201, accepted.json
    db.session.expire_all()
    assert "mobilite-accessibilite" not in db.session.get(Consultation, target.id).theme_slug_set()
