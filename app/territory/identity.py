"""Who runs the platform: platform name, territory name, logo, contact, legal entity — from data, not code.

Read from `territory.json` in TERRITORY_DIR (the territory's own folder), with PLATFORM_NAME and
TERRITORY_NAME from the environment taking precedence."""

import json
from dataclasses import dataclass, fields
from pathlib import Path

from flask import current_app


@dataclass(frozen=True)
class TerritoryIdentity:
    slug: str = ""
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
    values.setdefault("slug", Path(directory).name)
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


def current_territory():
    """The slug of the territory this app serves (communes and consultations are scoped by it)."""
    return territory_identity().slug


# Rows of any territory share the tables: a row belongs to the served territory when it names it, or
# when it names none (databases from before several territories were possible).
def in_territory(column, territory=None):
    """SQLAlchemy condition: `column` (a territory column) is the served territory's (or `territory`,
    e.g. a bindparam in a statement built once)."""
    from sqlalchemy import func

    territory = current_territory() if territory is None else territory
    return func.coalesce(column, territory) == territory


def sql_in_territory(alias, param="territory"):
    """The same condition in SQL text, on `alias`.territory with the bound parameter `param`."""
    return f"coalesce({alias}.territory, :{param}) = :{param}"
