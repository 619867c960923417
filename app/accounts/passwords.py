"""Common and easily guessed passwords, refused with zxcvbn (its 30 000 most common passwords,
dictionaries, keyboard patterns, sequences, dates) and the account's own e-mail and pseudonym."""

import re

from flask_babel import lazy_gettext as _l
from zxcvbn import zxcvbn

ZXCVBN_MAX = 72  # zxcvbn refuses longer input; the first 72 characters tell enough
MIN_SCORE = 2  # 0-4: below 2 means fewer than a million guesses
COMMON = _l(
    "Ce mot de passe fait partie des plus courants ou se devine trop facilement (suite de chiffres "
    "ou de touches, mot seul, prénom, date, ou votre pseudonyme ou adresse) : choisissez-en un autre, "
    "par exemple une phrase de quelques mots."
)


def _inputs(user_inputs):
    # The e-mail, its local part and its words, the pseudonym: all known to an attacker.
    words = []
    for value in user_inputs:
        if not value:
            continue
        value = value.lower()
        words.extend((value, value.split("@")[0]))
        words.extend(part for part in re.split(r"[@._\-+\s]+", value) if len(part) >= 3)
    return words


def weakness(password, user_inputs=()):
    """[French message] when the password is too common or too easy to guess, else []."""
    result = zxcvbn(password[:ZXCVBN_MAX], user_inputs=_inputs(user_inputs))
    return [COMMON] if result["score"] < MIN_SCORE else []
