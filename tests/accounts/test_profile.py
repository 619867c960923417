import json
import re
from html import unescape

from sqlalchemy import func, select, text

from app.accounts.models import ApiToken, User
from app.contributions.models import Comment, Contribution, Vote
from app.extensions import db
from tests.accounts.conftest import post_form
from tests.conftest import PASSWORD, bearer, login


def test_profile_needs_a_session(client):
    response = client.get("/compte")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/connexion?next=/compte")
    assert client.get("/compte/donnees.json").status_code == 302


def test_profile_answers_are_saved_and_checked(client, make_user):
    user = make_user()
    make_user(pseudonym="Déjà Pris")
    login(client, user)
    page = client.get("/compte")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    html = unescape(page.get_data(as_text=True))
    assert html.count("<option") == 1 + 21 + 1 + 6  # the 21 QPV and the 6 age bands, each with « no answer »
    response = post_form(
        client, "/compte", {"pseudonym": "Nouveau Nom", "home_qpv_code": "QP062024", "age_band": "26-40"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert (user.pseudonym, user.home_qpv_code, user.age_band) == ("Nouveau Nom", "QP062024", "26-40")

    response = post_form(client, "/compte", {"pseudonym": "Nouveau Nom", "home_qpv_code": "QP999999"})
    assert response.status_code == 422
    assert "N'est pas un choix valide." in unescape(response.get_data(as_text=True))
    response = post_form(client, "/compte", {"pseudonym": "déjà pris", "home_qpv_code": "", "age_band": ""})
    assert response.status_code == 422
    assert "Ce pseudonyme est déjà pris" in unescape(response.get_data(as_text=True))
    db.session.expire_all()
    assert user.pseudonym == "Nouveau Nom"


def test_personal_token_is_shown_once_works_and_can_be_revoked(client, make_user):
    user = make_user()
    login(client, user)
    response = post_form(client, "/compte/jetons", {"name": "script QGIS"})
    assert response.status_code == 201 and response.headers["Cache-Control"] == "no-store"
    (raw,) = re.findall(r">(cc_[^<]+)</textarea>", response.get_data(as_text=True))
    assert raw not in client.get("/compte").get_data(as_text=True)
    api = {"Authorization": f"Bearer {raw}"}
    assert client.application.test_client().get("/api/me", headers=api).get_json()["id"] == user.id

    token = db.session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    assert token.name == "script QGIS" and token.token_hash != raw
    response = post_form(client, f"/compte/jetons/{token.id}/revoquer", {})
    assert response.status_code == 302
    assert client.application.test_client().get("/api/me", headers=api).status_code == 401


def test_one_cannot_revoke_somebody_elses_token(client, make_user):
    owner, other = make_user(), make_user()
    header = bearer(owner)
    token_id = db.session.scalar(select(ApiToken.id).where(ApiToken.user_id == owner.id))
    login(client, other)
    assert post_form(client, f"/compte/jetons/{token_id}/revoquer", {}).status_code == 404
    assert client.application.test_client().get("/api/me", headers=header).status_code == 200


def _scene(make_user, make_consultation, make_contribution, make_vote, make_comment):
    """Me and a neighbour, each with a contribution, votes and comments on both."""
    me, neighbour = make_user(), make_user()
    consultation = make_consultation()
    mine = make_contribution(consultation, author=me, title="Un préau pour la cour")
    theirs = make_contribution(consultation, author=neighbour, title="Des jeux pour les petits")
    make_vote(theirs, me, 1)
    make_vote(mine, neighbour, -1)
    make_vote(mine, me, 1)
    make_comment(theirs, me, "Oui, près du square !")
    make_comment(mine, neighbour, "Commentaire du voisin, pas le mien")
    return me, neighbour, mine, theirs


def test_my_data_download_holds_my_data_and_nobody_elses(
    client, make_user, make_consultation, make_contribution, make_vote, make_comment
):
    me, neighbour, mine, theirs = _scene(
        make_user, make_consultation, make_contribution, make_vote, make_comment
    )
    bearer(me)
    login(client, me)
    response = client.get("/compte/donnees.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.get_data(as_text=True))
    assert data["compte"]["email"] == me.email and data["compte"]["pseudonyme"] == me.pseudonym
    assert [c["titre"] for c in data["contributions"]] == ["Un préau pour la cour"]
    assert data["contributions"][0]["geometrie"]["type"] == "Point"
    assert sorted((v["contribution"], v["vote"]) for v in data["votes"]) == sorted(
        [(theirs.id, "accord"), (mine.id, "accord")]
    )
    assert [c["texte"] for c in data["commentaires"]] == ["Oui, près du square !"]
    assert len(data["jetons_api"]) == 1 and "token_hash" not in json.dumps(data)
    text_dump = json.dumps(data, ensure_ascii=False)
    assert neighbour.email not in text_dump and neighbour.pseudonym not in text_dump
    assert "Commentaire du voisin" not in text_dump and "password" not in text_dump


def _counters_match_votes():
    return (
        db.session.execute(
            text(
                "SELECT count(*) FROM contributions c WHERE c.agree_count <>"
                " (SELECT count(*) FROM votes v WHERE v.contribution_id = c.id AND v.value = 1)"
                " OR c.disagree_count <>"
                " (SELECT count(*) FROM votes v WHERE v.contribution_id = c.id AND v.value = -1)"
            )
        ).scalar()
        == 0
    )


def test_deleting_my_account_anonymises_and_keeps_counters_equal_to_votes(
    app, client, make_user, make_consultation, make_contribution, make_vote, make_comment
):
    me, neighbour, mine, theirs = _scene(
        make_user, make_consultation, make_contribution, make_vote, make_comment
    )
    header = bearer(me)
    email = me.email
    login(client, me)
    assert _counters_match_votes()

    response = post_form(client, "/compte/supprimer", {"password": "pas le bon"})
    assert response.status_code == 422
    assert "Mot de passe incorrect" in unescape(response.get_data(as_text=True))
    db.session.expire_all()
    assert me.deleted_at is None and db.session.scalar(select(func.count(Vote.id))) == 3

    response = post_form(client, "/compte/supprimer", {"password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    db.session.expire_all()
    assert me.email is None and me.password_hash is None and me.deleted_at is not None
    assert me.pseudonym == f"Compte supprimé #{me.id}" and me.session_version == 2
    assert db.session.scalars(select(Vote.user_id)).all() == [neighbour.id]
    assert (theirs.agree_count, mine.agree_count, mine.disagree_count) == (0, 0, 1)
    assert _counters_match_votes()
    assert db.session.get(Contribution, mine.id).author_id == me.id  # kept, shown as « Compte supprimé »
    assert db.session.scalar(select(func.count(Comment.id)).where(Comment.author_id == me.id)) == 1

    assert client.get("/api/me").status_code == 401
    assert app.test_client().get("/api/me", headers=header).status_code == 401
    assert (
        post_form(app.test_client(), "/connexion", {"email": email, "password": PASSWORD}).status_code == 422
    )
    again = post_form(
        app.test_client(),
        "/inscription",
        {"pseudonym": "De retour", "email": email, "password": PASSWORD, "consent": "y"},
    )
    assert again.status_code == 302  # the address is free again
    assert db.session.scalar(select(func.count(User.id)).where(User.email == email)) == 1
