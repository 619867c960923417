"""Reports: aggregates computed by RQ jobs, the report pages, the « Bilan de la concertation » PDF."""

import os

# Settings (environment variables of the same name override the defaults).
SETTINGS = {
    "REPORT_UNANSWERED_DAYS": (int, 30),  # « sans réponse officielle après N jours »
    "REPORT_HOTSPOT_EPS_M": (float, 100.0),  # DBSCAN radius, metres (Lambert-93)
    "REPORT_HOTSPOT_MIN_POINTS": (int, 5),  # DBSCAN minpoints, at least...
    "REPORT_HOTSPOT_MIN_SHARE": (float, 0.005),  # ...and at least this share of the points
    "REPORT_HOTSPOT_SAMPLE": (int, 20000),  # above this, DBSCAN runs on a systematic sample
    "REPORT_HOTSPOT_MAX": (int, 8),
    "REPORT_WORDS_SAMPLE": (int, 10000),
    "REPORT_ANSWERS_MAX": (int, 25),
    "REPORT_ANNEX_MAX": (int, 1000),  # the PDF annex lists every published contribution up to this
    "REPORT_MAP_POINTS": (int, 800),  # points on the page's map
    "REPORT_STATIC_MAP_POINTS": (int, 6000),  # points on the PDF's map
    "REPORT_RETRY_MAX": (int, 2),
    "REPORT_RETRY_INTERVALS": (lambda v: [int(x) for x in str(v).split(",")], "5,30"),
    "REPORT_JOB_TIMEOUT": (int, 1800),
    "REPORT_TEST_SLOW_SECONDS": (float, 0),  # tests only: pause in the first attempt (kill the horse)
}


def init_app(app):
    """Settings, the HTML pages, the JSON API and the `flask reports` commands."""
    from app.extensions import api
    from app.reports import queries
    from app.reports.api import blp
    from app.reports.cli import reports_cli
    from app.reports.views import bp

    for name, (cast, default) in SETTINGS.items():
        if name not in app.config:
            app.config[name] = cast(os.environ.get(name, default))
    app.jinja_env.globals["reports_latest_finished"] = queries.latest_finished_for_consultation
    app.register_blueprint(bp)
    api.register_blueprint(blp)
    app.cli.add_command(reports_cli)
