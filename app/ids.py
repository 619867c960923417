"""Database ids are PostgreSQL `integer` columns: 1 … 2 147 483 647. Larger numbers in a URL or a
JSON body must be refused as « not found » or « invalid », never sent to the database."""

from flask_babel import lazy_gettext as _l
from marshmallow import validate
from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1
ID_RANGE = validate.Range(min=1, max=MAX_ID, error=_l("Identifiant invalide."))


class IdConverter(IntegerConverter):
    """The app's `<int:…>`: beyond PostgreSQL's integer range the URL matches no route (404)."""

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_ID, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)
