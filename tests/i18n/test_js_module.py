"""static/js/i18n.js, the scripts' side of the contract: t(msgid, params) reads the catalog base.html
embeds (#cc-i18n), substitutes %(name)s, and exports the page's locale and direction."""

import pytest

pytestmark = [pytest.mark.committed, pytest.mark.browser]


def test_t_translates_substitutes_and_reads_locale_and_dir(live_server, browser):
    context = browser.new_context(locale="ar")
    page = context.new_page()
    page.goto(live_server.url + "/territoire")
    result = page.evaluate(
        """async () => {
          document.getElementById("cc-i18n").textContent =
            JSON.stringify({"%(count)s idées": "%(count)s أفكار", "Vide": ""});
          const m = await import("/static/js/i18n.js");
          return [m.t("%(count)s idées", {count: 3}), m.t("Absente %(name)s", {name: "<b>"}),
                  m.t("Vide"), m.t("%(x)s reste", {}), m.locale, m.dir];
        }"""
    )
    assert result == ["3 أفكار", "Absente <b>", "Vide", "%(x)s reste", "ar", "rtl"]
    context.close()
