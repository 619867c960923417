"""The job outbox: jobs recorded with the write, handed to RQ after the commit or by the relay,
never queued twice, handed over again when Redis forgot them; mail jobs send once."""

from datetime import timedelta

import pytest
from redis import Redis
from sqlalchemy import select, update

from app.consultations.models import utcnow
from app.extensions import db, get_queue, redis_connection
from app.jobs import commit_and_dispatch, dispatch_pending, enqueue_after_commit
from app.mail import outbox_messages
from app.outbox.models import OutboxJob
from app.outbox.relay import enqueue_row, redispatch_lost, relay
from tests.conftest import bearer


@pytest.fixture(autouse=True)
def empty_mail_outbox(app, tmp_path):
    previous = app.config["MAIL_OUTBOX_DIR"]
    app.config["MAIL_OUTBOX_DIR"] = str(tmp_path / "mails")
    yield
    app.config["MAIL_OUTBOX_DIR"] = previous


@pytest.fixture
def redis_down(app):
    """The app's Redis connection pointed at a closed port (what the web sees when Redis stops)."""

    def stop():
        app.extensions["redis"] = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=1)

    yield stop
    app.extensions.pop("redis", None)


def _rows():
    db.session.expire_all()
    return db.session.scalars(select(OutboxJob).order_by(OutboxJob.id)).all()


def _pending_decision(make_user, make_consultation, make_contribution):
    consultation = make_consultation(moderation_mode="pre")
    item = make_contribution(consultation, author=make_user(), status="pending", title="Un terrain de boules")
    return item, bearer(make_user(role="moderator"))


def test_a_decision_records_its_jobs_and_hands_them_to_rq_after_the_commit(
    client, make_user, make_consultation, make_contribution
):
    item, headers = _pending_decision(make_user, make_consultation, make_contribution)
    response = client.post(
        f"/api/moderation/contributions/{item.id}/decision", json={"action": "approve"}, headers=headers
    )
    assert response.status_code == 200
    rows = {row.func: row for row in _rows()}
    # The author's mail, the followers' fan-out of the newly published idea, the map refresh.
    decision, followers = "app.moderation.tasks.notify_decision", "app.notifications.tasks.deliver"
    assert set(rows) == {decision, followers, "app.maps.tasks.refresh_grid"}
    assert all(row.dispatched_at is not None for row in rows.values())
    mail = get_queue("mail").jobs
    assert sorted(job.id for job in mail) == sorted([rows[decision].job_id, rows[followers].job_id])
    assert get_queue("default").job_ids == [rows["app.maps.tasks.refresh_grid"].job_id]


def test_with_redis_down_the_write_succeeds_and_the_relay_hands_its_jobs_over_once(
    app, client, make_user, make_consultation, make_contribution, redis_down, run_jobs
):
    item, headers = _pending_decision(make_user, make_consultation, make_contribution)
    redis_down()
    response = client.post(
        f"/api/moderation/contributions/{item.id}/decision", json={"action": "approve"}, headers=headers
    )
    assert response.status_code == 200, response.get_json()
    rows = _rows()
    assert len(rows) == 3 and all(row.dispatched_at is None for row in rows)
    assert "Connection" in rows[0].last_error  # the first refused; the others wait behind it
    assert relay() == 0  # still down: nothing handed, nothing lost
    app.extensions.pop("redis")  # Redis is back
    assert redis_connection().ping()
    assert relay() == 3
    assert relay() == 0
    assert get_queue("mail").count == 2 and get_queue("default").count == 1
    run_jobs()
    [message] = outbox_messages()
    assert message["Subject"] == "Votre contribution est publiée"
    assert all(row.completed_at is not None for row in _rows())


def test_a_row_redis_took_but_postgresql_did_not_mark_is_not_queued_twice(app):
    job_id = enqueue_after_commit("default", "app.health.check_health")
    db.session.commit()
    row = db.session.scalar(select(OutboxJob).where(OutboxJob.job_id == job_id))
    assert enqueue_row(row) is True  # Redis has it; the transaction marking it was lost
    assert dispatch_pending() == 1  # handed again: RQ refuses the duplicate id, the row is marked
    assert get_queue("default").job_ids == [job_id]
    assert _rows()[0].dispatched_at is not None


def test_outside_a_request_the_job_exists_only_once_the_caller_commits(app):
    enqueue_after_commit("default", "app.health.check_health")
    db.session.rollback()
    assert dispatch_pending() == 0 and _rows() == []
    job_id = enqueue_after_commit("default", "app.health.check_health")
    assert get_queue("default").count == 0  # not before the commit
    assert commit_and_dispatch() == 1
    assert get_queue("default").job_ids == [job_id]


