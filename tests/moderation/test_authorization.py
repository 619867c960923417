"""Authorization matrix: every moderation route and API endpoint × every role, with the expected status."""

import pytest

from app.extensions import db
from tests.conftest import bearer, csrf_token, login

ROLES = ("anonymous", "resident", "facilitator", "urbanist", "moderator", "admin")
STAFF = {"moderator", "admin"}


def requests_for(ctx):
    """{endpoint: (method, url, body, kind)}; kind: html (session + CSRF form), api (bearer JSON)."""
    c, new = ctx["consultation"], ctx["new"]
    pending, published, comment = new("pending"), new("published"), ctx["comment"]()
    source, target = new("published"), new("published")
    resident, reason_id = ctx["resident"], ctx["reason_id"]
    return {
        "moderation.inbox": ("GET", "/moderation", None, "html"),
        "moderation.consultation_inbox": ("GET", f"/moderation/concertations/{c.slug}", None, "html"),
        "moderation.contribution": ("GET", f"/moderation/contributions/{pending.id}", None, "html"),
        "moderation.comments": ("GET", "/moderation/commentaires", None, "html"),
        "moderation.users": ("GET", "/moderation/utilisateurs", None, "html"),
        "moderation.user": ("GET", f"/moderation/utilisateurs/{resident.id}", None, "html"),
        "moderation.reasons": ("GET", "/moderation/motifs", None, "html"),
        "moderation.audit": ("GET", "/moderation/journal", None, "html"),
        "moderation.decision": (
            "POST",
            f"/moderation/contributions/{new('pending').id}/decision",
            {"action": "approve"},
            "html",
        ),
        "moderation.review": (
            "POST",
            f"/moderation/contributions/{new('published').id}/vu",
            {},
            "html",
        ),
        "moderation_api.review": (
            "POST",
            f"/api/moderation/contributions/{new('published').id}/review",
            None,
            "api",
        ),
        "moderation.undo": (
            "POST",
            "/moderation/annulation",
            {"action_ids": [str(ctx["decided"]())]},
            "html",
        ),
        "moderation_api.undo": ("POST", "/api/moderation/undo", {"action_ids": [ctx["decided"]()]}, "api"),
        "moderation.edit": (
            "POST",
            f"/moderation/contributions/{new('pending').id}/modifier",
            {"title": "Nouveau titre"},
            "html",
        ),
        "moderation.merge": (
            "POST",
            f"/moderation/contributions/{new('published').id}/fusion",
            {"into": str(published.id)},
            "html",
        ),
        "moderation.answer": (
            "POST",
            f"/moderation/contributions/{new('published').id}/reponse",
            {"outcome": "a_l_etude", "official_answer": "Nous étudions."},
            "html",
        ),
        "moderation.bulk": (
            "POST",
            "/moderation/actions-groupees",
            {"action": "approve", "ids": [str(new("pending").id)]},
            "html",
        ),
        "moderation.comment_decision": (
            "POST",
            f"/moderation/commentaires/{ctx['comment']().id}/decision",
            {"action": "hide", "reason_text": "Insulte"},
            "html",
        ),
        "moderation.sanction": (
            "POST",
            f"/moderation/utilisateurs/{ctx['user']().id}/sanction",
            {"action": "ban", "reason": "Spam"},
            "html",
        ),
        "moderation.role": (
            "POST",
            f"/moderation/utilisateurs/{ctx['user']().id}/role",
            {"role": "facilitator"},
            "html",
        ),
        "moderation.create_reason": ("POST", "/moderation/motifs", {"label": f"Motif {pending.id}"}, "html"),
        "moderation.update_reason": (
            "POST",
            f"/moderation/motifs/{reason_id}",
            {"label": f"Libellé {pending.id}", "active": "1"},
            "html",
        ),
        "moderation_api.decide": (
            "POST",
            f"/api/moderation/contributions/{new('pending').id}/decision",
            {"action": "approve"},
            "api",
        ),
        "moderation_api.bulk": (
            "POST",
            "/api/moderation/contributions/bulk",
            {"ids": [new("pending").id], "action": "approve"},
            "api",
        ),
        "moderation_api.merge": (
            "POST",
            f"/api/moderation/contributions/{source.id}/merge",
            {"into": target.id},
            "api",
        ),
        "moderation_api.duplicates": (
            "GET",
            f"/api/moderation/contributions/{pending.id}/duplicates",
            None,
            "api",
        ),
        "moderation_api.answer": (
            "POST",
            f"/api/moderation/contributions/{new('published').id}/answer",
            {"outcome": "retenue", "official_answer": "Oui."},
            "api",
        ),
        "moderation_api.edit": (
            "PATCH",
            f"/api/moderation/contributions/{new('pending').id}",
            {"title": "Titre corrigé"},
            "api",
        ),
        "moderation_api.decide_comment": (
            "POST",
            f"/api/moderation/comments/{comment.id}/decision",
            {"action": "hide", "reason": "Hors sujet"},
            "api",
        ),
        "moderation_api.flag_contribution": (
            "POST",
            f"/api/contributions/{published.id}/flags",
            {"reason": "spam"},
            "api",
        ),
        "moderation_api.flag_comment": (
            "POST",
            f"/api/comments/{ctx['comment']().id}/flags",
            {"reason": "insulte"},
            "api",
        ),
        "moderation_api.flag_reasons": ("GET", "/api/flag-reasons", None, "api"),
    }


