# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models

from ..tools import health


class ResPartner(models.Model):
    _inherit = "res.partner"

    subscription_health = fields.Integer(
        string="Subscription Health",
        compute="_compute_subscription_health",
        groups="subscription_reports.group_subscription_reports_reader",
        help="Lowest health score (0-100) of the customer's live subscriptions, as of the "
        "last run of the daily metrics job.",
    )
    subscription_health_band = fields.Selection(
        [("healthy", "Healthy"), ("at_risk", "At Risk"), ("critical", "Critical")],
        string="Health",
        compute="_compute_subscription_health",
        groups="subscription_reports.group_subscription_reports_reader",
    )

    subscription_report_currency_id = fields.Many2one(
        "res.currency",
        string="Metrics Currency",
        compute="_compute_subscription_ltv",
        groups="subscription_reports.group_subscription_reports_reader",
    )
    subscription_mrr = fields.Monetary(
        string="Customer MRR",
        currency_field="subscription_report_currency_id",
        compute="_compute_subscription_ltv",
        groups="subscription_reports.group_subscription_reports_reader",
        help="The customer's MRR in the current company, as of the last run of the daily "
        "metrics job.",
    )
    subscription_ltv_to_date = fields.Monetary(
        string="LTV to Date",
        currency_field="subscription_report_currency_id",
        compute="_compute_subscription_ltv",
        groups="subscription_reports.group_subscription_reports_reader",
        help="Revenue so far: the customer's posted subscription invoices net of credit notes.",
    )
    subscription_ltv_forecast = fields.Monetary(
        string="Forecast LTV",
        currency_field="subscription_report_currency_id",
        compute="_compute_subscription_ltv",
        groups="subscription_reports.group_subscription_reports_reader",
        help="Gross margin x (LTV to date + MRR x the months a customer of its age is still "
        "expected to pay); empty when no churn has been observed (unbounded).",
    )
    subscription_ltv_forecast_low = fields.Monetary(
        string="Forecast LTV (Low)",
        currency_field="subscription_report_currency_id",
        compute="_compute_subscription_ltv",
        groups="subscription_reports.group_subscription_reports_reader",
    )
    subscription_ltv_forecast_high = fields.Monetary(
        string="Forecast LTV (High)",
        currency_field="subscription_report_currency_id",
        compute="_compute_subscription_ltv",
        groups="subscription_reports.group_subscription_reports_reader",
    )

    @api.depends_context("company", "uid")
    def _compute_subscription_ltv(self):
        """The customer's row of the LTV forecast per customer in the current
        company, read with the user's rights (its companies only)."""
        rows = self.env["subscription.ltv.customer.report"].search(
            [
                ("partner_id", "in", self.commercial_partner_id.ids),
                ("company_id", "=", self.env.company.id),
            ]
        )
        by_partner = {row.partner_id: row for row in rows}
        for partner in self:
            row = by_partner.get(partner.commercial_partner_id)
            partner.subscription_report_currency_id = self.env.company.currency_id
            partner.subscription_mrr = row.mrr if row else 0.0
            partner.subscription_ltv_to_date = row.revenue if row else 0.0
            partner.subscription_ltv_forecast = row.ltv if row else False
            partner.subscription_ltv_forecast_low = row.ltv_low if row else False
            partner.subscription_ltv_forecast_high = row.ltv_high if row else False

    def action_view_subscription_ltv(self):
        """The customer's LTV to date and forecast, for readers."""
        self.ensure_one()
        self.env["subscription.ltv.customer.report"].check_access("read")
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "subscription_reports.subscription_ltv_customer_report_action"
        )
        action.update(
            {
                "domain": [("partner_id", "=", self.commercial_partner_id.id)],
                "context": {},
            }
        )
        return action

    def _compute_subscription_health(self):
        Health = self.env["subscription.metric.health"].sudo()
        lowest = dict(
            Health._read_group(
                [("partner_id", "in", self.commercial_partner_id.ids)],
                ["partner_id"],
                ["score:min"],
            )
        )
        for partner in self:
            score = lowest.get(partner.commercial_partner_id)
            partner.subscription_health = score or 0
            partner.subscription_health_band = health.band(score) if score is not None else False

    def action_view_subscription_health(self):
        """The health of the customer's subscriptions, for readers."""
        self.ensure_one()
        self.env["subscription.metric.health"].check_access("read")
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "subscription_reports.subscription_metric_health_action"
        )
        action.update(
            {
                "domain": [("partner_id", "=", self.commercial_partner_id.id)],
                "context": {},
            }
        )
        return action

    def action_view_mrr_movements(self):
        """The customer's MRR movements (its commercial entity's), for the
        readers of the subscription reports."""
        self.ensure_one()
        Report = self.env["subscription.mrr.movement.report"]
        Report.check_access("read")
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "subscription_reports.subscription_mrr_movement_report_action"
        )
        action.update(
            {
                "name": self.env._("MRR History of %(name)s", name=self.commercial_partner_id.name),
                "domain": [("partner_id", "=", self.commercial_partner_id.id)],
                "context": {},
                "view_mode": "list,graph,pivot",
                "views": [(False, "list"), (False, "graph"), (False, "pivot")],
            }
        )
        return action
