"""Pure-Python helpers of subscription_billing: no Odoo import here."""
