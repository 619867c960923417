"""Public URLs of contributions, found in the URL map (the contributions feature owns the page)."""

from flask import current_app

FALLBACK_PREFIX = "/contributions/"
_SENTINEL = 987654321


def contribution_page_prefix():
    """Path prefix of a contribution's public page, to which its id is appended."""
    # Built with a bare map adapter: jobs have no request (nor SERVER_NAME) to build URLs from.
    adapter = current_app.url_map.bind("localhost")
    for rule in current_app.url_map.iter_rules():
        if not _is_contribution_page(rule):
            continue
        (argument,) = rule.arguments
        path = adapter.build(rule.endpoint, {argument: _SENTINEL})
        if path.endswith(str(_SENTINEL)):
            return path[: -len(str(_SENTINEL))]
    return FALLBACK_PREFIX


def _is_contribution_page(rule):
    return (
        rule.endpoint.startswith("contributions.")
        and "GET" in (rule.methods or ())
        and not rule.rule.startswith("/api/")
        and len(rule.arguments) == 1
        and rule.rule.endswith(">")
        and "int:" in rule.rule
        and rule.rule.count("/") == 2
    )
