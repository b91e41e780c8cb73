# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, models


class SubscriptionMetricSnapshot(models.Model):
    _inherit = "subscription.metric.snapshot"

    @api.model
    def _cron_build_snapshots(self):
        """The daily job also brings the revenue per line and month up to
        date (the moves posted or changed since its last run)."""
        self.env["subscription.revenue.month"].sudo()._update()
        return super()._cron_build_snapshots()

    @api.model
    def _rebuild_all(self):
        """... and rebuilds it from the posted lines."""
        result = super()._rebuild_all()
        self.env["subscription.revenue.month"].sudo()._rebuild()
        return result
