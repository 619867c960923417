"""Resident pages: map, list (no JavaScript needed), contribution page, forms with CSRF, escaping."""

import gzip
import re

from app.extensions import db
from tests.conftest import csrf_token, login
from tests.contributions.conftest import count_contributions, inside_lonlat

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_map_page_embeds_local_leaflet_our_script_and_the_config(client, consultation, resident):
    login(client, resident)
    html = client.get(f"/consultations/{consultation.slug}/carte").get_data(as_text=True)
    assert "/vendor/leaflet/leaflet.js" in html and "contributions-map.js" in html
    assert "CarteCommune.start(map_" in html
    assert 'id="cc-config"' in html and f'"slug": "{consultation.slug}"' in html
    assert "+ Proposer une idée" in html and 'name="csrf_token"' in html
    assert not re.search(r'(src|href)="https?://', html)  # no CDN


def test_map_page_of_a_closed_consultation_offers_no_proposal(client, make_consultation):
    closed = make_consultation(is_open=False)
    html = client.get(f"/consultations/{closed.slug}/carte").get_data(as_text=True)
    assert "Concertation terminée" in html and "cc-propose" not in html


def test_map_page_loads_at_most_150_kib_gzipped_of_js_and_css(client, consultation, resident):
    login(client, resident)
    html = client.get(f"/consultations/{consultation.slug}/carte").get_data(as_text=True)
    assets = re.findall(r'<script[^>]+src="([^"]+)"', html) + re.findall(
        r'<link[^>]+rel="stylesheet"[^>]+href="([^"]+)"', html
    )
    assets += re.findall(r'<link[^>]+href="([^"]+\.css)"', html)
    assets = sorted(set(assets))
    assert any("leaflet.js" in a for a in assets) and any("contributions.css" in a for a in assets)
    sizes = {}
    for url in assets:
        response = client.get(url)
        assert response.status_code == 200, url
        sizes[url] = len(gzip.compress(response.data, 9))
    inline = sum(len(gzip.compress(s.encode(), 9)) for s in re.findall(r"<script>(.*?)</script>", html, re.S))
    assert sum(sizes.values()) + inline <= 150 * 1024, sizes


