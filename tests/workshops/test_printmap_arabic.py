"""The printable workshop map in Arabic (Accept-Language): right to left, Arabic text, same numbers."""

from PIL import Image

from tests.workshops.test_printmap import pdf_pages, pdf_text, published  # noqa: F401 (fixture)


def test_printable_map_in_arabic(client, workshop, published, tmp_path, artifacts):  # noqa: F811
    response = client.get(
        f"/api/workshops/{workshop.id}/map.pdf?format=A4", headers={"Accept-Language": "ar"}
    )
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    pages, pdf = pdf_pages(response.data, tmp_path, "carte-ar")
    assert len(pages) == 2
    for page in pages:
        Image.open(page).save(artifacts / f"workshop-map-A4-ar-{page.stem[-1]}.png")
    words = pdf_text(pdf)
    # Phrases without the lam-alef ligature, which pdftotext gives back as separate letters.
    for arabic in ("كيف تشارك على الورق", "المواضيع", "مفتاح الخريطة"):
        assert arabic in words, arabic
    assert "Comment participer" not in words and "Légende" not in words
    shown = [c for c in published if c.status == "published"]
    assert shown[0].title.split("'")[0] in words  # what people wrote is never translated
