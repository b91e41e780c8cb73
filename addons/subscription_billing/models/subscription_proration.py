# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import models
from odoo.tools import float_is_zero

from ..tools import descriptions
from .subscription_subscription import BILLED_STATES


class SubscriptionSubscription(models.Model):
    """Plan change proration as money: the lines a change adds to the
    customer's account, priced and taxed the same way in the preview and in
    the invoice or credit note that follows."""

    _inherit = "subscription.subscription"

    # === PREVIEW ===#

    def _compute_change(self, plan, effective):
        """See subscription_core; adds ``amount_untaxed``, ``amount_tax`` and
        ``amount_total``: the proration as it will be invoiced (taxes by
        Odoo's tax engine on the same products, fiscal position and
        currency; negative amounts are credited to the customer). Computed
        here, before anything is written, so that ``preview_change`` and
        ``change_plan`` return the same amounts."""
        preview = super()._compute_change(plan, effective)
        preview.update(self._proration_totals(preview))
        return preview

    def _proration_totals(self, preview):
        self.ensure_one()
        if not (preview["credit"] or preview["charge"]):
            return {"amount_untaxed": 0.0, "amount_tax": 0.0, "amount_total": 0.0}
        tier_to = self.env["subscription.tier"].browse(preview["tier_id"])
        lines = self._prepare_proration_lines(
            preview, tier_to, self.tier_id, preview["effective_date"], self.current_period_end
        )
        return self._compute_line_totals(lines)

    def _compute_line_totals(self, lines):
        """Untaxed, tax and total of invoice line values (as prepared by
        ``_prepare_invoice_line_values``), computed by Odoo's tax engine."""
        self.ensure_one()
        Tax = self.env["account.tax"]
        company = self.company_id
        base_lines = [
            Tax._prepare_base_line_for_taxes_computation(
                None,
                product_id=self.env["product.product"].browse(line["product_id"]),
                tax_ids=Tax.browse(line["tax_ids"][0][2]),
                price_unit=line["price_unit"],
                quantity=line["quantity"],
                currency_id=self.currency_id,
                partner_id=self.partner_id,
            )
            for line in lines
        ]
        Tax._add_tax_details_in_base_lines(base_lines, company)
        Tax._round_base_lines_tax_details(base_lines, company)
        totals = Tax._get_tax_totals_summary(base_lines, self.currency_id, company)
        currency = self.currency_id
        return {
            "amount_untaxed": currency.round(totals["base_amount_currency"]),
            "amount_tax": currency.round(totals["tax_amount_currency"]),
            "amount_total": currency.round(totals["total_amount_currency"]),
        }

    def _prepare_proration_lines(self, preview, tier_to, tier_from, date_from, date_to):
        """Invoice line values of a change: the new plan for the rest of the
        period (product of the new tier) and the credit of the unused part
        of the old plan (product of the tier it credits), signed as on an
        invoice."""
        self.ensure_one()
        sub = self._in_partner_lang()
        lines = []
        if preview["charge"]:
            lines.append(
                self._prepare_invoice_line_values(
                    tier_to.product_id,
                    sub._period_line_name(
                        descriptions.plan_label(tier_to.with_env(sub.env).name, sub.cycle_id.name),
                        date_from,
                        date_to,
                        template=sub.env._("%(item)s – %(start)s to %(end)s (prorated)"),
                    ),
                    1,
                    preview["charge"],
                    date_from,
                    date_to,
                )
            )
        if preview["credit"]:
            lines.append(
                self._prepare_invoice_line_values(
                    tier_from.product_id,
                    sub._period_line_name(
                        tier_from.with_env(sub.env).name,
                        date_from,
                        date_to,
                        template=sub.env._("Unused time on %(item)s – %(start)s to %(end)s"),
                    ),
                    1,
                    -preview["credit"],
                    date_from,
                    date_to,
                )
            )
        return lines

    # === INVOICING A CHANGE ===#

    def _on_plan_changed(self, event, preview):
        """Bill a change applied now: the charge on an invoice and the credit
        on the same invoice (when the net is due) or a credit note, applied
        to the open and next invoices. When the company bills changes on the
        next invoice, the charge waits as an adjustment and the credit note
        is posted now."""
        res = super()._on_plan_changed(event, preview)
        if self.state not in BILLED_STATES or not (preview["credit"] or preview["charge"]):
            return res
        end = self.current_period_end
        tier_from = event.tier_from_id or self.tier_id
        lines = self._prepare_proration_lines(
            preview, self.tier_id, tier_from, event.effective_date, end
        )
        charge_lines = [line for line in lines if line["price_unit"] > 0]
        credit_lines = [line for line in lines if line["price_unit"] < 0]
        cycle_changed = event.event_type in ("upgraded", "downgraded") and preview.get("new_period")
        if self.company_id.subscription_proration_mode == "next_invoice" and not cycle_changed:
            self.env["subscription.billing.adjustment"].sudo().create(
                [
                    {
                        "subscription_id": self.id,
                        "event_id": event.id,
                        "name": line["name"],
                        "product_id": line["product_id"],
                        "amount": line["price_unit"],
                        "date_from": event.effective_date,
                        "date_to": end,
                    }
                    for line in charge_lines
                ]
            )
            if credit_lines:
                self._post_credit_note(
                    [{**line, "price_unit": -line["price_unit"]} for line in credit_lines],
                    event.effective_date,
                    end,
                    kind="proration",
                )
            return res
        net = preview["net"]
        if float_is_zero(net, precision_rounding=self.currency_id.rounding):
            return res
        if net < 0:
            self._post_credit_note(
                [{**line, "price_unit": -line["price_unit"]} for line in lines],
                event.effective_date,
                end,
                kind="proration",
            )
            return res
        self._invoice_now(lines, event.effective_date, end)
        return res
