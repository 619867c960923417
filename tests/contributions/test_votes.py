"""Votes: one per person, changeable, retractable, counters equal to the rows, also under concurrency."""

import threading

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from app.contributions.models import Vote
from app.contributions.services import cast_vote, retract_vote
from app.errors import Conflict, Forbidden, Invalid
from app.extensions import db
from tests.conftest import bearer
from tests.contributions.conftest import quick_users


def _rows_and_counters(contribution_id):
    return db.session.execute(
        text(
            "SELECT (SELECT count(*) FILTER (WHERE value = 1) FROM votes WHERE contribution_id = c.id),"
            " (SELECT count(*) FILTER (WHERE value = -1) FROM votes WHERE contribution_id = c.id),"
            " c.agree_count, c.disagree_count FROM contributions c WHERE c.id = :id"
        ),
        {"id": contribution_id},
    ).one()


def test_one_vote_per_person_changeable_and_retractable(consultation, resident, make_user, make_contribution):
    contribution = make_contribution(consultation)
    other = make_user()
    assert cast_vote(resident, contribution, 1)["agree"] == 1
    assert cast_vote(resident, contribution, 1)["agree"] == 1  # the same vote again changes nothing
    assert cast_vote(other, contribution, 1)["agree"] == 2
    counts = cast_vote(resident, contribution, -1)
    assert (counts["agree"], counts["disagree"]) == (1, 1)
    assert (contribution.agree_count, contribution.disagree_count) == (1, 1)
    assert retract_vote(resident, contribution)["disagree"] == 0
    assert retract_vote(resident, contribution)["agree"] == 1  # nothing left to retract
    assert tuple(_rows_and_counters(contribution.id)) == (1, 0, 1, 0)


def test_the_database_refuses_a_second_vote_row(consultation, resident, make_contribution):
    contribution = make_contribution(consultation)
    cast_vote(resident, contribution, 1)
    with pytest.raises(IntegrityError):
        with db.session.begin_nested():
            db.session.add(Vote(contribution_id=contribution.id, user_id=resident.id, value=-1))
            db.session.flush()


def test_support_mode_accepts_only_plus_one(make_consultation, make_contribution, resident):
    consultation = make_consultation(voting_mode="support")
    contribution = make_contribution(consultation)
    with pytest.raises(Invalid) as error:
        cast_vote(resident, contribution, -1)
    assert "value" in error.value.fields
    assert cast_vote(resident, contribution, 1)["agree"] == 1


def test_votes_only_on_published_contributions_of_open_consultations(
    consultation, make_consultation, make_contribution, resident, make_user
):
    with pytest.raises(Conflict):
        cast_vote(resident, make_contribution(consultation, status="pending"), 1)
    closed = make_consultation(is_open=False)
    with pytest.raises(Forbidden):
        cast_vote(resident, make_contribution(closed), 1)
    with pytest.raises(Forbidden):
        cast_vote(make_user(confirmed=False), make_contribution(consultation), 1)
    assert db.session.execute(text("SELECT count(*) FROM votes")).scalar() == 0


@pytest.mark.committed
def test_fifty_concurrent_voters_leave_counters_equal_to_the_rows(app, make_consultation, make_contribution):
    consultation = make_consultation(qpv_codes=["QP062024"])
    contribution = make_contribution(consultation)
    users = quick_users(50)
    headers = [bearer(user) for user in users]
    contribution_id = contribution.id
    db.session.commit()

    barrier = threading.Barrier(60)
    statuses = []

    def double_tap(index):
        client = app.test_client()
        barrier.wait()
        url = f"/api/contributions/{contribution_id}/vote"
        statuses.append(client.post(url, json={"value": 1}, headers=headers[index]).status_code)

    def voter(index):
        client = app.test_client()
        url = f"/api/contributions/{contribution_id}/vote"
        barrier.wait()
        # Everyone votes; a third change their mind, a fifth vote again (and double-tap), a tenth retract.
        first = 1 if index % 2 else -1
        statuses.append(client.post(url, json={"value": first}, headers=headers[index]).status_code)
        if index % 3 == 0:
            statuses.append(client.post(url, json={"value": -first}, headers=headers[index]).status_code)
        if index % 5 == 0:
            statuses.append(client.post(url, json={"value": first}, headers=headers[index]).status_code)
        if index % 10 == 0:
            statuses.append(client.delete(url, headers=headers[index]).status_code)

    threads = [threading.Thread(target=voter, args=(i,)) for i in range(50)]
    threads += [threading.Thread(target=double_tap, args=(i,)) for i in range(0, 50, 5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert set(statuses) == {200}, statuses
    db.session.remove()
    agree_rows, disagree_rows, agree_count, disagree_count = _rows_and_counters(contribution_id)
    assert (agree_count, disagree_count) == (agree_rows, disagree_rows)
    assert 45 <= agree_rows + disagree_rows <= 50  # one row per person at most; some retracted
