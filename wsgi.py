"""WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi ...`."""

import gc

from app import create_app

app = create_app()
# What the app holds for its lifetime (mappers, compiled statements, templates, catalogs) leaves the
# garbage collector's generations: a full collection no longer walks it (~130 ms each, a few a minute
# per worker under load, every request of the worker waiting).
gc.freeze()