ADMIN_ONLY = {
    "moderation.reasons",
    "moderation.audit",
    "moderation.role",
    "moderation.create_reason",
    "moderation.update_reason",
}
SIGNED_IN = {"moderation_api.flag_contribution", "moderation_api.flag_comment"}
PUBLIC = {"moderation_api.flag_reasons"}
SUCCESS = {"GET": 200, "POST": 302, "PATCH": 200}


def expected(endpoint, method, kind, role):
    ok = 201 if endpoint in SIGNED_IN else (SUCCESS[method] if kind == "html" else 200)
    if endpoint in PUBLIC:
        return 200
    if role == "anonymous":
        return 302 if kind == "html" else 401
    if endpoint in SIGNED_IN:
        return ok
    if endpoint in ADMIN_ONLY:
        return ok if role == "admin" else 403
    return ok if role in STAFF else 403


@pytest.fixture
def ctx(consultation, make_contribution, make_comment, make_user, reasons):
    author = make_user(pseudonym="auteur-matrice")
    counter = {"n": 0}

    def new(status):
        counter["n"] += 1
        return make_contribution(
            consultation, author=author, status=status, title=f"Idée de test {counter['n']}"
        )

    def comment():
        return make_comment(new("published"), author, "Un commentaire")

    def decided():
        """The audit entry id of a decision an admin has just made (undoable for a few minutes)."""
        from app.moderation import services

        item = new("pending")
        services.approve(make_user(role="admin"), item)
        db.session.commit()
        return db.session.execute(
            db.text("SELECT max(id) FROM moderation_actions WHERE target_id = :id"), {"id": item.id}
        ).scalar()

    return {
        "consultation": consultation,
        "new": new,
        "decided": decided,
        "comment": comment,
        "user": make_user,
        "resident": make_user(),
        "reason_id": reasons[0].id,
    }


@pytest.mark.parametrize("role", ROLES)
def test_every_route_answers_each_role_as_expected(client, app, ctx, make_user, role):
    user = None if role == "anonymous" else make_user(role=role)
    table = requests_for(ctx)
    db.session.commit()  # failed requests roll the shared session back: keep the setup
    if user is not None:
        login(client, user)
    token = csrf_token(client)
    headers = bearer(user) if user is not None else {}
    db.session.commit()
    results = {}
    for endpoint, (method, url, body, kind) in table.items():
        if kind == "html":
            data = dict(body or {}, csrf_token=token) if method != "GET" else None
            response = client.open(url, method=method, data=data)
        else:
            response = client.open(url, method=method, json=body, headers={**headers, "X-CSRFToken": token})
        results[endpoint] = response.status_code
        if role == "anonymous" and kind == "html":
            assert "/connexion" in response.headers.get("Location", ""), endpoint
        if kind == "html" and method == "POST" and role in STAFF:
            # Form views redirect on errors too: the flashed category tells success from failure.
            with client.session_transaction() as session:
                flashes = session.pop("_flashes", [])
            results[endpoint] = (response.status_code, [category for category, _ in flashes])
    wanted = {e: expected(e, m, k, role) for e, (m, _u, _b, k) in table.items()}
    for endpoint, (method, _url, _body, kind) in table.items():
        if kind == "html" and method == "POST" and role in STAFF:
            wanted[endpoint] = (wanted[endpoint], ["success"] if wanted[endpoint] == 302 else [])
    assert results == wanted


