"""The moderation detail shows the idea on a small map with its nearest neighbours (KNN, LIMIT)."""

import re

from app.extensions import db
from app.moderation.queries.detail import NEIGHBOURS
from tests.conftest import login
from tests.moderation.conftest import centre, offset

HOSTILE = '<img src=x onerror=alert(1)>"><script>alert(2)</script>'


def test_the_detail_map_shows_the_nearest_neighbours_escaped(
    client, consultation, make_contribution, moderator
):
    here = centre(consultation)
    idea = make_contribution(consultation, lon=here[0], lat=here[1], status="pending", title="Au centre")
    # NEIGHBOURS + 3 others, 20 m further each: only the nearest NEIGHBOURS are shown, nearest first.
    others = []
    for i in range(NEIGHBOURS + 3):
        lon, lat = offset(here, east_m=20 * (i + 1))
        others.append(make_contribution(consultation, lon=lon, lat=lat, title=f"Voisine {i} {HOSTILE}"))
    lon, lat = offset(here, north_m=5)
    make_contribution(consultation, lon=lon, lat=lat, title="Fusionnée", status="merged")
    db.session.commit()
    login(client, moderator)
    response = client.get(f"/moderation/contributions/{idea.id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    listed = [
        int(i) for i in re.findall(r'<li><a href="/moderation/contributions/(\d+)">n° \d+ « Voisine', html)
    ]
    assert listed == [o.id for o in others[:NEIGHBOURS]]
    assert "Fusionnée »" not in html
    # Every user string stays text: escaped in the page, JSON data read with textContent on the map.
    assert HOSTILE not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    scripts = re.findall(r'<script nonce="([^"]+)">(.*?)</script>', html, re.S)
    nonce, body = next((n, b) for n, b in scripts if "bindTooltip" in b)
    assert "<script>" not in html  # every inline script carries the nonce
    assert "bindTooltip" in body and "textContent" in body and "innerHTML" not in body
    assert "\\u003cimg src=x onerror=alert(1)\\u003e" in body
    assert f"'nonce-{nonce}'" in response.headers["Content-Security-Policy"]
    # Our Leaflet, never a CDN.
    assert re.search(r'<script[^>]* src="/vendor/leaflet/leaflet\.[0-9a-f]{12}\.js"', html)
    assert not re.search(r"https?://[^\"']*(unpkg|jsdelivr|cdnjs|cloudflare|leafletjs)", html)


def test_the_neighbours_come_from_the_same_consultation(
    client, consultation, make_consultation, make_contribution, moderator
):
    here = centre(consultation)
    idea = make_contribution(consultation, lon=here[0], lat=here[1], title="Au centre")
    other = make_consultation(qpv_codes=["QP062024"], title="Autre concertation, même quartier")
    make_contribution(other, lon=here[0], lat=here[1], title="Idée d'ailleurs")
    db.session.commit()
    login(client, moderator)
    html = client.get(f"/moderation/contributions/{idea.id}").get_data(as_text=True)
    assert "Idée d&#39;ailleurs" not in html and "Idée d'ailleurs" not in html
