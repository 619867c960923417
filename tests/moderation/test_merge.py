"""Merging duplicates: votes deduplicated in SQL, counters from the rows, comments moved, redirect."""

from datetime import timedelta

import pytest
from sqlalchemy import text

from app.consultations.models import utcnow
from app.contributions.models import Photo
from app.errors import Conflict, Invalid
from app.extensions import db
from app.moderation import services
from app.workshops.models import Workshop, WorkshopTally
from tests.conftest import bearer, login
from tests.moderation.conftest import actions_of


def counts_from_rows(contribution_id):
    return db.session.execute(
        text(
            "SELECT count(*) FILTER (WHERE value = 1), count(*) FILTER (WHERE value = -1),"
            " (SELECT count(*) FROM comments WHERE contribution_id = :id AND status = 'published')"
            " FROM votes WHERE contribution_id = :id"
        ),
        {"id": contribution_id},
    ).one()


@pytest.fixture
def pair(consultation, make_contribution, make_vote, make_comment, make_user):
    users = [make_user() for _ in range(5)]
    target = make_contribution(consultation, author=make_user(), title="Installer des bancs rue Basly")
    source = make_contribution(consultation, author=make_user(), title="Des bancs dans la rue Basly svp")
    for user, value in zip(users[:3], (1, -1, 1), strict=True):
        make_vote(target, user, value)
    # users[0] voted on both (same way), users[1] on both (differently): each counts once, on the target.
    for user, value in ((users[0], 1), (users[1], 1), (users[3], -1), (users[4], 1)):
        make_vote(source, user, value)
    first = make_comment(source, users[3], "Oui, pour les anciens")
    make_comment(source, users[4], "D'accord avec vous", parent=first)
    make_comment(target, users[2], "Et un abri aussi")
    db.session.add(
        Photo(
            contribution_id=source.id,
            position=0,
            path="p/a.jpg",
            thumb_path="p/a-t.jpg",
            width=8,
            height=6,
            size_bytes=10,
        )
    )
    workshop = Workshop(
        consultation_id=consultation.id,
        title="Atelier",
        starts_at=utcnow() - timedelta(days=1),
        place_name="Maison du projet",
    )
    db.session.add(workshop)
    db.session.flush()
    db.session.add(
        WorkshopTally(workshop_id=workshop.id, contribution_id=source.id, agree=4, disagree=1, comments=0)
    )
    db.session.execute(
        text("UPDATE contributions SET workshop_agree_count = 4, workshop_disagree_count = 1 WHERE id = :id"),
        {"id": source.id},
    )
    db.session.flush()
    db.session.refresh(source)
    return source, target, users


