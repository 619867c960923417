"""Assignments decide what staff may do: roles × assignment × routes (pages and API) on consultation X.

A moderator or urbanist assigned to X (without the platform-wide role) acts on X only; one assigned to
another consultation Y is refused on X's routes and does not see X in the lists; platform-wide roles and
admins keep working everywhere. A route that ignores the assignment makes this matrix fail."""

import base64
import re

import pytest

from app.consultations.staff import PERMISSIONS, PLATFORM
from app.extensions import db
from tests.conftest import bearer, csrf_token, login
from tests.moderation.test_authorization import ADMIN_ONLY, PUBLIC, SIGNED_IN
from tests.moderation.test_authorization import requests_for as moderation_requests

# persona: (platform role, assignment (consultation key, consultation role) or None)
PERSONAS = {
    "anonymous": (None, None),
    "resident": ("resident", None),
    "moderator": ("moderator", None),
    "urbanist": ("urbanist", None),
    "admin": ("admin", None),
    "moderateur X": ("resident", ("X", "moderateur")),
    "moderateur Y": ("resident", ("Y", "moderateur")),
    "urbaniste X": ("resident", ("X", "urbaniste")),
    "urbaniste Y": ("resident", ("Y", "urbaniste")),
    "chef de projet X": ("resident", ("X", "chef_de_projet")),
    "urbanist, moderateur Y": ("urbanist", ("Y", "moderateur")),
}
PLATFORM_ONLY = {"moderation.users", "moderation.user", "moderation.sanction"}
# Lists answer whoever may do the action somewhere, showing only the consultations they may see.
LISTS = {
    "moderation.inbox": "moderate",
    "moderation.comments": "moderate",
    "exports.index": "export",
    "exports_api.list_exports": "export",
    "reports.index": "read_reports",
}
OTHER_ROUTES = {
    # endpoint: (method, kind, action, platform only, success)
    "exports.index": ("GET", "html", "export", False, 200),
    "exports_api.create_export": ("POST", "api", "export", False, 202),
    "exports_api.list_exports": ("GET", "api", "export", False, 200),
    "ogc.items": ("GET", "basic", "read_data", False, 200),
    "ogc.collection": ("GET", "basic", "read_data", False, 200),
    "reports.index": ("GET", "html", "read_reports", False, 200),
    "reports.consultation": ("GET", "html", "read_reports", False, 200),
    "reports.generate_consultation": ("POST", "html", "read_reports", False, 302),
    "reports.qpv": ("GET", "html", "read_reports", True, 200),
    "reports_api.create_report": ("POST", "api", "read_reports", False, 202),
    "reports_api.list_reports": ("GET", "api", "read_reports", False, 200),
}


def other_requests(x):
    return {
        "exports.index": "/exports",
        "exports_api.create_export": ("/api/exports", {"consultations": [x.slug], "format": "csv"}),
        "exports_api.list_exports": "/api/exports",
        "ogc.items": f"/ogc/collections/{x.slug}-points/items",
        "ogc.collection": f"/ogc/collections/{x.slug}-points",
        "reports.index": "/rapports",
        "reports.consultation": f"/rapports/concertations/{x.slug}",
        "reports.generate_consultation": (f"/rapports/concertations/{x.slug}/generer", {}),
        "reports.qpv": "/rapports/quartiers/QP062024",
        "reports_api.create_report": ("/api/reports", {"consultation": x.slug}),
        "reports_api.list_reports": f"/api/reports?consultation={x.slug}",
    }


def allowed(persona, action, platform_only=False, where="X"):
    """True when `persona` may do `action` in consultation `where` (None: somewhere)."""
    role, assignment = PERSONAS[persona]
    if role == "admin" or role in PLATFORM.get(action, ()):
        return True
    if platform_only or assignment is None:
        return False
    return (where is None or assignment[0] == where) and assignment[1] in PERMISSIONS[action]


def expected_moderation(endpoint, method, kind, persona):
    ok = (
        201
        if endpoint in SIGNED_IN
        else ({"GET": 200, "POST": 302, "PATCH": 200}[method] if kind == "html" else 200)
    )
    if endpoint in PUBLIC:
        return 200
    if persona == "anonymous":
        return 302 if kind == "html" else 401
    if endpoint in SIGNED_IN:
        return ok
    if endpoint in ADMIN_ONLY:
        return ok if persona == "admin" else 403
    where = None if endpoint in LISTS else "X"
    return ok if allowed(persona, "moderate", endpoint in PLATFORM_ONLY, where) else 403


