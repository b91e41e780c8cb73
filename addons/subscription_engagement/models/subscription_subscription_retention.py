# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import Command, _, fields, models
from odoo.exceptions import UserError

from odoo.addons.subscription_core.tools import periods

from ..tools import retention


class SubscriptionSubscription(models.Model):
    """Save offers: matching, acceptance through the public lifecycle
    methods, and the discount on the next period invoices."""

    _inherit = "subscription.subscription"

    retention_acceptance_ids = fields.One2many(
        "subscription.retention.acceptance",
        "subscription_id",
        string="Save Offers Taken",
        groups="subscription_core.group_subscription_user",
    )

    # === MATCHING ===#

    def _retention_window_open(self):
        """Whether the subscription may take a save offer today (one per
        the company's window)."""
        self.ensure_one()
        last = (
            self.env["subscription.retention.acceptance"]
            .sudo()
            .search([("subscription_id", "=", self.id)], order="date desc", limit=1)
        )
        return retention.window_open(
            last.date or None,
            fields.Date.context_today(self),
            self.company_id.subscription_retention_window_days,
        )

    def _get_retention_offers(self, reason=None):
        """The save offers matching this subscription cancelling for
        ``reason`` (a ``subscription.cancel.reason``), in their order; none
        once an offer was taken within the company's window. This is also
        the server-side check of an acceptance: an offer not returned here
        cannot be taken."""
        self.ensure_one()
        Offer = self.env["subscription.retention.offer"].sudo()
        if not self._retention_window_open():
            return Offer
        offers = Offer.search(
            ["|", ("company_id", "=", False), ("company_id", "=", self.company_id.id)]
        )
        return offers.filtered(lambda offer: offer._matches(self, reason))

    # === ACCEPTANCE ===#

    def action_accept_offer(self, offer_id, reason_id, feedback=None):
        """Take the save offer ``offer_id`` instead of cancelling for
        ``reason_id``: applies it through the public methods (a discount on
        the next period invoices, ``action_pause`` or ``change_plan``), logs a
        ``saved_by_offer`` event and keeps ``feedback``. Refused when the
        offer does not match the subscription and reason, or an offer was
        taken within the company's window."""
        self.ensure_one()
        self.check_access("write")
        reason = self._get_cancel_reason(reason_id)
        offer_id = self._parse_quantity(offer_id, _("Save offer"))
        offer = self.env["subscription.retention.offer"].sudo().browse(offer_id).exists()
        shown = self._get_retention_offers(reason)
        if not offer or offer not in shown:
            raise UserError(_("This offer is not available for %(name)s.", name=self.name))
        # In the subscription's company: the invoices and credit notes of a
        # pause or plan change are that company's (a portal visitor's own
        # company may be another).
        sub = self.with_company(self.company_id)
        acceptance = sub._apply_retention_offer(offer, reason, shown=shown)
        sub._create_cancellation_feedback(reason, feedback)
        return acceptance

    def _apply_retention_offer(self, offer, reason=None, source="cancellation", shown=None):
        """Apply ``offer`` (already checked) and record it: the offer's
        action, then a ``saved_by_offer`` event (no MRR movement of its own:
        a pause or downgrade logs its own event, the offers ``shown`` with
        it are kept on it) and the acceptance row."""
        self.ensure_one()
        today = fields.Date.context_today(self)
        if offer.kind == "pause":
            cycle = self.cycle_id
            until = periods.add_interval(
                today, cycle.interval_unit, cycle.interval_count, offer.pause_periods
            )
            self.action_pause(until=until)
        elif offer.kind == "downgrade":
            self.change_plan(tier_id=offer.downgrade_tier_id.id)
        note = _("Save offer taken: %(offer)s", offer=offer.name)
        event = self._log_event(
            "saved_by_offer",
            self.mrr_company,
            reason_id=reason.id if reason else False,
            note=note,
            retention_offer_id=offer.id,
            retention_offer_shown_ids=[Command.set(shown.ids)] if shown else [],
        )
        self.message_post(body=note)
        return (
            self.env["subscription.retention.acceptance"]
            .sudo()
            .create(
                {
                    "subscription_id": self.id,
                    "company_id": self.company_id.id,
                    "offer_id": offer.id,
                    "kind": offer.kind,
                    "source": source,
                    "reason_id": reason.id if reason else False,
                    "date": today,
                    "user_id": self.env.uid,
                    "event_id": event.id,
                    "discount_percent": offer.discount_percent if offer.kind == "discount" else 0,
                    "discount_periods": offer.discount_periods if offer.kind == "discount" else 0,
                }
            )
        )

    def _log_events(self, event_type, mrr_before_by_sub, **vals):
        """A cancellation decided after save offers were shown (the cancel
        wizard and the portal flow put their ids in the context key
        ``retention_offers_shown``) keeps them on its event: the offers
        offered and declined, which the save rate per offer counts."""
        shown = self.env.context.get("retention_offers_shown")
        if shown and event_type in ("cancel_scheduled", "cancelled"):
            vals.setdefault("retention_offer_shown_ids", [Command.set(shown)])
        return super()._log_events(event_type, mrr_before_by_sub, **vals)

    # === DISCOUNT ON THE NEXT PERIOD INVOICES ===#

    def _get_retention_discount(self, period_start):
        """The discount acceptance that applies to the period starting on
        ``period_start``, if any (the oldest one still running). Read
        through the one2many, so a batch of subscriptions costs one query."""
        self.ensure_one()
        discounts = self.sudo().retention_acceptance_ids.filtered(
            lambda acceptance: acceptance.kind == "discount"
        )
        for acceptance in discounts.sorted(lambda acceptance: (acceptance.date, acceptance.id)):
            if retention.discount_applies(
                acceptance.date,
                acceptance.discount_periods,
                period_start,
                acceptance.discount_periods_used,
            ):
                return acceptance
        return discounts.browse()

    def _get_period_lines(self, start, end):
        """A running save-offer discount adds a negative line of its percent
        of the period's amount (see subscription_billing)."""
        lines = super()._get_period_lines(start, end)
        acceptance = self._get_retention_discount(start)
        if not acceptance:
            return lines
        base = sum(line["quantity"] * line["price_unit"] for line in lines)
        amount = self.currency_id.round(
            retention.discount_amount(base, acceptance.discount_percent)
        )
        if self.currency_id.is_zero(amount):
            return lines
        percent = f"{acceptance.discount_percent:g}"
        lines.append(
            {
                "product_id": self.tier_id.product_id.id,
                "name": _(
                    "%(offer)s: %(percent)s%% off (period %(number)s of %(total)s)",
                    offer=acceptance.offer_id.name,
                    percent=percent,
                    number=acceptance.discount_periods_used + 1,
                    total=acceptance.discount_periods,
                ),
                "quantity": 1,
                "price_unit": -amount,
            }
        )
        return lines

    def _add_billing_period(self, event=None):
        """Count a newly recorded period in the running discount (its lines,
        computed by ``_get_period_lines``, carry the discount)."""
        start = self.current_period_start
        new = start and not self.sudo().billing_period_ids.filtered(
            lambda period: period.date_start == start
        )
        acceptance = self._get_retention_discount(start) if new else False
        period = super()._add_billing_period(event)
        if acceptance and period:
            acceptance.discount_periods_used += 1
        return period
