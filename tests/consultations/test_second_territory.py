"""Any territory: a second, real territory (Île de Ré) loaded next to the CALL, holding its own consultation.

Every resident page, staff page, mail, the bilan PDF and the OGC documents of the second territory are
rendered; none may name the first one (« Lens », « Liévin », any case, with or without accent) — neither
from code or templates, nor from the CALL's own rows (its consultations, communes, QPV) leaking in."""

import re
import subprocess
import unicodedata
from pathlib import Path

import pytest
from sqlalchemy import text

from app.consultations.editing import create_from_backoffice
from app.extensions import db, get_queue
from app.territory.identity import load_identity
from app.territory.services import load_territory, territory_counts
from tests.conftest import csrf_token, login
from tests.consultations.conftest import three_phases
from tests.moderation.conftest import FreshUserClient
from tests.notifications.conftest import smtp  # noqa: F401 (fixture)

RE_DIR = Path(__file__).resolve().parents[2] / "data" / "territories" / "ile-de-re"
FIRST = re.compile(r"\b(lens|lievin)\b")
SKIPPED = ("static", "maps.leaflet_asset", "accounts.logout", "health")


def first_names(document):
    """The first territory's names found in `document` (accents and case ignored)."""
    plain = unicodedata.normalize("NFKD", document).encode("ascii", "ignore").decode().lower()
    return sorted({m.group(0) for m in FIRST.finditer(plain.replace("&#39;", "'"))})


@pytest.fixture
def second_territory(app, make_consultation, make_contribution):
    """The CALL holds a consultation and an idea; then the app serves the Île de Ré, loaded next to it."""
    call = make_consultation(title="Le square de la Cité 12/14 à Lens", phases=three_phases())
    make_contribution(call, title="Un banc près de la gare de Liévin")
    counts = load_territory(RE_DIR)
    db.session.commit()
    previous = app.extensions.get("territory_identity")
    app.extensions["territory_identity"] = load_identity(RE_DIR)
    yield counts
    app.extensions["territory_identity"] = previous


def _perimeter_in(insee):
    return db.session.scalar(
        text(
            "SELECT ST_AsGeoJSON(ST_Buffer(ST_PointOnSurface(geom)::geography, 400)::geometry, 6)::json"
            " FROM communes WHERE insee = :insee"
        ),
        {"insee": insee},
    )


def _re_consultation(admin):
    consultation = create_from_backoffice(
        admin,
        {
            "slug": "port-saint-martin",
            "title": "Le port de Saint-Martin-de-Ré",
            "summary": "Les quais, les vélos et les piétons.",
            "description": "Donnez votre avis sur **les quais**.",
            "perimeter": _perimeter_in("17369"),
            "themes": ["cadre-de-vie-espaces-publics", "mobilite-accessibilite"],
            "geometry_kinds": ["point", "line"],
            "moderation_mode": "pre",
            "status": "published",
            "landmarks": [{"name": "La capitainerie", "lon": 1.3632, "lat": 46.2035}],
            "phases": three_phases(),
        },
    )
    db.session.commit()
    return consultation


def _values(consultation, idea, news):
    return {
        "slug": consultation.slug,
        "contribution_id": idea.id,
        "news_id": news.id,
    }


def _crawl(app, clients, values):
    """GET every page whose arguments are known, as each person; {path: (status, text)} per person."""
    seen = {}
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint.startswith(SKIPPED):
            continue
        if not set(rule.arguments) <= set(values):
            continue
        path = rule.build({k: values[k] for k in rule.arguments}, append_unknown=False)[1]
        for who, client in clients.items():
            response = client.get(path)
            seen[(who, path)] = (rule.endpoint, response.status_code, response.get_data(as_text=True))
    return seen


def test_the_second_territory_loads_next_to_the_first(app, second_territory):
    assert second_territory["communes"] == 10 and second_territory["qpv"] == 0
    assert territory_counts("call")["communes"] == 36
    result = app.test_cli_runner().invoke(args=["territory", "load", str(RE_DIR)])
    assert result.exit_code == 0 and "Territoire chargé : 10 communes, 0 QPV" in result.output


