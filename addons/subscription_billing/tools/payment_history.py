# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""What the customer reads about one payment attempt (pure Python).

The engine's attempt states are the billing team's vocabulary: a
*cancelled* attempt may have been cancelled because its invoice was paid
otherwise (nothing is owed), or because the retries were stopped while the
invoice is still due. The customer must never read "not needed" beside an
invoice still counted in the amount due, so the status shown is derived from
the attempt state **and** the invoice's settlement:

==========  =================  ==========================================
attempt     invoice settled?   status shown
==========  =================  ==========================================
succeeded   (yes)              ``paid``
processing  any                ``processing``
scheduled   no                 ``scheduled``
scheduled   yes                ``not_needed`` (it cancels itself when run)
cancelled   yes                ``not_needed``
cancelled   no                 ``stopped`` (the invoice is still due)
failed      any                ``declined``
==========  =================  ==========================================

and, for the latest attempt of each invoice only, what happens next:

- ``settled``: the invoice was paid another way (nothing more happens);
- ``retry``: another attempt is scheduled (its date is shown);
- ``update_card``: the card was declined for good: the customer must
  choose or add another payment method;
- ``dunning``: no attempt is scheduled yet, the next dunning step will act
  (its kind and date are shown, see ``next_step_kind``);
- ``pay_now``: nothing is planned: the invoice is due and can be paid online.
"""

PAID = "paid"
PROCESSING = "processing"
SCHEDULED = "scheduled"
NOT_NEEDED = "not_needed"
STOPPED = "stopped"
DECLINED = "declined"

STATUSES = (PAID, PROCESSING, SCHEDULED, NOT_NEEDED, STOPPED, DECLINED)

NEXT_SETTLED = "settled"
NEXT_RETRY = "retry"
NEXT_UPDATE_CARD = "update_card"
NEXT_DUNNING = "dunning"
NEXT_PAY_NOW = "pay_now"

# Kinds of dunning step, as announced to the customer.
STEP_RETRY = "retry"
STEP_REMINDER = "reminder"
STEP_SUSPEND = "suspend"
STEP_CANCEL = "cancel"


def status(attempt_state, invoice_settled):
    """Status of an attempt in the customer's words (see the module table)."""
    if attempt_state == "succeeded":
        return PAID
    if attempt_state == "processing":
        return PROCESSING
    if attempt_state == "failed":
        return DECLINED
    if attempt_state == "scheduled":
        return NOT_NEEDED if invoice_settled else SCHEDULED
    if attempt_state == "cancelled":
        return NOT_NEEDED if invoice_settled else STOPPED
    raise ValueError(f"Unknown payment attempt state: {attempt_state!r}")


def next_action(attempt_status, invoice_settled, retry_scheduled, dunning_state):
    """What happens next after the latest attempt of an invoice, or None.

    :param attempt_status: the attempt's status (see ``status``)
    :param invoice_settled: whether the invoice is paid (or otherwise settled)
    :param retry_scheduled: whether another attempt of the invoice is scheduled
    :param dunning_state: the subscription's ``dunning_state``
    """
    if attempt_status not in (DECLINED, STOPPED):
        return None
    if invoice_settled:
        return NEXT_SETTLED
    if retry_scheduled:
        return NEXT_RETRY
    if dunning_state == "hard_declined":
        return NEXT_UPDATE_CARD
    if dunning_state == "in_dunning":
        return NEXT_DUNNING
    return NEXT_PAY_NOW


def next_step_kind(final_action, retry, can_retry):
    """Kind of a dunning step as the customer sees it: a suspension or a
    cancellation first, else a new charge when the step retries and the
    card may be charged, else a reminder."""
    if final_action == "suspend":
        return STEP_SUSPEND
    if final_action == "cancel":
        return STEP_CANCEL
    if retry and can_retry:
        return STEP_RETRY
    return STEP_REMINDER
