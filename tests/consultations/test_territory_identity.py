"""Any territory: names, contact and legal pages come from the territory's data, not from code or templates."""

import json
import re

import pytest

from app.territory.identity import load_identity

FIRST = ("Lens", "Liévin", "Lievin")
ARRAS = {
    "platform_name": "Parlons Quartiers",
    "name": "Communauté urbaine d'Arras",
    "legal_entity": "Communauté urbaine d'Arras",
    "address": "146 rue Émile Breton, 62000 Arras",
    "dpo_contact": "dpo@exemple-arras.fr",
    "accessibility_status": "partiellement conforme",
}
PAGES = (
    "/",
    "/territoire",
    "/confidentialite",
    "/mentions-legales",
    "/accessibilite",
    "/ogc?f=json",
    "/ogc?f=html",
)


@pytest.fixture
def second_territory(app, tmp_path):
    (tmp_path / "territory.json").write_text(json.dumps(ARRAS), encoding="utf-8")
    previous = app.extensions.get("territory_identity")
    app.extensions["territory_identity"] = load_identity(tmp_path)
    yield
    app.extensions["territory_identity"] = previous


def _template_text(html):
    """The page without the rows that come from the territory tables (communes and QPV names)."""
    return re.sub(r"<table.*?</table>|<script.*?</script>", "", html, flags=re.S)


def test_pages_name_the_second_territory_never_the_first(client, second_territory, make_consultation):
    consultation = make_consultation(title="Le square de la gare", qpv_codes=["QP062024"])
    for path in (*PAGES, f"/consultations/{consultation.slug}"):
        response = client.get(path)
        assert response.status_code == 200, path
        text = _template_text(response.get_data(as_text=True)).replace("&#39;", "'")
        for name in FIRST:
            assert name not in text, (path, name)
    assert "Communauté urbaine d'Arras" in client.get("/").get_data(as_text=True).replace("&#39;", "'")
    legal = client.get("/mentions-legales").get_data(as_text=True)
    assert "146 rue Émile Breton" in legal and "Parlons Quartiers" in legal
    privacy = client.get("/confidentialite").get_data(as_text=True)
    assert "dpo@exemple-arras.fr" in privacy and "6.1.e" in privacy
    assert "partiellement conforme" in client.get("/accessibilite").get_data(as_text=True)


def test_report_title_of_the_territory_comes_from_its_data(app, second_territory):
    from app.reports import queries

    class Territory:
        scope = "territory"
        consultation_id = None
        qpv_code = None

    assert queries.scope_title(Territory()) == "Territoire : Communauté urbaine d'Arras"
    from app.reports.figures import describe_scope
    from app.reports.scope import Scope

    assert describe_scope(Scope.of(Territory()))["title"] == "Communauté urbaine d'Arras"


def test_the_call_is_named_from_its_own_data(client):
    page = client.get("/mentions-legales").get_data(as_text=True).replace("&#39;", "'")
    assert "Communauté d'agglomération de Lens-Liévin" in page and "21 rue Marcel Sembat" in page
