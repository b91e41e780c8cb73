# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Shape of a Stripe webhook event (no Odoo import).

A correctly signed body can still be malformed (a bug or a test tool on the
sender's side): it is parsed and checked here before any record is read, so
that the endpoint answers 400 with a reason instead of failing with a 500.
"""

import json


class MalformedEvent(ValueError):
    """The body is not a Stripe event the endpoint can process."""


def parse_event(payload):
    """Return the event of a webhook body as a dict, checked.

    :param payload: the raw body (bytes or str)
    :return: dict with at least ``id`` (str), ``type`` (str) and
        ``data.object`` (dict)
    :raises MalformedEvent: with the reason, when the body is not JSON or not
        shaped like a Stripe event
    """
    try:
        event = json.loads(payload)
    except (TypeError, ValueError) as error:
        raise MalformedEvent(f"body is not JSON ({error})") from error
    if not isinstance(event, dict):
        raise MalformedEvent(f"body is a JSON {type(event).__name__}, not an object")
    for key in ("id", "type"):
        value = event.get(key)
        if not isinstance(value, str) or not value.strip():
            raise MalformedEvent(f"'{key}' is missing or not a string")
    if len(event["id"]) > 255:
        raise MalformedEvent("'id' is too long")
    data = event.get("data")
    if not isinstance(data, dict):
        raise MalformedEvent("'data' is missing or not an object")
    if not isinstance(data.get("object"), dict):
        raise MalformedEvent("'data.object' is missing or not an object")
    previous = data.get("previous_attributes")
    if previous is not None and not isinstance(previous, dict):
        raise MalformedEvent("'data.previous_attributes' is not an object")
    metadata = data["object"].get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        raise MalformedEvent("'data.object.metadata' is not an object")
    return event
