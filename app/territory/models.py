"""Communes, QPV (2015 and 2024 geographies) and the theme taxonomy."""

from geoalchemy2 import Geometry
from sqlalchemy.dialects.postgresql import ARRAY

from app.extensions import db

qpv_communes = db.Table(
    "qpv_communes",
    db.Column("qpv_code", db.String(16), db.ForeignKey("qpv.code", ondelete="CASCADE"), primary_key=True),
    db.Column("commune_insee", db.String(5), db.ForeignKey("communes.insee"), primary_key=True),
)


class Commune(db.Model):
    __tablename__ = "communes"
    insee = db.Column(db.String(5), primary_key=True)
    name = db.Column(db.String(120), nullable=False)
    epci_siren = db.Column(db.String(9))
    # The territory folder's slug (several territories may share a database); NULL: the served one.
    territory = db.Column(db.String(40))
    geom = db.Column(Geometry("MULTIPOLYGON", srid=4326), nullable=False)


class Qpv(db.Model):
    """A QPV of the 2015 geography (the Contrat de Ville's 21 quartiers)."""

    __tablename__ = "qpv"
    code = db.Column(db.String(16), primary_key=True)
    code_2024 = db.Column(db.String(16), unique=True)
    name = db.Column(db.String(200), nullable=False)
    population = db.Column(db.Integer, nullable=False)
    median_income = db.Column(db.Integer)
    npnru = db.Column(db.String(16))  # None, "national", "regional"
    npnru_site = db.Column(db.String(300))
    communes_outside = db.Column(ARRAY(db.String(120)), nullable=False, default=list)
    source_ref = db.Column(db.Text)
    # Official perimeter, imported from data.gouv.fr files; null until imported.
    geom = db.Column(Geometry("MULTIPOLYGON", srid=4326), nullable=True)
    perimeter_source = db.Column(db.String(300))
    perimeter_imported_at = db.Column(db.DateTime(timezone=True))
    communes = db.relationship("Commune", secondary=qpv_communes, order_by="Commune.name", lazy="selectin")
    # Whether the official perimeter is imported, when a query asks for it (without loading the geometry).
    has_perimeter = db.query_expression()


class Qpv2024(db.Model):
    """A QPV of the 2024 geography touching the CALL (décret 2023-1314)."""

    __tablename__ = "qpv_2024"
    code = db.Column(db.String(16), primary_key=True)
    name = db.Column(db.String(200), nullable=False)
    communes_insee = db.Column(ARRAY(db.String(5)), nullable=False)
    communes_outside_insee = db.Column(ARRAY(db.String(5)), nullable=False, default=list)
    entirely_in_call = db.Column(db.Boolean, nullable=False, default=True)
    geom = db.Column(Geometry("MULTIPOLYGON", srid=4326), nullable=True)
    perimeter_source = db.Column(db.String(300))


class Theme(db.Model):
    __tablename__ = "themes"
    slug = db.Column(db.String(64), primary_key=True)
    label = db.Column(db.String(200), nullable=False)
    description = db.Column(db.Text, nullable=False, default="")
    enjeu = db.Column(db.String(300), nullable=False)
    color = db.Column(db.String(7), nullable=False)
    position = db.Column(db.Integer, nullable=False)
