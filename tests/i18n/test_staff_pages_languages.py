"""The staff pages (moderation, exports, reports, workshops, consultations) in Arabic and English:
every page answers, right to left in Arabic, its headings translated (French stays the source)."""

import pytest

from tests.conftest import login

# path (with {slug}) -> (Arabic heading, English heading, French heading that must be gone)
PAGES = {
    "/moderation": ("كل التشاورات", "All consultations", "Toutes les concertations"),
    "/moderation/commentaires": (
        "لا تعليقات في هذا التبويب.",
        "No comment in this tab.",
        "Aucun commentaire dans cet onglet",
    ),
    "/moderation/utilisateurs": ("المعاقَبون فقط", "Sanctioned only", "Sanctionnés seulement"),
    "/moderation/motifs": ("سبب جديد", "New reason", "Nouveau motif"),
    "/moderation/journal": ("سجل الإشراف", "Moderation log", "Journal de modération"),
    "/moderation/?tab=published": ("الموافقة", "Approve", "Approuver"),
    "/moderation/contributions/{idea}": ("نسخ مكرّرة محتملة", "Probable duplicates", "Doublons probables"),
    "/moderation/utilisateurs/{author}": (
        "المساهمات الأخيرة",
        "Recent contributions",
        "Contributions récentes",
    ),
    "/exports": ("تصدير المساهمات", "Export contributions", "Exporter les contributions"),
    "/rapports": ("تقارير التشاور وحصائله", "Consultation reports and summaries", "Rapports et bilans de la"),
    "/rapports/concertations/{slug}": ("سجل النسخ", "Version history", "Historique des versions"),
    "/ateliers": ("ورشة جديدة", "New workshop", "Nouvel atelier"),
    "/ateliers/{workshop}": ("خرائط للطباعة", "Printable maps", "Cartes à imprimer"),
    "/ateliers/{workshop}/saisie": (
        "مدخلات هذه الجلسة",
        "Entries in this session",
        "Saisies de cette séance",
    ),
    "/ateliers/nouveau": ("إنشاء الورشة", "Create the workshop", "Créer l&#39;atelier"),
    "/consultations/{slug}": ("الأحياء المعنية", "Neighbourhoods concerned", "Quartiers concernés"),
    "/borne/ouvrir": (
        "فتح كشك على هذا الجهاز اللوحي",
        "Open a kiosk on this tablet",
        "Ouvrir une borne sur cette tablette",
    ),
    "/gestion/concertations": ("إدارة التشاورات", "Manage consultations", "Gérer les concertations"),
    "/gestion/concertations/{slug}": ("معاينة النطاق", "Perimeter preview", "Aperçu du périmètre"),
    "/gestion/concertations/{slug}/equipe": (
        "فريق التشاور",
        "Consultation team",
        "Équipe de la concertation",
    ),
}


@pytest.mark.parametrize("locale, index, direction", [("ar", 0, "rtl"), ("en", 1, "ltr")])
def test_staff_pages_in_the_account_language(
    client, make_user, make_consultation, make_contribution, make_comment, make_vote, locale, index, direction
):
    from datetime import timedelta

    from app.consultations.models import utcnow
    from app.workshops.services import create_workshop

    consultation = make_consultation()
    admin = make_user(role="admin", locale=locale)
    author = make_user()
    idea = make_contribution(consultation, author=author)
    make_contribution(consultation, author=author, title="Un banc à l'ombre près de l'école Basly")
    make_comment(idea, make_user())
    make_vote(idea, make_user(), 1)
    workshop = create_workshop(admin, consultation, utcnow() + timedelta(days=2), "Maison du projet")
    login(client, admin)
    for path, texts in PAGES.items():
        url = path.format(slug=consultation.slug, idea=idea.id, author=author.id, workshop=workshop.id)
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.get_data(as_text=True)
        assert f'<html lang="{locale}" dir="{direction}">' in html, url
        assert texts[index] in html, (url, texts[index])
        assert texts[2] not in html, (url, texts[2])
