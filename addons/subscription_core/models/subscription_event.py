# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

EVENT_TYPES = [
    ("created", "Created"),
    ("trial_started", "Trial Started"),
    ("activated", "Activated"),
    ("renewed", "Renewed"),
    ("upgraded", "Upgraded"),
    ("downgraded", "Downgraded"),
    ("addon_added", "Add-on Added"),
    ("addon_removed", "Add-on Removed"),
    ("quantity_changed", "Seats Changed"),
    ("paused", "Paused"),
    ("resumed", "Resumed"),
    ("cancel_scheduled", "Cancellation Scheduled"),
    ("cancelled", "Cancelled"),
    ("reactivated", "Reactivated"),
    ("expired", "Expired"),
    ("payment_failed", "Payment Failed"),
    ("payment_recovered", "Payment Recovered"),
    ("suspended", "Suspended"),
    ("saved_by_offer", "Saved by Offer"),
]


class SubscriptionEvent(models.Model):
    """Append-only ledger of everything that happened to subscriptions.

    Only the system writes it (as superuser, through
    ``subscription.subscription._log_event``); nobody may change or delete
    an event, and a subscription with events cannot be deleted either
    (``ondelete='restrict'``): the one exception is the "created" event of a
    draft deleted before it ever started (``_purge_draft_creation``). It is
    the single source of MRR movements: for a subscription, the sum of
    ``mrr_delta`` equals its current ``mrr_company``. Amounts are rounded
    by the company currency.
    """

    _name = "subscription.event"
    _description = "Subscription Event"
    _order = "date desc, id desc"
    _log_access = True

    subscription_id = fields.Many2one(
        "subscription.subscription", required=True, ondelete="restrict", index=True, readonly=True
    )
    partner_id = fields.Many2one("res.partner", index=True, readonly=True)
    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    currency_id = fields.Many2one(
        "res.currency",
        string="Company Currency",
        readonly=True,
        help="Currency of the MRR amounts (the company currency).",
    )
    subscription_currency_id = fields.Many2one("res.currency", readonly=True)
    date = fields.Datetime(required=True, default=fields.Datetime.now, index=True, readonly=True)
    effective_date = fields.Date(
        required=True,
        index=True,
        readonly=True,
        default=fields.Date.context_today,
        help="Business date of the event (e.g. the renewal date), which the "
        "engine may process later.",
    )
    event_type = fields.Selection(EVENT_TYPES, required=True, index=True, readonly=True)
    mrr_before = fields.Monetary(string="MRR Before", readonly=True)
    mrr_after = fields.Monetary(string="MRR After", readonly=True)
    mrr_delta = fields.Monetary(string="MRR Change", readonly=True)
    tier_from_id = fields.Many2one("subscription.tier", readonly=True)
    tier_to_id = fields.Many2one("subscription.tier", readonly=True)
    reason_id = fields.Many2one("subscription.cancel.reason", readonly=True)
    user_id = fields.Many2one("res.users", string="By", readonly=True)
    note = fields.Text(readonly=True)
    amount_credit = fields.Monetary(
        string="Proration Credit",
        currency_field="subscription_currency_id",
        aggregator=None,
        readonly=True,
        help="Unused part of the previous plan (subscription currency).",
    )
    amount_charge = fields.Monetary(
        string="Proration Charge",
        currency_field="subscription_currency_id",
        aggregator=None,
        readonly=True,
        help="New plan for the rest of the period (subscription currency).",
    )

    @api.model_create_multi
    def create(self, vals_list):
        subs = self.env["subscription.subscription"].browse(
            {vals["subscription_id"] for vals in vals_list}
        )
        subs.fetch(["partner_id", "company_id", "currency_id"])
        for index, vals in enumerate(vals_list):
            sub = subs.browse(vals["subscription_id"])
            # The currencies come first: the new events are put in cache in
            # the order of their values, and an amount put there before its
            # currency would read the currency back from the database.
            vals = vals_list[index] = {
                "currency_id": vals.get("currency_id") or sub.company_id.currency_id.id,
                "subscription_currency_id": vals.get("subscription_currency_id")
                or sub.currency_id.id,
                **vals,
            }
            vals.setdefault("partner_id", sub.partner_id.id)
            vals.setdefault("company_id", sub.company_id.id)
            currency = self.env["res.currency"].browse(vals["currency_id"])
            for fname in ("mrr_before", "mrr_after"):
                vals[fname] = currency.round(vals.get(fname) or 0.0)
            vals["mrr_delta"] = currency.round(vals["mrr_after"] - vals["mrr_before"])
        events = super().create(vals_list)
        self.env["subscription.webhook"].sudo()._enqueue_events(events)
        return events

    def write(self, vals):  # pylint: disable=method-required-super
        # The ledger is append-only: nothing, not even the superuser, writes it.
        raise UserError(_("Subscription events are a ledger: they cannot be changed."))

    @api.ondelete(at_uninstall=False)
    def _unlink_except_ledger(self):
        raise UserError(_("Subscription events are a ledger: they cannot be deleted."))

    @api.model
    def _purge_draft_creation(self, subscriptions):
        """Delete the "created" event of draft ``subscriptions`` that have no
        other event, so that the draft itself can be deleted (called only by
        ``subscription.subscription.unlink``). Every other event stays: the
        foreign key then refuses to delete its subscription."""
        if not subscriptions:
            return
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                DELETE FROM subscription_event event
                 USING subscription_subscription sub
                 WHERE event.subscription_id = sub.id
                   AND sub.id IN %s
                   AND sub.state = 'draft'
                   AND event.event_type = 'created'
                   AND NOT EXISTS (
                        SELECT 1 FROM subscription_event other
                         WHERE other.subscription_id = sub.id
                           AND other.event_type != 'created')
                """,
                tuple(subscriptions.ids),
            )
        )
        if self.env.cr.rowcount:
            self.invalidate_model()
            subscriptions.invalidate_recordset(["event_ids", "event_count"])