def test_a_job_redis_forgot_is_handed_over_again_and_a_finished_one_is_not(app, run_jobs):
    finished = enqueue_after_commit("default", "app.health.check_health")
    commit_and_dispatch()
    run_jobs(["default"])
    lost = enqueue_after_commit("default", "app.health.check_health")
    commit_and_dispatch()
    redis_connection().flushdb()  # Redis restarted without its data
    db.session.execute(update(OutboxJob).values(dispatched_at=utcnow() - timedelta(minutes=5)))
    db.session.commit()
    assert redispatch_lost() == 1
    assert get_queue("default").job_ids == [lost]
    rows = {row.job_id: row for row in _rows()}
    assert rows[finished].completed_at is not None and rows[lost].completed_at is None
    run_jobs(["default"])
    assert _rows()[1].completed_at is not None
    assert redispatch_lost() == 0


def test_a_mail_job_run_twice_sends_one_mail(app, run_jobs):
    job_id = enqueue_after_commit("mail", "app.mail.send_mail", "a@exemple.fr", "Objet", "Corps du message")
    commit_and_dispatch()
    run_jobs(["mail"])
    redis_connection().flushdb()  # the job's record in Redis is gone: it is handed over again
    row = _rows()[0]
    row.completed_at = None
    db.session.commit()
    enqueue_row(row)
    run_jobs(["mail"])
    assert [m["Subject"] for m in outbox_messages()] == ["Objet"]
    assert job_id


def test_rows_of_jobs_ended_a_week_ago_are_purged(app):
    import worker

    old = enqueue_after_commit("default", "app.health.check_health")
    recent = enqueue_after_commit("default", "app.health.check_health")
    waiting = enqueue_after_commit("default", "app.health.check_health")
    db.session.commit()
    db.session.execute(
        update(OutboxJob).where(OutboxJob.job_id == old).values(completed_at=utcnow() - timedelta(days=8))
    )
    db.session.execute(update(OutboxJob).where(OutboxJob.job_id == recent).values(completed_at=utcnow()))
    db.session.commit()
    worker.purge_outbox()
    assert [row.job_id for row in _rows()] == [recent, waiting]


def test_a_request_s_jobs_go_to_rq_without_a_second_transaction(
    client, make_user, make_consultation, count_queries
):
    """The rows are written already marked as handed over: after the request's commit, RQ only."""
    from tests.workshops.conftest import point_inside

    consultation = make_consultation()
    headers = bearer(make_user())
    idea = {
        "consultation": consultation.slug,
        "geometry": point_inside(consultation),
        "theme": "cadre-de-vie-espaces-publics",
        "title": "Des bancs à l'ombre",
        "body": "Près de l'école.",
    }
    with count_queries() as statements:
        response = client.post("/api/contributions", json=idea, headers=headers)
    assert response.status_code == 201, response.get_json()
    # The idea's follow-up job: its row written by the idea's own statement (a CTE); no UPDATE after.
    outbox = [s for s in statements if "job_outbox" in s]
    assert (
        len(outbox) == 1
        and "INSERT INTO job_outbox" in outbox[0]
        and "INSERT INTO contributions" in outbox[0]
    )
    assert "UPDATE job_outbox" not in outbox[0]
    rows = _rows()
    assert rows and all(row.dispatched_at is not None and row.attempts == 1 for row in rows)
    queued = get_queue("default").job_ids + get_queue("mail").job_ids
    assert sorted(queued) == sorted(row.job_id for row in rows)


def test_a_job_of_a_rolled_back_savepoint_is_not_handed_over(app):
    kept = enqueue_after_commit("default", "app.health.check_health")
    with db.session.begin_nested() as savepoint:
        enqueue_after_commit("default", "app.health.check_health")
        db.session.flush()
        savepoint.rollback()
    assert commit_and_dispatch() == 1
    assert get_queue("default").job_ids == [kept] and [row.job_id for row in _rows()] == [kept]


def test_a_new_idea_rolled_back_takes_its_follow_up_job_with_it(app, make_consultation, make_user):
    """The follow-up job's row is written by the idea's own statement: a savepoint rolled back after it
    takes both away, and nothing is handed to RQ."""
    from app.contributions.services import create_contribution
    from tests.workshops.conftest import point_inside

    consultation, author = make_consultation(), make_user()
    with db.session.begin_nested() as savepoint:
        idea = create_contribution(
            author, consultation, point_inside(consultation), "cadre-de-vie-espaces-publics", "Des bancs", ""
        )
        assert idea.id and [row.func for row in _rows()] == [
            "app.contributions.tasks.follow_up_new_contribution"
        ]
        savepoint.rollback()
    assert commit_and_dispatch() == 0
    assert _rows() == [] and get_queue("default").job_ids == []


