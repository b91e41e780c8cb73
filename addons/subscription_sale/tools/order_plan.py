# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""What a quotation's subscription lines ask for, in plain Python (no Odoo).

A quotation line of a tier or an add-on states what the subscription will
have once the order is confirmed: the tier line its tier, cycle and seats,
an add-on line the add-on's new quantity (0 removes it). Add-ons that the
quotation does not name keep their current quantity.
"""


def whole_quantity(value, tolerance=1e-6):
    """Return ``value`` (a float quantity of a sales order line) as an int
    when it is a whole number >= 0, else None."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if number != number or number < 0:  # NaN or negative
        return None
    rounded = round(number)
    if abs(number - rounded) > tolerance:
        return None
    return int(rounded)


def merge_addons(current, ordered):
    """The whole new add-on set: ``current`` ({key: quantity}) updated with
    ``ordered`` ({key: quantity}); a quantity of 0 removes the add-on.
    Neither mapping is modified."""
    merged = dict(current)
    for key, quantity in ordered.items():
        if quantity:
            merged[key] = quantity
        else:
            merged.pop(key, None)
    return merged


def sum_by_key(pairs):
    """Sum quantities per key over ``pairs`` of (key, quantity), keeping the
    first-seen order (two lines of one add-on on a quotation add up)."""
    totals = {}
    for key, quantity in pairs:
        totals[key] = totals.get(key, 0) + quantity
    return totals
