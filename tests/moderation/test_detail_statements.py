"""The back office's contribution page and its duplicate suggestions: a fixed, small number of statements."""

from app.extensions import db
from tests.conftest import bearer, login
from tests.moderation.conftest import centre


def _sql(statements):
    return [s for s in statements if not s.startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO"))]


def test_detail_and_duplicates_in_a_fixed_few_statements(
    client, consultation, make_contribution, make_comment, make_user, moderator, count_queries
):
    lon, lat = centre(consultation)
    base = make_contribution(consultation, lon=lon, lat=lat, title="Un abri pour l'arrêt de bus")
    login(client, moderator)
    url = f"/moderation/contributions/{base.id}"
    db.session.expire_all()
    with count_queries() as few:
        assert client.get(url).status_code == 200
    for i in range(15):
        other = make_contribution(consultation, lon=lon + 0.0001 * i, lat=lat, title=f"Abri bus arrêt {i}")
        make_comment(base, make_user(), body=f"Avis numéro {i}")
        make_comment(other, make_user())
    db.session.expire_all()
    with count_queries() as many:
        html = client.get(url).get_data(as_text=True)
    assert "Avis numéro 14" in html and "Abri bus arrêt" in html
    assert len(_sql(few)) == len(_sql(many)) <= 5, [s[:60] for s in _sql(many)]
    api = f"/api/moderation/contributions/{base.id}/duplicates"
    headers = bearer(moderator)
    db.session.expire_all()
    with count_queries() as statements:
        response = client.get(api, headers=headers)
    assert response.status_code == 200 and response.json
    assert len(_sql(statements)) <= 5, [s[:60] for s in _sql(statements)]