def test_jobs_of_a_process_that_died_after_its_commit_are_handed_over_by_the_relay(app):
    """Committed rows never handed to RQ (the process died in between) are taken by the relay once
    OUTBOX_LOST_AFTER has passed: RQ does not know their ids."""
    job_id = enqueue_after_commit("default", "app.health.check_health")
    db.session.commit()
    db.session.info.pop("carte_commune.outbox_pending")  # the process is gone before handing them over
    assert get_queue("default").count == 0 and redispatch_lost() == 0  # not lost yet: maybe on its way
    db.session.execute(update(OutboxJob).values(dispatched_at=utcnow() - timedelta(minutes=5)))
    db.session.commit()
    assert redispatch_lost() == 1
    assert get_queue("default").job_ids == [job_id]


def test_a_transaction_s_jobs_go_to_rq_in_one_redis_call(app):
    """One script call for all the jobs of a commit, whatever their queues (not WATCH, EXISTS and
    MULTI/EXEC, nor a script per job); RQ has each of them once, on its queue."""
    first = enqueue_after_commit("default", "app.health.check_health")
    commit_and_dispatch()  # the script is loaded on its first run
    default = [enqueue_after_commit("default", "app.health.check_health") for _ in range(3)]
    mail = enqueue_after_commit("mail", "app.health.check_health")
    redis = redis_connection()
    before = redis.info("commandstats")
    assert commit_and_dispatch() == 4
    after = redis.info("commandstats")

    def calls(*commands):
        return sum(
            after.get(f"cmdstat_{c}", {}).get("calls", 0) - before.get(f"cmdstat_{c}", {}).get("calls", 0)
            for c in commands
        )

    # (commands a script calls count too: its EXISTS, HSETs and RPUSHes)
    assert calls("evalsha") == 1 and calls("eval", "watch", "multi", "exec") == 0
    assert get_queue("default").job_ids == [first, *default] and get_queue("mail").job_ids == [mail]
    assert all(row.dispatched_at is not None for row in _rows())


def test_jobs_rq_already_knows_are_not_enqueued_twice(app):
    """A job RQ already has (the relay handed it, or Redis took it and PostgreSQL lost the mark): the
    script writes nothing, then each job goes on its own with `unique`; every job once in RQ."""
    known = enqueue_after_commit("default", "app.health.check_health")
    others = [enqueue_after_commit("default", "app.health.check_health") for _ in range(2)]
    get_queue("default").enqueue_call("app.health.check_health", job_id=known)
    assert commit_and_dispatch() == 3
    assert sorted(get_queue("default").job_ids) == sorted([known, *others])


def test_jobs_of_a_rolled_back_transaction_are_forgotten_not_those_committed_before(app):
    committed = enqueue_after_commit("default", "app.health.check_health")
    db.session.commit()  # written, not handed over yet
    enqueue_after_commit("default", "app.health.check_health")
    db.session.rollback()
    assert dispatch_pending() == 1
    assert get_queue("default").job_ids == [committed] and [row.job_id for row in _rows()] == [committed]


def test_a_job_inside_a_savepoint_rolled_back_from_outside_is_forgotten(app):
    kept = enqueue_after_commit("default", "app.health.check_health")
    outer = db.session.begin_nested()
    inner = db.session.begin_nested()
    enqueue_after_commit("default", "app.health.check_health")
    inner.commit()  # released into the outer savepoint: its row is written there
    outer.rollback()  # and goes with it
    released = db.session.begin_nested()
    also_kept = enqueue_after_commit("default", "app.health.check_health")
    released.commit()
    assert commit_and_dispatch() == 2
    assert sorted(get_queue("default").job_ids) == sorted([kept, also_kept])
    assert sorted(row.job_id for row in _rows()) == sorted([kept, also_kept])


def test_a_commit_with_a_savepoint_still_open_writes_its_jobs(app):
    db.session.begin_nested()
    job_id = enqueue_after_commit("default", "app.health.check_health")
    assert commit_and_dispatch() == 1  # the root's commit releases the savepoint
    assert get_queue("default").job_ids == [job_id] and [row.job_id for row in _rows()] == [job_id]
