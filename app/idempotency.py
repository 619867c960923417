"""Idempotency-Key: a retried write returns the first answer instead of being applied twice.

A PostgreSQL table keyed by (scope, key) holds the first successful answer (status and JSON body)
and a hash of the request it answered. The row is inserted in the request's own transaction before
the work is done: a concurrent request with the same key waits on the unique index until the first
one commits (then replays its answer) or rolls back (then does the work itself). Refused requests
(4xx) roll back with their row: nothing was written, so a retry is judged again.
"""

import hashlib
import json
import re

from flask import current_app, jsonify, request
from flask_babel import gettext as _
from sqlalchemy import text

from app.consultations.models import utcnow
from app.errors import Conflict, Invalid
from app.extensions import db

HEADER = "Idempotency-Key"
_KEY = re.compile(r"^[A-Za-z0-9_.:-]{8,120}$")


class IdempotencyKey(db.Model):
    __tablename__ = "idempotency_keys"
    id = db.Column(db.BigInteger, primary_key=True)
    scope = db.Column(db.String(120), nullable=False)
    key = db.Column(db.String(120), nullable=False)
    request_hash = db.Column(db.String(64), nullable=False)
    status = db.Column(db.SmallInteger)
    body = db.Column(db.JSON)
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow, index=True)
    __table_args__ = (db.UniqueConstraint("scope", "key", name="uq_idempotency_keys_scope_key"),)


def request_key():
    """The request's Idempotency-Key header (None when absent), or Invalid when malformed."""
    key = request.headers.get(HEADER)
    if key is None or key == "":
        return None
    if not _KEY.match(key):
        message = _(
            "En-tête Idempotency-Key invalide : 8 à 120 lettres, chiffres, « - », « _ », « . » ou « : »."
        )
        raise Invalid(message, fields={"idempotency_key": [message]})
    return key


def _hash(payload):
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def begin(scope, key, payload):
    """Claim (scope, key) for this request; the stored first answer as a response when it was done."""
    if key is None:
        return None
    digest = _hash(payload)
    claimed = db.session.execute(
        text(
            "INSERT INTO idempotency_keys (scope, key, request_hash, created_at)"
            " VALUES (:scope, :key, :hash, now()) ON CONFLICT ON CONSTRAINT uq_idempotency_keys_scope_key"
            " DO NOTHING RETURNING id"
        ),
        {"scope": scope, "key": key, "hash": digest},
    ).scalar()
    if claimed is not None:
        return None
    row = db.session.execute(
        text("SELECT request_hash, status, body FROM idempotency_keys WHERE scope = :scope AND key = :key"),
        {"scope": scope, "key": key},
    ).one()
    if row.request_hash != digest:
        message = _("Cette clé d'envoi a déjà servi pour une autre saisie : l'envoi est refusé.")
        raise Invalid(message, fields={"idempotency_key": [message]}, code="idempotency_key_reused")
    if row.status is None:
        raise Conflict(_("Cette saisie est déjà en cours d'enregistrement : réessayez dans un instant."))
    current_app.logger.info("idempotent replay %s %s", scope, key)
    response = jsonify(row.body)
    response.status_code = row.status
    response.headers["Idempotent-Replayed"] = "true"
    return response


def finish(scope, key, status, body):
    """Store the answer of a claimed key (same transaction as the work it answers)."""
    if key is None:
        return
    db.session.execute(
        text(
            "UPDATE idempotency_keys SET status = :status, body = CAST(:body AS json) WHERE scope = :scope AND key = :key"
        ),
        {"scope": scope, "key": key, "status": status, "body": json.dumps(body, default=str)},
    )


def purge(older_than_days=30):
    """Forget keys older than this (a device retries within hours, not months); returns the count."""
    return db.session.execute(
        text("DELETE FROM idempotency_keys WHERE created_at < now() - make_interval(days => :days)"),
        {"days": older_than_days},
    ).rowcount


def purge_old_keys(older_than_days=30):
    """Periodic job (worker.py --cron): forget the keys of old writes; returns how many."""
    from flask import has_app_context

    if not has_app_context():
        from app import create_app

        with create_app().app_context():
            return purge_old_keys(older_than_days)
    count = purge(older_than_days)
    db.session.commit()
    return count