def test_merge_keeps_votes_once_moves_comments_and_recounts(client, pair, moderator):
    source, target, users = pair
    response = client.post(
        f"/api/moderation/contributions/{source.id}/merge",
        json={"into": target.id},
        headers=bearer(moderator),
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["id"] == target.id
    db.session.expire_all()

    voters = db.session.execute(
        text("SELECT user_id, value FROM votes WHERE contribution_id = :id ORDER BY user_id"),
        {"id": target.id},
    ).all()
    assert [(v.user_id, v.value) for v in voters] == [
        (users[0].id, 1),
        (users[1].id, -1),
        (users[2].id, 1),
        (users[3].id, -1),
        (users[4].id, 1),
    ]
    assert counts_from_rows(source.id) == (0, 0, 0)
    assert (
        (target.agree_count, target.disagree_count, target.comment_count)
        == counts_from_rows(target.id)
        == (3, 2, 3)
    )
    assert (source.agree_count, source.disagree_count, source.comment_count) == (0, 0, 0)
    assert (source.status, source.merged_into_id) == ("merged", target.id)
    assert (target.workshop_agree_count, target.workshop_disagree_count) == (4, 1)
    assert (
        db.session.execute(
            text("SELECT count(*) FROM photos WHERE contribution_id = :id"), {"id": target.id}
        ).scalar()
        == 1
    )
    replies = db.session.execute(
        text(
            "SELECT count(*) FROM comments c JOIN comments p ON p.id = c.parent_id WHERE c.contribution_id = :id"
        ),
        {"id": target.id},
    ).scalar()
    assert replies == 1
    entry = actions_of("contribution", source.id)[-1]
    assert entry.action == "merge" and entry.actor_id == moderator.id
    assert entry.before["source"]["agree_count"] == 3 and entry.after["target"]["agree_count"] == 3
    assert entry.before["target"]["disagree_count"] == 1 and entry.after["target"]["disagree_count"] == 2


def test_merged_page_redirects_to_the_kept_one(client, pair, moderator):
    source, target, _ = pair
    services.merge(moderator, source, target)
    db.session.commit()
    response = client.get(f"/idees/{source.id}")
    assert response.status_code in (301, 302, 308) and response.headers["Location"].endswith(
        f"/idees/{target.id}"
    )


def test_earlier_merges_follow_and_bad_merges_are_refused(
    consultation, make_contribution, make_consultation, moderator
):
    a, b, c = (make_contribution(consultation, title=f"Idée {n}") for n in "abc")
    services.merge(moderator, a, b)
    services.merge(moderator, b, c)
    db.session.refresh(a)
    assert a.merged_into_id == c.id  # no chain to follow
    with pytest.raises(Conflict):
        services.merge(moderator, a, c)
    with pytest.raises(Invalid):
        services.merge(moderator, c, c)
    elsewhere = make_contribution(make_consultation(), title="Ailleurs")
    with pytest.raises(Invalid):
        services.merge(moderator, elsewhere, c)


# --- a merge never widens visibility (issue 11, point 7) --------------------------------------------
def _photo_file(contribution, name):
    """A real photo file under MEDIA_DIR and its row (position 0)."""
    from pathlib import Path

    from flask import current_app

    from tests.contributions.conftest import jpeg_bytes

    relative = f"contributions/test/{name}-{contribution.id}.jpg"
    target = Path(current_app.config["MEDIA_DIR"]) / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(jpeg_bytes())
    photo = Photo(
        contribution_id=contribution.id,
        position=0,
        path=relative,
        thumb_path=relative,
        width=8,
        height=6,
        size_bytes=9,
    )
    db.session.add(photo)
    db.session.commit()
    return relative


@pytest.mark.parametrize("status", ["pending", "hidden"])
def test_merging_a_non_public_contribution_publishes_nothing_of_it(
    client, consultation, make_contribution, make_comment, make_user, moderator, status
):
    author, voter = make_user(pseudonym="auteur-secret"), make_user()
    target = make_contribution(consultation, author=make_user(), title="Des bancs rue Basly")
    source = make_contribution(
        consultation, author=author, status=status, title="Texte jamais publié", body="Corps confidentiel"
    )
    comment = make_comment(source, voter, "Commentaire sous une idée masquée")
    secret_photo = _photo_file(source, "secret")
    services.merge(moderator, source, target)
    db.session.commit()
    db.session.expire_all()

    # The public: the merged contribution stays unknown, nothing of it appears on the kept one.
    assert client.get(f"/api/contributions/{source.id}").status_code == 404
    assert client.get(f"/idees/{source.id}").status_code == 404
    kept = client.get(f"/api/contributions/{target.id}").get_json()
    assert kept["photos"] == []
    page = client.get(f"/idees/{target.id}").get_data(as_text=True)
    for secret in ("Texte jamais publié", "Corps confidentiel", "auteur-secret", comment.body, secret_photo):
        assert secret not in page
    comments = client.get(f"/api/contributions/{target.id}/comments").get_json()
    assert comment.id not in [c["id"] for c in comments]
    assert client.get(f"/media/{secret_photo}").status_code == 404
    # Votes are merged (counts only), the source remembers what it was.
    assert db.session.get(type(source), source.id).status_before_merge == status
    # Its author and the moderators still see it.
    login(client, author)
    assert client.get(f"/api/contributions/{source.id}").status_code == 200
    assert client.get(f"/media/{secret_photo}").status_code == 200
    login(client, moderator)
    assert client.get(f"/media/{secret_photo}").status_code == 200


def test_merging_a_published_contribution_keeps_what_was_public(
    client, consultation, make_contribution, make_comment, make_user, moderator
):
    target = make_contribution(consultation, author=make_user(), title="Des bancs rue Basly")
    source = make_contribution(consultation, author=make_user(pseudonym="auteur-public"), title="Bancs svp")
    comment = make_comment(source, make_user(), "Oui !")
    photo = _photo_file(source, "public")
    services.merge(moderator, source, target)
    db.session.commit()
    merged = client.get(f"/api/contributions/{source.id}")
    assert merged.status_code == 200 and merged.get_json()["merged_into"] == target.id
    assert client.get(f"/idees/{source.id}").status_code == 301
    kept = client.get(f"/api/contributions/{target.id}").get_json()
    assert [p["url"] for p in kept["photos"]] == [f"/media/{photo}"]
    assert comment.id in [c["id"] for c in client.get(f"/api/contributions/{target.id}/comments").get_json()]
    assert client.get(f"/media/{photo}").status_code == 200