def test_the_matrix_covers_every_moderation_route(app):
    import inspect
    import re

    registered = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.endpoint.split(".")[0] in ("moderation", "moderation_api")
    }
    in_matrix = set(re.findall(r'"(moderation(?:_api)?\.[a-z_]+)"', inspect.getsource(requests_for)))
    assert registered == in_matrix


def test_resident_gets_403_with_a_session_or_a_token_and_moderator_200(client, make_user):
    resident, moderator = make_user(), make_user(role="moderator")
    db.session.commit()
    assert client.get("/moderation", headers=bearer(resident)).status_code == 403
    assert client.get("/moderation", headers=bearer(moderator)).status_code == 200
    login(client, resident)
    assert client.get("/moderation").status_code == 403
    assert client.get("/moderation/").status_code == 403
    login(client, moderator)
    assert client.get("/moderation").status_code == 200


# --- media visibility (issue 11, point 9): a photo follows its contribution ------------------------
MEDIA_STATUSES = ("published", "pending", "hidden", "rejected", "merged", "deleted")
MEDIA_ROLES = ("anonymous", "author", "other resident", "moderator", "urbanist")
MAY_SEE_UNPUBLISHED = {"author", "moderator", "urbanist"}


def expected_media(role, status):
    """(status code, cache) of GET /media/<photo> for `role` when the contribution is `status`."""
    if status == "deleted":
        return 404, None
    if status == "published":
        return 200, "public"
    return (200, "private") if role in MAY_SEE_UNPUBLISHED else (404, None)


@pytest.fixture
def media_photos(consultation, make_contribution, make_user, moderator):
    """{status: media path} of one photo per contribution status; the file exists for every one."""
    from pathlib import Path

    from flask import current_app

    from app.contributions.models import Photo
    from app.moderation import services
    from tests.contributions.conftest import jpeg_bytes

    author, root = make_user(pseudonym="auteur-photos"), Path(current_app.config["MEDIA_DIR"])
    target = make_contribution(consultation, author=make_user(), title="Idée gardée")
    paths = {}
    for status in MEDIA_STATUSES:
        initial = "hidden" if status in ("merged", "deleted") else status
        contribution = make_contribution(consultation, author=author, status=initial, title=f"Idée {status}")
        paths[status] = f"contributions/matrix/{status}-{contribution.id}.jpg"
        (root / paths[status]).parent.mkdir(parents=True, exist_ok=True)
        (root / paths[status]).write_bytes(jpeg_bytes())
        db.session.add(
            Photo(
                contribution_id=contribution.id,
                path=paths[status],
                thumb_path=paths[status],
                width=8,
                height=6,
                size_bytes=9,
            )
        )
        db.session.flush()
        if status == "merged":  # merged from a hidden one: its photo must not become public
            services.merge(moderator, contribution, target)
        if status == "deleted":  # the row is gone, the file is still on disk
            db.session.delete(contribution)
    db.session.commit()
    return {"author": author, "paths": paths}


def test_media_visibility_matrix(app, make_user, moderator, media_photos):
    from tests.moderation.conftest import FreshUserClient

    users = {
        "anonymous": None,
        "author": media_photos["author"],
        "other resident": make_user(),
        "moderator": moderator,
        "urbanist": make_user(role="urbanist"),
    }
    results, wanted = {}, {}
    for role in MEDIA_ROLES:
        client = FreshUserClient(app, app.response_class, use_cookies=True)
        if users[role] is not None:
            login(client, users[role])
        for status, path in media_photos["paths"].items():
            response = client.get(f"/media/{path}")
            cache = response.cache_control
            kind = "public" if cache.public and cache.max_age else "private" if cache.no_store else None
            results[(role, status)] = (response.status_code, kind if response.status_code == 200 else None)
            wanted[(role, status)] = expected_media(role, status)
    assert results == wanted