def test_list_page_is_readable_without_javascript_with_filters_sorts_and_pages(
    client, consultation, make_contribution
):
    for i in range(23):
        make_contribution(consultation, title=f"Idée {i:02d}", theme="sante" if i % 2 else "numerique")
    html = client.get(f"/consultations/{consultation.slug}/idees").get_data(as_text=True)
    assert not re.search(r"<script(?! type=\"application/json\")", html)  # data (the JS catalog), no code
    assert "23 idées" in html and 'rel="next"' in html and 'rel="prev"' not in html
    assert html.count('class="card cc-card"') == 20
    following = re.search(r'rel="next" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert "apres=" in following and "page=" not in following
    rest = client.get(following).get_data(as_text=True)
    assert rest.count('class="card cc-card"') == 3 and "Idée 00" in rest and 'rel="prev"' in rest
    assert 'rel="next"' not in rest
    back = re.search(r'rel="prev" href="([^"]+)"', rest).group(1).replace("&amp;", "&")
    assert client.get(back).get_data(as_text=True).count('class="card cc-card"') == 20
    damaged = client.get(f"/consultations/{consultation.slug}/idees?apres=xyz")
    assert damaged.status_code == 200 and "plus valable" in damaged.get_data(as_text=True)
    second = client.get(f"/consultations/{consultation.slug}/idees?page=2&theme=sante&sort=debattues")
    text = second.get_data(as_text=True)
    assert "11 idées" in text and "Aucune idée ne correspond à ces critères" in text
    filtered = client.get(f"/consultations/{consultation.slug}/idees?theme=numerique&sort=hasard&page=x")
    assert filtered.status_code == 200 and "12 idées" in filtered.get_data(as_text=True)


def test_user_text_is_escaped_everywhere(client, consultation, make_contribution, make_comment, resident):
    contribution = make_contribution(consultation, title=XSS[:140], body=XSS)
    make_comment(contribution, resident, body=XSS)
    for url in (f"/idees/{contribution.id}", f"/consultations/{consultation.slug}/idees"):
        html = client.get(url).get_data(as_text=True)
        assert "<script>alert" not in html and "<img src=x" not in html
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html


def test_contribution_page_shows_votes_comments_answer_and_flag(
    client, consultation, make_contribution, make_comment, make_user, resident
):
    contribution = make_contribution(
        consultation, outcome="retenue", official_answer="Le banc sera posé au printemps."
    )
    thread = make_comment(contribution, make_user(), body="Et un abri ?")
    make_comment(contribution, resident, body="Oui, pour la pluie.", parent=thread)
    login(client, resident)
    html = client.get(f"/idees/{contribution.id}").get_data(as_text=True)
    assert "Réponse de l'équipe projet" in html and "Le banc sera posé au printemps." in html
    assert "Suite donnée : Retenue" in html
    assert "D'accord" in html and "Pas d'accord" in html
    assert "Et un abri ?" in html and 'class="cc-replies"' in html and "Oui, pour la pluie." in html
    assert f'data-url="/api/contributions/{contribution.id}/flags"' in html
    assert "Signaler cette idée" in html


def test_vote_form_requires_csrf_and_works_without_javascript(
    client, consultation, make_contribution, resident
):
    contribution = make_contribution(consultation)
    login(client, resident)
    url = f"/idees/{contribution.id}/vote"
    assert client.post(url, data={"value": "1"}).status_code == 400
    token = csrf_token(client)
    response = client.post(url, data={"value": "1", "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].endswith("#votes")
    db.session.expire_all()
    assert contribution.agree_count == 1
    html = client.get(f"/idees/{contribution.id}").get_data(as_text=True)
    assert 'aria-pressed="true"' in html and "Retirer mon vote" in html
    client.post(url, data={"value": "0", "csrf_token": token})
    db.session.expire_all()
    assert contribution.agree_count == 0


def test_comment_form_requires_csrf_and_replies_stay_one_level(
    client, consultation, make_contribution, resident
):
    contribution = make_contribution(consultation)
    login(client, resident)
    url = f"/idees/{contribution.id}/commentaires"
    assert client.post(url, data={"body": "Sans jeton"}).status_code == 400
    token = csrf_token(client)
    response = client.post(url, data={"body": "Premier", "csrf_token": token})
    assert response.status_code == 302 and "#commentaire-" in response.headers["Location"]
    parent_id = int(response.headers["Location"].rsplit("-", 1)[1])
    client.post(url, data={"body": "Réponse", "parent_id": str(parent_id), "csrf_token": token})
    db.session.expire_all()
    assert contribution.comment_count == 2
    empty = client.post(url, data={"body": "  ", "csrf_token": token}, follow_redirects=True)
    assert "Écrivez votre commentaire." in empty.get_data(as_text=True) or "vide" in empty.get_data(
        as_text=True
    )


def test_proposal_form_requires_csrf_and_redirects_to_the_new_idea(client, consultation, resident):
    login(client, resident)
    lon, lat = inside_lonlat(consultation)
    url = f"/consultations/{consultation.slug}/proposer"
    form = client.get(f"{url}?lon={lon}&lat={lat}")
    assert form.status_code == 200 and 'name="theme"' in form.get_data(as_text=True)
    data = {"lon": str(lon), "lat": str(lat), "theme": "sante", "title": "Un médecin de garde"}
    assert client.post(url, data=data).status_code == 400
    assert count_contributions() == 0
    response = client.post(url, data={**data, "csrf_token": csrf_token(client)})
    assert response.status_code == 302 and response.headers["Location"].startswith("/idees/")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Merci ! Votre idée est publiée sur la carte." in page and "Un médecin de garde" in page


def test_proposal_form_shows_french_errors_and_keeps_the_input(client, consultation, resident):
    login(client, resident)
    lon, lat = inside_lonlat(consultation)
    response = client.post(
        f"/consultations/{consultation.slug}/proposer",
        data={"lon": str(lon), "lat": str(lat), "theme": "", "title": "Un", "csrf_token": csrf_token(client)},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Choisissez un thème de la concertation." in html and 'aria-invalid="true"' in html
    assert 'value="Un"' in html


def test_proposal_form_answers_json_for_the_map_script(client, consultation, resident):
    login(client, resident)
    lon, lat = inside_lonlat(consultation)
    response = client.post(
        f"/consultations/{consultation.slug}/proposer",
        data={"lon": str(lon + 0.5), "lat": str(lat), "theme": "sante", "title": "Trop loin"},
        headers={"Accept": "application/json", "X-CSRFToken": csrf_token(client)},
    )
    assert response.status_code == 422
    assert response.json["error"]["message"].startswith("Ce lieu est en dehors du périmètre")
    ok = client.post(
        f"/consultations/{consultation.slug}/proposer",
        data={"lon": str(lon), "lat": str(lat), "theme": "sante", "title": "Ici"},
        headers={"Accept": "application/json", "X-CSRFToken": csrf_token(client)},
    )
    assert (
        ok.status_code == 201 and ok.json["status"] == "published" and ok.json["anchor"][0] == round(lon, 6)
    )


def test_signed_out_visitors_read_everything_and_are_invited_to_sign_in(
    client, consultation, make_contribution
):
    contribution = make_contribution(consultation)
    html = client.get(f"/idees/{contribution.id}").get_data(as_text=True)
    assert "pour donner votre avis" in html and "pour commenter" in html
    assert f'action="/idees/{contribution.id}/vote"' not in html
    proposal = client.get(f"/consultations/{consultation.slug}/proposer")
    assert proposal.status_code in (302, 401)


def test_pending_idea_is_shown_to_its_author_only_and_marked(
    client, make_consultation, make_contribution, resident, make_user
):
    pre = make_consultation(moderation_mode="pre")
    contribution = make_contribution(pre, author=resident, status="pending", title="Ma jardinière")
    assert client.get(f"/idees/{contribution.id}").status_code == 404
    login(client, make_user())
    assert client.get(f"/idees/{contribution.id}").status_code == 404
    assert "Ma jardinière" not in client.get(f"/consultations/{pre.slug}/idees").get_data(as_text=True)
    login(client, resident)
    html = client.get(f"/idees/{contribution.id}").get_data(as_text=True)
    assert "En attente de validation" in html and "D'accord" not in html
    listing = client.get(f"/consultations/{pre.slug}/idees").get_data(as_text=True)
    assert "Ma jardinière" in listing and "En attente de validation" in listing


def test_merged_idea_redirects_to_the_one_it_was_merged_into(client, consultation, make_contribution):
    target = make_contribution(consultation, title="L'idée principale")
    merged = make_contribution(
        consultation, status="merged", merged_into_id=target.id, status_before_merge="published"
    )
    response = client.get(f"/idees/{merged.id}")
    assert response.status_code == 301 and response.headers["Location"].endswith(f"/idees/{target.id}")
    # Merged from an idea that was never public: it stays unknown (a merge never widens visibility).
    hidden = make_contribution(
        consultation, status="merged", merged_into_id=target.id, status_before_merge="hidden"
    )
    assert client.get(f"/idees/{hidden.id}").status_code == 404


def test_author_sees_why_the_idea_was_rejected_others_do_not(
    client, consultation, make_contribution, resident
):
    rejected = make_contribution(
        consultation,
        author=resident,
        status="rejected",
        moderation_reason="Propos injurieux envers un voisin.",
    )
    login(client, resident)
    page = client.get(f"/idees/{rejected.id}").get_data(as_text=True)
    assert "Motif : Propos injurieux envers un voisin." in page
    assert (
        client.get(f"/api/contributions/{rejected.id}").get_json()["moderation_reason"].startswith("Propos")
    )
    client.post("/deconnexion", data={"csrf_token": csrf_token(client)})
    assert client.get(f"/idees/{rejected.id}").status_code == 404