def test_no_document_of_the_second_territory_names_the_first(
    app,
    second_territory,
    make_user,
    make_contribution,
    run_jobs,
    smtp,  # noqa: F811
    artifacts,
):
    from app.accounts import mails as account_mails
    from app.consultations.news import post_news
    from app.moderation.services.decisions import approve
    from app.notifications import services as follows
    from app.reports import queries as report_queries
    from app.reports.models import Report
    from app.reports.services import request_report

    admin, resident, follower = make_user(role="admin"), make_user(), make_user()
    moderator = make_user(role="moderator")
    consultation = _re_consultation(admin)
    assert consultation.territory == "ile-de-re"
    follows.follow(follower, "consultation", consultation.id)
    idea = make_contribution(consultation, author=resident, title="Des arceaux à vélos sur le quai")
    pending = make_contribution(consultation, author=resident, title="Un passage piéton", status="pending")
    news = post_news(admin, consultation, "Les travaux du quai commencent", "Lundi matin.")
    approve(moderator, pending)
    db.session.commit()

    clients = {"anonyme": FreshUserClient(app, app.response_class, use_cookies=True)}
    for who, user in (("habitant", resident), ("admin", admin), ("moderateur", moderator)):
        clients[who] = FreshUserClient(app, app.response_class, use_cookies=True)
        login(clients[who], user)
    answer = clients["moderateur"].post(
        f"/moderation/contributions/{idea.id}/reponse",
        data={
            "csrf_token": csrf_token(clients["moderateur"], "/moderation"),
            "outcome": "retenue",
            "official_answer": "Les arceaux seront posés au printemps.",
        },
    )
    assert answer.status_code == 302

    # Pages: resident, staff, legal, OGC (every GET route whose arguments are known), as four people.
    pages = _crawl(app, clients, _values(consultation, idea, news))
    leaks = {key: first_names(body) for key, (_e, status, body) in pages.items() if status == 200}
    assert {key: names for key, names in leaks.items() if names} == {}
    ok = {
        endpoint for (_e, (endpoint, status, _b)) in zip(pages, pages.values(), strict=True) if status == 200
    }
    for endpoint in (
        "consultations.home", "consultations.show",
        "territory.territory_map", "territory.legal", "territory.accessibility",
        "contributions.consultation_map", "contributions.consultation_list", "contributions.detail",
        "consultation_admin.index", "consultation_admin.edit", "moderation.inbox",
        "ogc.landing", "ogc.collections", "reports.index", "exports.index",
    ):  # fmt: skip
        assert endpoint in ok, endpoint
    page = pages[("anonyme", "/")][2].replace("&#39;", "'")
    assert "Le port de Saint-Martin-de-Ré" in page and "Cité 12/14" not in page
    assert "Communauté de communes de l'Île de Ré" in page and "Ré en projets" in page
    territory_page = pages[("anonyme", "/territoire")][2]
    assert "Baleines" in territory_page and "Avion" not in territory_page

    # OGC: every link of the collections document, as a reader would follow them.
    base = app.config["PUBLIC_BASE_URL"].rstrip("/")
    listed = clients["anonyme"].get("/ogc/collections?f=json").get_json()
    assert [c["id"].split(":")[0].split("-")[0] for c in listed["collections"]] and all(
        "port-saint-martin" in c["id"] for c in listed["collections"]
    )
    for collection in listed["collections"]:
        for item in collection["links"]:
            href = item["href"].replace(base, "").replace("http://localhost", "")
            response = clients["anonyme"].get(href)
            assert response.status_code == 200, href
            assert first_names(response.get_data(as_text=True)) == [], href

    # Mails: account mails, the answer to followers, the moderation decision, all sent through SMTP.
    with app.test_request_context():
        account_mails.send_confirmation_mail(resident)
        account_mails.send_reset_mail(resident)
        account_mails.send_existing_account_mail(resident)
    db.session.execute(
        text(
            "INSERT INTO notifications (user_id, kind, event_key, reason, title, summary, url, created_at)"
            " VALUES (:u, 'new_idea', 'new_idea:re:1', 'consultation', :title, '', :url, now() - interval '1 day')"
        ),
        {"u": follower.id, "title": idea.title, "url": f"/idees/{idea.id}"},
    )
    db.session.commit()
    get_queue("mail").enqueue("app.notifications.tasks.send_weekly_digest")
    run_jobs(["mail"])
    sent = smtp.messages
    subjects = [message["Subject"] for _to, message in sent]
    assert len(sent) >= 5, subjects
    assert any(s.startswith("Ré en projets : ") and s.endswith("cette semaine") for s in subjects)  # digest
    assert any("Ré en projets" in s for s in subjects) and any(
        s.startswith("Réponse officielle") for s in subjects
    )
    for _to, message in sent:
        whole = message.as_string() + "".join(
            part.get_content() for part in message.walk() if part.get_content_maintype() == "text"
        )
        assert first_names(whole) == [], message["Subject"]
        assert "Ré en projets" in message["From"]

    # The bilan PDF, as text.
    report = request_report(None, consultation=consultation)
    run_jobs(["reports"])
    db.session.expire_all()
    path = report_queries.pdf_file(db.session.get(Report, report.id))
    words = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True).stdout
    (artifacts / "second-territory-bilan.txt").write_text(words, encoding="utf-8")
    assert "Le port de Saint-Martin-de-Ré" in words and "Ré en projets" in words
    assert first_names(words) == []


def test_the_first_territory_is_not_served_by_its_addresses(app, second_territory, make_user):
    """The CALL's consultation and idea, asked for by slug or number on the second territory's site: 404
    everywhere (pages, API, map, tiles, vote), as for a consultation that does not exist."""
    from sqlalchemy import select

    from app.accounts.auth import issue_token
    from app.consultations.models import Consultation
    from app.contributions.models import Contribution

    call = db.session.scalar(select(Consultation).where(Consultation.title.like("Le square%")))
    idea = db.session.scalar(select(Contribution).where(Contribution.consultation_id == call.id))
    token = issue_token(make_user(), name="essai")
    db.session.commit()
    bearer = {"Authorization": f"Bearer {token}"}
    client = app.test_client()
    for path in (
        f"/consultations/{call.slug}",
        f"/consultations/{call.slug}/carte",
        f"/consultations/{call.slug}/idees",
        f"/idees/{idea.id}",
        f"/api/consultations/{call.slug}/contributions",
        f"/api/consultations/{call.slug}/map?bbox=2.7,50.3,2.9,50.5&zoom=17",
        f"/api/consultations/{call.slug}/map/12/2079/1375",
        f"/api/contributions/{idea.id}",
        f"/api/contributions/{idea.id}/comments",
    ):
        assert client.get(path, headers=bearer).status_code == 404, path
    vote = client.post(f"/api/contributions/{idea.id}/vote", json={"value": 1}, headers=bearer)
    assert vote.status_code == 404
    db.session.expire_all()
    assert db.session.get(Contribution, idea.id).agree_count == 0
