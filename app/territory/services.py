"""Loading the territory from data files, and importing official QPV perimeter files."""

import csv
import json
import unicodedata
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text

from app.errors import Invalid
from app.extensions import db


def normalize_name(name):
    """Accent- and case-insensitive key for commune names (« Éleu » = « Eleu »)."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return plain.lower().replace("'", " ").replace("-", " ").strip()


# Articles and prepositions the source files title-case (« Vent De Bise »): lower case inside a name.
SMALL_WORDS = {"de", "du", "des", "la", "le", "les", "et", "aux", "au", "sur", "sous", "en", "à", "d'", "l'"}


def official_name(name):
    """A QPV name in its official spelling: « Vent de Bise », « Cité des Brebis », « Quartier du Maroc - La Canche »."""
    segments = []
    for segment in name.split(" - "):
        words = segment.split(" ")
        words = [w.lower() if i > 0 and w.lower() in SMALL_WORDS else w for i, w in enumerate(words)]
        segments.append(" ".join(words))
    return " - ".join(segments)


def load_territory(directory):
    """Upsert communes, themes, QPV 2015 and the 2024 QPV list from a territory folder.

    Idempotent: a second run leaves the same rows (imported perimeters are kept)."""
    directory = Path(directory)
    if not (directory / "communes.geojson").exists():
        raise Invalid(f"Dossier de territoire introuvable ou incomplet : {directory}")
    from app.territory.identity import load_identity

    names = _load_communes(directory / "communes.geojson", load_identity(directory).slug)
    # A territory without priority neighbourhoods (or with the themes of another) omits these files.
    if (directory / "themes.json").exists():
        _load_themes(directory / "themes.json")
    if (directory / "qpv_2015.json").exists():
        _load_qpv_2015(directory / "qpv_2015.json", names)
    if (directory / "qpv_2024.csv").exists():
        _load_qpv_2024(directory / "qpv_2024.csv")
    db.session.flush()
    return territory_counts(load_identity(directory).slug)


def _load_communes(path, territory):
    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    for feature in features:
        props = feature["properties"]
        db.session.execute(
            text(
                "INSERT INTO communes (insee, name, epci_siren, territory, geom) VALUES (:insee, :name,"
                " :siren, :territory, ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON(:geom), 4326)))"
                " ON CONFLICT (insee) DO UPDATE SET name = EXCLUDED.name,"
                " epci_siren = EXCLUDED.epci_siren, territory = EXCLUDED.territory, geom = EXCLUDED.geom"
            ),
            {
                "insee": props["insee"],
                "name": props["name"],
                "siren": props.get("epci_siren"),
                "territory": territory,
                "geom": json.dumps(feature["geometry"]),
            },
        )
    return {normalize_name(f["properties"]["name"]): f["properties"]["insee"] for f in features}


def _load_themes(path):
    for theme in json.loads(path.read_text(encoding="utf-8"))["themes"]:
        db.session.execute(
            text(
                "INSERT INTO themes (slug, label, description, enjeu, color, position)"
                " VALUES (:slug, :label, :description, :enjeu, :color, :position)"
                " ON CONFLICT (slug) DO UPDATE SET label = EXCLUDED.label,"
                " description = EXCLUDED.description, enjeu = EXCLUDED.enjeu,"
                " color = EXCLUDED.color, position = EXCLUDED.position"
            ),
            theme,
        )


def _load_qpv_2015(path, commune_keys):
    data = json.loads(path.read_text(encoding="utf-8"))
    for qpv in data["qpv"]:
        db.session.execute(
            text(
                "INSERT INTO qpv (code, name, population, median_income, npnru, npnru_site,"
                " communes_outside, source_ref) VALUES (:code, :name, :population, :income,"
                " :npnru, :site, :outside, :ref) ON CONFLICT (code) DO UPDATE SET"
                " name = EXCLUDED.name, population = EXCLUDED.population,"
                " median_income = EXCLUDED.median_income, npnru = EXCLUDED.npnru,"
                " npnru_site = EXCLUDED.npnru_site, communes_outside = EXCLUDED.communes_outside,"
                " source_ref = EXCLUDED.source_ref"
            ),
            {
                "code": qpv["code"],
                "name": official_name(qpv["name"]),
                "population": qpv["population"],
                "income": qpv.get("revenu_fiscal_median_eur"),
                "npnru": qpv.get("npnru"),
                "site": qpv.get("npnru_site"),
                "outside": qpv.get("communes_outside_call") or [],
                "ref": qpv.get("population_source"),
            },
        )
        for name in qpv["communes"]:
            insee = commune_keys.get(normalize_name(name))
            if insee is None:
                raise Invalid(f"Commune inconnue « {name} » pour le QPV {qpv['code']}.")
            db.session.execute(
                text(
                    "INSERT INTO qpv_communes (qpv_code, commune_insee) VALUES (:code, :insee)"
                    " ON CONFLICT DO NOTHING"
                ),
                {"code": qpv["code"], "insee": insee},
            )


def _qpv_2015_code(code_2024):
    # The 2024 codes keep the 2015 number: QN06224M <-> QP062024.
    return f"QP0620{code_2024[5:7]}"


def _load_qpv_2024(path):
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    known_2015 = {name for (name,) in db.session.execute(text("SELECT code FROM qpv"))}
    for row in rows:
        db.session.execute(
            text(
                "INSERT INTO qpv_2024 (code, name, communes_insee, communes_outside_insee,"
                " entirely_in_call) VALUES (:code, :name, :communes, :outside, :entire)"
                " ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name,"
                " communes_insee = EXCLUDED.communes_insee,"
                " communes_outside_insee = EXCLUDED.communes_outside_insee,"
                " entirely_in_call = EXCLUDED.entirely_in_call"
            ),
            {
                "code": row["code"],
                "name": official_name(row["name"]),
                "communes": [c for c in row["communes_insee"].split(";") if c],
                "outside": [c for c in row["communes_outside_call"].split(";") if c],
                "entire": row["entirely_in_call"] == "yes",
            },
        )
        old = _qpv_2015_code(row["code"])
        if old in known_2015:
            db.session.execute(
                text("UPDATE qpv SET code_2024 = :new WHERE code = :old AND code_2024 IS DISTINCT FROM :new"),
                {"new": row["code"], "old": old},
            )


def territory_counts(territory=None):
    """Row counts and the QPV population total (of one territory when given), for the CLI and tests."""
    row = db.session.execute(
        text(
            "WITH c AS (SELECT insee FROM communes WHERE CAST(:t AS text) IS NULL OR territory = :t),"
            " q AS (SELECT * FROM qpv WHERE CAST(:t AS text) IS NULL OR code IN"
            "   (SELECT qpv_code FROM qpv_communes WHERE commune_insee IN (SELECT insee FROM c)))"
            " SELECT (SELECT count(*) FROM c), (SELECT count(*) FROM q),"
            " (SELECT coalesce(sum(population), 0) FROM q), (SELECT count(*) FROM qpv_2024"
            "   WHERE CAST(:t AS text) IS NULL OR communes_insee && ARRAY(SELECT insee FROM c)::varchar[]),"
            " (SELECT count(*) FROM themes), (SELECT count(*) FROM q WHERE geom IS NOT NULL)"
        ),
        {"t": territory},
    ).one()
    keys = ("communes", "qpv", "qpv_population", "qpv_2024", "themes", "qpv_with_perimeter")
    return dict(zip(keys, row, strict=True))


def now_utc():
    return datetime.now(UTC)
