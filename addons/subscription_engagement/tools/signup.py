# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Pure checks of the public sign-up form (no Odoo import): each returns the
clean value or raises ``SignupInputError`` with a message for the visitor."""

#: Default upper bound of seats on the sign-up page (more is a sales talk).
DEFAULT_MAX_SEATS = 1000
#: Default number of sign-ups accepted from one network address per hour.
DEFAULT_RATE_LIMIT = 5
#: Longest name or company name accepted.
MAX_NAME_LENGTH = 128


class SignupInputError(ValueError):
    """Bad input on the sign-up form; ``field`` names the input at fault."""

    def __init__(self, field, message):
        super().__init__(message)
        self.field = field


def parse_id(value, field):
    """A database id posted by the form: a positive integer, else an error."""
    text = str(value if value is not None else "").strip()
    if not (text.isascii() and text.isdigit()) or int(text) <= 0:
        raise SignupInputError(field, "invalid")
    return int(text)


def parse_ids(values, field):
    """Several ids (a list of posted values, empty entries ignored), unique."""
    ids = []
    for value in values or ():
        if str(value).strip() == "":
            continue
        ident = parse_id(value, field)
        if ident not in ids:
            ids.append(ident)
    return ids


def parse_seats(value, maximum=DEFAULT_MAX_SEATS):
    """Number of seats: a whole number from 1 to ``maximum``."""
    text = str(value if value is not None else "").strip()
    digits = text[1:] if text.startswith("-") else text
    if not (digits.isascii() and digits.isdigit()):
        raise SignupInputError("quantity", "not_a_number")
    seats = int(text)
    if seats < 1:
        raise SignupInputError("quantity", "too_small")
    if seats > maximum:
        raise SignupInputError("quantity", "too_large")
    return seats


def clean_name(value, field, required=True):
    """A name on one line, trimmed, at most ``MAX_NAME_LENGTH`` characters."""
    text = " ".join(str(value or "").split())
    if not text:
        if required:
            raise SignupInputError(field, "required")
        return ""
    if len(text) > MAX_NAME_LENGTH:
        raise SignupInputError(field, "too_long")
    return text


def is_rate_limited(recent_count, limit=DEFAULT_RATE_LIMIT):
    """Whether one more sign-up from an address that made ``recent_count``
    in the last hour goes over ``limit`` (a limit of 0 or less disables it)."""
    return limit > 0 and recent_count >= limit
