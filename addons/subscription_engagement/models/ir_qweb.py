# Copyright 2026 Subscription Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from lxml import etree

from odoo import models

#: Context key holding the per-batch memo of compiled inline templates.
MEMO_KEY = "subscription_qweb_memo"


class IrQweb(models.AbstractModel):
    """Compile an inline template once per batch of mails.

    Odoo renders a mail template's body record by record, and for an inline
    template (``mail.template.body_html``) each render parses and compiles
    the QWeb source again: for a batch of 1,000 reminders that is 1,000
    identical compilations, most of the time spent. When the context carries
    a memo (``subscription_qweb_memo``, a dict that ``_engagement_send`` puts
    there for one batch), the compiled functions are reused for the same
    source and the same context; the rendering itself, per record, is
    unchanged.
    """

    _inherit = "ir.qweb"

    def _compile(self, template):
        memo = self.env.context.get(MEMO_KEY)
        if memo is None or not isinstance(template, etree._Element):
            return super()._compile(template)
        key = (
            etree.tostring(template),
            tuple(
                sorted(
                    (name, repr(value))
                    for name, value in self.env.context.items()
                    if name != MEMO_KEY
                )
            ),
        )
        if key not in memo:
            memo[key] = super()._compile(template)
        return memo[key]
