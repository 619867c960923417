"""Who runs the platform: platform name, territory name, logo, contact, legal entity — from data, not code.

Read from `territory.json` in TERRITORY_DIR (the territory's own folder), with PLATFORM_NAME and
TERRITORY_NAME from the environment taking precedence."""

import json
from dataclasses import dataclass, fields
from pathlib import Path

from flask import current_app


@dataclass(frozen=True)
class TerritoryIdentity:
    platform_name: str = "Carte Commune"
    name: str = "le territoire"
    short_name: str = ""
    legal_entity: str = ""
    address: str = ""
    contact_email: str = ""
    dpo_contact: str = ""
    logo: str = ""
    publication_director: str = ""
    host: str = ""
    accessibility_status: str = "non conforme"
    accessibility_contact: str = ""
    retention: str = ""


def load_identity(directory, overrides=None):
    """The identity held in `directory`/territory.json (defaults for missing keys) plus `overrides`."""
    path = Path(directory) / "territory.json"
    data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    known = {f.name for f in fields(TerritoryIdentity)}
    values = {k: v for k, v in data.items() if k in known and v is not None}
    values.update({k: v for k, v in (overrides or {}).items() if v})
    return TerritoryIdentity(**values)


def territory_identity():
    """The identity of the current app's territory (read once per app)."""
    cached = current_app.extensions.get("territory_identity")
    if cached is None:
        overrides = {
            "platform_name": current_app.config.get("PLATFORM_NAME"),
            "name": current_app.config.get("TERRITORY_NAME"),
        }
        cached = load_identity(current_app.config["TERRITORY_DIR"], overrides)
        current_app.extensions["territory_identity"] = cached
    return cached