def expected_other(endpoint, persona):
    method, kind, action, platform_only, ok = OTHER_ROUTES[endpoint]
    if persona == "anonymous":
        return {"html": 302, "api": 401, "basic": 401}[kind]
    where = None if endpoint in LISTS else "X"
    return ok if allowed(persona, action, platform_only, where) else 403


@pytest.fixture
def world(make_consultation, make_contribution, make_comment, make_user, assign):
    from app.moderation.demo import seed_reasons

    seed_reasons()
    x = make_consultation(
        title="Concertation Xénon", qpv_codes=["QP062024"], data_public=False, moderation_mode="post"
    )
    y = make_consultation(title="Concertation Yttrium", qpv_codes=["QP062019"])
    author = make_user(pseudonym="auteur-matrice-x")
    counter = {"n": 0}

    def new(status):
        counter["n"] += 1
        return make_contribution(x, author=author, status=status, title=f"Idée de X {counter['n']}")

    make_contribution(y, author=author, status="pending", title="Idée de Y")
    reason_id = db.session.execute(db.text("SELECT id FROM reject_reasons ORDER BY id LIMIT 1")).scalar()

    def decided():
        from app.moderation import services

        item = new("pending")
        services.approve(make_user(role="admin"), item)
        db.session.commit()
        sql = "SELECT max(id) FROM moderation_actions WHERE target_id = :id"
        return db.session.execute(db.text(sql), {"id": item.id}).scalar()

    ctx = {
        "consultation": x,
        "new": new,
        "decided": decided,
        "comment": lambda: make_comment(new("published"), author, "Un commentaire"),
        "user": make_user,
        "resident": make_user(),
        "reason_id": reason_id,
    }
    return {"X": x, "Y": y, "ctx": ctx, "make_user": make_user, "assign": assign}


def persona_user(world, persona):
    role, assignment = PERSONAS[persona]
    if role is None:
        return None
    user = world["make_user"](role=role)
    if assignment is not None:
        world["assign"](world[assignment[0]], user, assignment[1])
    return user


def basic(user):
    raw = bearer(user)["Authorization"].removeprefix("Bearer ")
    return {"Authorization": "Basic " + base64.b64encode(f"qgis:{raw}".encode()).decode()}


def _send(client, method, kind, url, body, token, headers):
    if kind == "html":
        data = dict(body or {}, csrf_token=token) if method != "GET" else None
        return client.open(url, method=method, data=data)
    return client.open(url, method=method, json=body, headers={**headers, "X-CSRFToken": token})


@pytest.mark.parametrize("persona", PERSONAS)
def test_routes_follow_the_assignment(client, world, persona):
    x = world["X"]
    user = persona_user(world, persona)
    moderation = moderation_requests(world["ctx"])
    others = other_requests(x)
    db.session.commit()
    if user is not None:
        login(client, user)
    token = csrf_token(client)
    headers = bearer(user) if user is not None else {}
    basic_headers = basic(user) if user is not None else {}
    db.session.commit()
    results, wanted, pages = {}, {}, {}
    for endpoint, (method, url, body, kind) in moderation.items():
        response = _send(client, method, kind, url, body, token, headers)
        results[endpoint] = response.status_code
        wanted[endpoint] = expected_moderation(endpoint, method, kind, persona)
        if kind == "html" and method == "POST" and response.status_code == 302 and user is not None:
            # Form views redirect on errors too: the flashed category tells success from failure.
            with client.session_transaction() as session:
                flashes = session.pop("_flashes", [])
            results[endpoint] = (302, [category for category, _ in flashes])
            wanted[endpoint] = (wanted[endpoint], ["success"] if wanted[endpoint] == 302 else ["error"])
        pages[endpoint] = response.get_data(as_text=True)
    for endpoint, target in others.items():
        method, kind, _action, _platform, _ok = OTHER_ROUTES[endpoint]
        url, body = target if isinstance(target, tuple) else (target, None)
        if kind == "basic":
            response = client.open(url, method=method, headers=basic_headers)
        else:
            response = _send(client, method, kind, url, body, token, headers)
        results[endpoint] = response.status_code
        wanted[endpoint] = expected_other(endpoint, persona)
        pages[endpoint] = response.get_data(as_text=True)
    assert results == wanted
    # Lists show only the consultations the person may see.
    for endpoint, action in LISTS.items():
        if results[endpoint] == 200:
            shown = "Xénon" in pages[endpoint] or x.slug in pages[endpoint]
            assert shown == allowed(persona, action), endpoint
    moderation_somewhere = allowed(persona, "moderate", where=None)
    if moderation_somewhere:
        assert ("Yttrium" in pages["moderation.inbox"]) == allowed(persona, "moderate", where="Y")


