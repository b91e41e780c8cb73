# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

GROSS_MARGIN_PARAM = "subscription_reports.gross_margin"


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    subscription_gross_margin = fields.Float(
        string="Gross Margin for LTV",
        config_parameter=GROSS_MARGIN_PARAM,
        default=1.0,
        help="Fraction of the revenue kept after the cost of serving it (0.8 = 80 %): "
        "LTV = ARPU x gross margin / monthly churn rate.",
    )

    def set_values(self):
        """A new gross margin re-builds the LTV forecasts, which store it."""
        params = self.env["ir.config_parameter"].sudo()
        before = params.get_param(GROSS_MARGIN_PARAM)
        result = super().set_values()
        if params.get_param(GROSS_MARGIN_PARAM) != before:
            self.env["subscription.ltv.forecast.report"].sudo()._build_all()
        return result

    @api.constrains("subscription_gross_margin")
    def _check_subscription_gross_margin(self):
        for settings in self:
            if not 0 <= settings.subscription_gross_margin <= 1:
                raise ValidationError(
                    _("The gross margin is a fraction between 0 and 1 (e.g. 0.8 for 80 %).")
                )
