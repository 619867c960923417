import time

from sqlalchemy import text

from app.extensions import db, get_queue, redis_connection
from app.jobs import PENDING_KEY, commit_and_dispatch, discard_pending_jobs
from app.maps.services import schedule_grid_refresh
from app.maps.tasks import STARTED_KEY
from tests.maps.conftest import bbox_arg

AREA = (2.805, 50.430, 2.835, 50.445)


def _cluster_total(client, consultation):
    body = client.get(f"/api/consultations/{consultation.slug}/map?bbox={bbox_arg(AREA)}&zoom=13").get_json(
        force=True
    )
    return sum(f["properties"]["count"] for f in body["features"])


def test_street_zoom_is_live_and_aggregates_follow_after_the_refresh_job(
    app, client, make_consultation, make_contribution, seed_points, rebuild, run_jobs
):
    consultation = make_consultation()
    seed_points(consultation, 50, AREA)
    rebuild(consultation)
    make_contribution(consultation, lon=2.82, lat=50.437)
    street = client.get(
        f"/api/consultations/{consultation.slug}/map?bbox=2.8199,50.4369,2.8201,50.4371&zoom=18"
    )
    assert len(street.get_json(force=True)["features"]) == 1  # live, before any refresh
    assert _cluster_total(client, consultation) == 50  # the grid is not refreshed yet
    schedule_grid_refresh(consultation.id)
    commit_and_dispatch()  # outside a request the caller commits, then the outbox hands the job over
    assert get_queue("default").count == 1
    run_jobs(["default"])
    assert _cluster_total(client, consultation) == 51
    state = db.session.execute(
        text("SELECT contributions FROM map_grid_state WHERE consultation_id = :c"), {"c": consultation.id}
    ).scalar_one()
    assert state == 51


def test_hiding_a_contribution_leaves_the_aggregates_after_the_refresh(
    client, make_consultation, make_contribution, rebuild, run_jobs
):
    consultation = make_consultation()
    idea = make_contribution(consultation, lon=2.82, lat=50.437)
    rebuild(consultation)
    assert _cluster_total(client, consultation) == 1
    idea.status = "hidden"
    db.session.flush()
    schedule_grid_refresh(consultation.id)
    run_jobs(["default"])
    assert _cluster_total(client, consultation) == 0


def test_one_refresh_per_consultation_and_request(app, make_consultation):
    consultation = make_consultation()
    with app.test_request_context("/"):
        schedule_grid_refresh(consultation.id)
        schedule_grid_refresh(consultation.id)
        assert len(db.session.info[PENDING_KEY]) == 1  # recorded once, queued after the commit
        discard_pending_jobs()
    assert get_queue("default").count == 0


def test_a_job_queued_before_a_rebuild_started_is_skipped(make_consultation, run_jobs):
    consultation = make_consultation()
    schedule_grid_refresh(consultation.id)
    commit_and_dispatch()
    job = get_queue("default").jobs[0]
    # Another worker started a rebuild after this job was queued: it saw every committed row.
    redis_connection().set(STARTED_KEY.format(consultation.id), repr(time.time() + 5))
    run_jobs(["default"])
    job.refresh()
    assert job.return_value() == {"consultation_id": consultation.id, "skipped": True}


def test_full_refresh_job(make_consultation, seed_points, run_jobs):
    first, second = make_consultation(), make_consultation()
    seed_points(first, 30, AREA)
    seed_points(second, 20, AREA)
    get_queue("default").enqueue("app.maps.tasks.refresh_all_grids")
    run_jobs(["default"])
    totals = dict(
        db.session.execute(
            text(
                "SELECT consultation_id, contributions FROM map_grid_state WHERE consultation_id IN (:a, :b)"
            ),
            {"a": first.id, "b": second.id},
        ).all()
    )
    assert totals == {first.id: 30, second.id: 20}


def test_refreshes_are_debounced(app, make_consultation, run_jobs, monkeypatch):
    consultation = make_consultation()
    app.config["MAP_GRID_MIN_INTERVAL"] = 2
    slept = []
    monkeypatch.setattr("app.maps.tasks._wait", slept.append)
    try:
        # A rebuild started half a second ago; this job is queued after it, so it is not covered.
        redis_connection().set(STARTED_KEY.format(consultation.id), repr(time.time() - 0.5))
        schedule_grid_refresh(consultation.id)
        run_jobs(["default"])
    finally:
        app.config.pop("MAP_GRID_MIN_INTERVAL")
    assert len(slept) == 1 and 0 < slept[0] <= 1.5  # waited for the rest of the 2 s interval
