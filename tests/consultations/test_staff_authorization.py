"""Staff per consultation: the authorization matrix of the back office and of workshop creation."""

import pytest

from app.extensions import db
from tests.conftest import bearer, csrf_token, login
from tests.consultations.conftest import api_phases, three_phases

ROLES = (
    "anonymous",
    "resident",
    "facilitator",
    "animateur",
    "chef_de_projet",
    "moderator",
    "urbanist",
    "admin",
)
# endpoint: (method, kind, {role: status}); roles not listed answer 403 (anonymous: 302 html / 401 api).
EXPECTED = {
    "admin.index": ("GET", "html", {"chef_de_projet": 200, "admin": 200}),
    "admin.new": ("GET", "html", {"chef_de_projet": 200, "admin": 200}),
    "admin.edit": ("GET", "html", {"chef_de_projet": 200, "admin": 200}),
    "admin.team": ("GET", "html", {"admin": 200}),
    "admin.team_post": ("POST", "html", {"admin": 302}),
    "admin.next_phase": ("POST", "html", {"chef_de_projet": 302, "admin": 302}),
    "admin.post_news": ("POST", "html", {"chef_de_projet": 302, "admin": 302}),
    "admin.preview_perimeter": ("POST", "html", {"chef_de_projet": 200, "admin": 200}),
    "api.post_news": ("POST", "api", {"chef_de_projet": 201, "admin": 201}),
    "api.create": ("POST", "api", {"chef_de_projet": 201, "admin": 201}),
    "api.update": ("PATCH", "api", {"chef_de_projet": 200, "admin": 200}),
    "api.list_staff": ("GET", "api", {"chef_de_projet": 200, "admin": 200}),
    "api.assign": ("POST", "api", {"admin": 201}),
    "api.unassign": ("DELETE", "api", {"admin": 204}),
    "workshops.create": (
        "POST",
        "api",
        {"animateur": 201, "chef_de_projet": 201, "moderator": 201, "admin": 201},
    ),
}


def requests_for(consultation, role, target, assignment_id):
    slug = consultation.slug
    new_body = {
        "slug": f"nouvelle-{role.replace('_', '-')}",
        "title": "Une nouvelle concertation",
        "qpv_codes": ["QP062019"],
        "phases": api_phases(three_phases()),
    }
    return {
        "admin.index": "/gestion/concertations",
        "admin.new": "/gestion/concertations/nouvelle",
        "admin.edit": f"/gestion/concertations/{slug}",
        "admin.team": f"/gestion/concertations/{slug}/equipe",
        "admin.team_post": (
            f"/gestion/concertations/{slug}/equipe",
            {"user": target.email, "role": "urbaniste"},
        ),
        "admin.next_phase": (f"/gestion/concertations/{slug}/phase-suivante", {}),
        "admin.post_news": (
            f"/gestion/concertations/{slug}/actualites",
            {"news_title": "Le chantier démarre"},
        ),
        "admin.preview_perimeter": ("/gestion/concertations/apercu-perimetre", {"qpv_codes": "QP062024"}),
        "api.post_news": (f"/api/consultations/{slug}/news", {"title": "Réunion publique jeudi"}),
        "api.create": ("/api/consultations", new_body),
        "api.update": (f"/api/consultations/{slug}", {"summary": f"Résumé revu par {role}"}),
        "api.list_staff": f"/api/consultations/{slug}/staff",
        "api.assign": (f"/api/consultations/{slug}/staff", {"user": target.pseudonym, "role": "moderateur"}),
        "api.unassign": (f"/api/consultations/{slug}/staff/{assignment_id}", None),
        "workshops.create": (
            "/api/workshops",
            {"consultation": slug, "date": "2030-03-14T14:00", "place": "Maison du projet"},
        ),
    }


def expected(endpoint, role):
    _method, kind, allowed = EXPECTED[endpoint]
    if role == "anonymous":
        return 302 if kind == "html" else 401
    return allowed.get(role, 403)


def _user_for(role, consultation, make_user, assign):
    if role == "anonymous":
        return None
    platform = {"animateur": "facilitator", "chef_de_projet": "resident"}.get(role, role)
    user = make_user(role=platform)
    if role in ("animateur", "chef_de_projet"):
        assign(consultation, user, role)
    return user


@pytest.mark.parametrize("role", ROLES)
def test_staff_routes_answer_each_role_as_expected(client, make_consultation, make_user, assign, role):
    consultation = make_consultation(qpv_codes=["QP062024"], phases=three_phases())
    user = _user_for(role, consultation, make_user, assign)
    target = make_user(role="urbanist")
    assignment = assign(consultation, make_user(role="urbanist"), "urbaniste")
    table = requests_for(consultation, role, target, assignment.id)
    db.session.commit()
    if user is not None:
        login(client, user)
    token = csrf_token(client)
    headers = {**(bearer(user) if user is not None else {}), "X-CSRFToken": token}
    db.session.commit()
    results = {}
    for endpoint, target_request in table.items():
        method, kind, _allowed = EXPECTED[endpoint]
        url, body = target_request if isinstance(target_request, tuple) else (target_request, None)
        if kind == "html":
            data = dict(body or {}, csrf_token=token) if method != "GET" else None
            response = client.open(url, method=method, data=data)
        else:
            response = client.open(url, method=method, json=body, headers=headers)
        results[endpoint] = response.status_code
    assert results == {endpoint: expected(endpoint, role) for endpoint in table}


def test_every_back_office_route_is_in_the_matrix(app):
    registered = {
        rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint.startswith("consultation_admin.")
    }
    covered = {
        "consultation_admin." + e.split(".")[1].replace("team_post", "team")
        for e in EXPECTED
        if e.startswith("admin.")
    }
    covered.add("consultation_admin.unassign")  # exercised below
    assert registered == covered


def test_only_admins_remove_an_assignment_from_the_page(client, consultation, make_user, assign, admin):
    chef = make_user()
    assign(consultation, chef, "chef_de_projet")
    other = assign(consultation, make_user(role="facilitator"), "animateur")
    db.session.commit()
    url = f"/gestion/concertations/{consultation.slug}/equipe/{other.id}/retirer"
    login(client, chef)
    assert client.post(url, data={"csrf_token": csrf_token(client)}).status_code == 403
    login(client, admin)
    assert client.post(url, data={"csrf_token": csrf_token(client)}).status_code == 302
    from app.consultations.staff import list_staff

    assert [a.role for a in list_staff(consultation.id)] == ["chef_de_projet"]
