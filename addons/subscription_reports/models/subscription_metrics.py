# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from ..report.subscription_retention_report import GROSS_MARGIN_PARAM
from ..tools import metrics


class SubscriptionMetrics(models.AbstractModel):
    """Every metric of a company over a range, computed by ``tools/metrics.py``
    from the ledger: for integrators (JSON-RPC / XML-RPC) and the reports
    that have no SQL view yet (LTV forecast, trial conversion)."""

    _name = "subscription.metrics"
    _description = "Subscription Metrics"

    @api.model
    def get_kpis(self, date_from, date_to, company_id=None):
        """Metrics of ``company_id`` (the current company by default) for the
        days ``date_from``..``date_to`` (both included), in the company
        currency. Readers of the subscription reports only."""
        self.env["subscription.metric.snapshot"].check_access("read")
        date_from = fields.Date.to_date(date_from)
        date_to = fields.Date.to_date(date_to)
        if not date_from or not date_to or date_to < date_from:
            raise UserError(_("Metrics are computed over a range of days: from must precede to."))
        company = self.env["res.company"].browse(company_id) if company_id else self.env.company
        if company not in self.env.companies:
            raise AccessError(_("You cannot read the metrics of %(company)s.", company=company.id))
        rows = self._get_ledger_rows(company, date_to)
        moves = metrics.movements(rows)
        summary = metrics.summarize(moves, date_from, date_to)
        mrr = metrics.mrr_at(rows, date_to)
        customers = len(metrics.mrr_by_customer(rows, date_to))
        arpu = metrics.arpu(rows, date_to)
        churn = metrics.logo_churn_rate(rows, date_from, date_to)
        margin = self._get_gross_margin()
        grr, nrr = metrics.retention(rows, date_from, date_to)
        grr_12, nrr_12 = metrics.retention_trailing_12(rows, date_to)
        forecast = metrics.ltv_forecast(metrics.lifetimes(rows, date_to), arpu or 0.0, margin)
        return {
            "company_id": company.id,
            "currency": company.currency_id.name,
            "date_from": fields.Date.to_string(date_from),
            "date_to": fields.Date.to_string(date_to),
            "mrr": mrr,
            "arr": 12 * mrr,
            "opening_mrr": metrics.mrr_at(rows, date_from - timedelta(days=1)),
            "customers": customers,
            "arpu": arpu,
            "movements": {kind: summary[kind] for kind in metrics.KINDS},
            "net_new_mrr": summary["net_new"],
            "quick_ratio": metrics.quick_ratio(summary),
            "logo_churn_rate": churn,
            "revenue_churn_rate": metrics.revenue_churn_rate(rows, date_from, date_to),
            "grr": grr,
            "nrr": nrr,
            "grr_12": grr_12,
            "nrr_12": nrr_12,
            "gross_margin": margin,
            "ltv": metrics.ltv(arpu, margin, churn),
            "ltv_forecast": forecast,
            "trials": metrics.trial_conversion(
                self._get_trials(company, date_to), date_from, date_to
            ),
        }

    @api.model
    def _get_gross_margin(self):
        value = self.env["ir.config_parameter"].sudo().get_param(GROSS_MARGIN_PARAM, "1")
        try:
            margin = float(value)
        except ValueError:
            margin = -1.0
        if not 0 <= margin <= 1:
            raise UserError(
                _(
                    "The system parameter %(param)s must be a fraction between 0 and 1, "
                    "not %(value)s.",
                    param=GROSS_MARGIN_PARAM,
                    value=value,
                )
            )
        return margin

    @api.model
    def _get_ledger_rows(self, company, date_to):
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                SELECT COALESCE(p.commercial_partner_id, e.partner_id), e.effective_date,
                       e.event_type, e.mrr_delta,
                       COALESCE(r.kind = 'involuntary', FALSE)
                  FROM subscription_event e
                  LEFT JOIN res_partner p ON p.id = e.partner_id
                  LEFT JOIN subscription_cancel_reason r ON r.id = e.reason_id
                 WHERE e.company_id = %s AND e.effective_date <= %s
                 ORDER BY e.effective_date, e.id
                """,
                company.id,
                date_to,
            )
        )
        return [
            metrics.LedgerRow(customer, day, event_type, float(delta), involuntary)
            for customer, day, event_type, delta, involuntary in self.env.cr.fetchall()
        ]

    @api.model
    def _get_trials(self, company, date_to):
        """``(start, outcome_day, converted)`` of each subscription that had a
        trial: converted on its first activation after the trial started,
        lost on its cancellation or expiry without one, else running."""
        self.env.cr.execute(
            SQL(
                """
                SELECT MIN(effective_date) FILTER (WHERE event_type = 'trial_started'),
                       MIN(effective_date) FILTER (WHERE event_type = 'activated'),
                       MIN(effective_date) FILTER (WHERE event_type IN ('cancelled', 'expired'))
                  FROM subscription_event
                 WHERE company_id = %s AND effective_date <= %s
                 GROUP BY subscription_id
                HAVING BOOL_OR(event_type = 'trial_started')
                """,
                company.id,
                date_to,
            )
        )
        trials = []
        for start, activated, ended in self.env.cr.fetchall():
            if activated and activated >= start:
                trials.append((start, activated, True))
            elif ended:
                trials.append((start, ended, False))
            else:
                trials.append((start, None, None))
        return trials
