# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models

from odoo.addons.base.models.res_partner import _tz_get

from ..tools import timezones


class ResCompany(models.Model):
    _inherit = "res.company"

    subscription_tz = fields.Selection(
        selection=_tz_get,
        string="Subscription Timezone",
        help="Timezone of the company's business day: a renewal, invoice or "
        "dunning step due on a date runs from midnight of that date in this "
        "timezone. Empty: the timezone of the company's contact, else UTC.",
    )

    def _subscription_tz(self):
        """Name of the timezone the company's scheduled subscription work
        follows (setting, else the company contact's, else UTC)."""
        self.ensure_one()
        return self.subscription_tz or self.partner_id.tz or timezones.UTC

    def _subscription_today(self):
        """The company's date "today", in its subscription timezone."""
        self.ensure_one()
        return timezones.local_date(fields.Datetime.now(), self._subscription_tz())

    def _subscription_day_start(self, day):
        """Naive UTC datetime at which ``day`` begins for the company (what
        ``ir.cron._trigger(at=...)`` takes)."""
        self.ensure_one()
        return timezones.local_midnight_utc(day, self._subscription_tz())

    def _subscription_env(self, records):
        """``records`` with the company's timezone in the context, so that
        ``fields.Date.context_today`` gives the company's date."""
        self.ensure_one()
        return records.with_context(tz=self._subscription_tz())