@pytest.mark.parametrize("persona", ["moderateur X", "moderateur Y", "moderator"])
def test_inbox_counts_only_the_consultations_moderated(client, world, persona):
    x = world["X"]
    user = persona_user(world, persona)
    for _ in range(3):
        world["ctx"]["new"]("pending")
    db.session.commit()
    login(client, user)
    html = client.get("/moderation?tab=pending").get_data(as_text=True)
    pending = int(re.search(r'data-count="pending">(\d+)<', html).group(1))
    expected = {"moderateur X": 3, "moderateur Y": 1, "moderator": 4}[persona]
    assert pending == expected
    ids = set(re.findall(r'/moderation/contributions/(\d+)"', html))
    assert len(ids) == expected
    # The consultation filter: X's own inbox is refused to Y's moderator, unknown slugs are 404.
    status = client.get(f"/moderation/concertations/{x.slug}").status_code
    assert status == (403 if persona == "moderateur Y" else 200)
    assert client.get("/moderation/concertations/inconnue").status_code == 404


def test_bulk_refuses_a_selection_reaching_another_consultation(client, world):
    user = persona_user(world, "moderateur X")
    mine = world["ctx"]["new"]("pending")
    other = db.session.execute(db.text("SELECT id FROM contributions WHERE title = 'Idée de Y'")).scalar()
    db.session.commit()
    headers = bearer(user)
    response = client.post(
        "/api/moderation/contributions/bulk",
        json={"ids": [mine.id, other], "action": "approve"},
        headers=headers,
    )
    assert response.status_code == 403
    statuses = db.session.execute(
        db.text("SELECT status FROM contributions WHERE id IN (:a, :b)"), {"a": mine.id, "b": other}
    ).scalars()
    assert set(statuses) == {"pending"}  # nothing half-written
    ok = client.post(
        "/api/moderation/contributions/bulk", json={"ids": [mine.id], "action": "approve"}, headers=headers
    )
    assert ok.status_code == 200 and ok.get_json()["done"] == [mine.id]


def test_ogc_collections_list_the_private_ones_of_the_assignment(client, world):
    x = world["X"]
    listed = {}
    for persona in ("urbaniste X", "urbaniste Y", "urbanist", "resident"):
        user = persona_user(world, persona)
        db.session.commit()
        document = client.get("/ogc/collections?f=json", headers=basic(user)).get_json()
        listed[persona] = any(c["id"] == f"{x.slug}-points" for c in document["collections"])
    assert listed == {"urbaniste X": True, "urbaniste Y": False, "urbanist": True, "resident": False}


def test_an_ended_assignment_ends_the_rights(client, world, admin):
    from app.consultations.staff import list_staff, unassign_staff

    x = world["X"]
    user = persona_user(world, "moderateur X")
    item = world["ctx"]["new"]("pending")
    db.session.commit()
    login(client, user)
    assert client.get(f"/moderation/contributions/{item.id}").status_code == 200
    assignment = next(a for a in list_staff(x.id) if a.user_id == user.id)
    unassign_staff(admin, x, assignment.id)
    db.session.commit()
    assert client.get(f"/moderation/contributions/{item.id}").status_code == 403


def test_an_assigned_moderator_pages_keep_a_fixed_number_of_statements(client, world, count_queries):
    user = persona_user(world, "moderateur X")
    first = world["ctx"]["new"]("pending").id
    db.session.commit()
    login(client, user)
    measured = {}
    for size in ("few", "many"):
        if size == "many":
            for _ in range(15):
                world["ctx"]["new"]("pending")
        db.session.expire_all()
        with count_queries() as inbox:
            assert client.get("/moderation?tab=pending").status_code == 200
        with count_queries() as detail:
            assert client.get(f"/moderation/contributions/{first}").status_code == 200
        measured[size] = tuple(len([s for s in q if "SAVEPOINT" not in s]) for q in (inbox, detail))
    assert measured["few"] == measured["many"]
    # One more than for platform-wide moderators: the assignments, read once per request.
    assert measured["many"] == (5, 5), measured
