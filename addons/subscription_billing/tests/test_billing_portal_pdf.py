# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import re

from odoo import fields
from odoo.tests import HttpCase, tagged

from .common import BillingCommon


@tagged("post_install", "-at_install")
class TestBillingPortalPdf(BillingCommon, HttpCase):
    """Each invoice on the subscription page links to Odoo's own portal
    invoice PDF, which its customer can download (and no one else)."""

    def setUp(self):
        super().setUp()
        self.sub = self._billed_subscription(on=fields.Date.today())
        self.invoice = self.sub.invoice_ids
        self.authenticate(self.portal_user.login, self.portal_user.login + "_password")

    def _pdf_link(self):
        page = self.url_open(f"/my/subscriptions/{self.sub.id}").text
        anchor = re.search(r"<a [^>]*o_subscription_invoice_pdf[^>]*>", page)
        self.assertTrue(anchor, "no PDF link on the subscription page")
        return re.search(r'href="([^"]+)"', anchor.group(0)).group(1).replace("&amp;", "&")

    def test_link_downloads_the_invoice_pdf(self):
        link = self._pdf_link()
        self.assertTrue(link.startswith(f"/my/invoices/{self.invoice.id}?"), link)
        self.assertIn("report_type=pdf", link)
        self.assertIn("download=true", link)
        response = self.url_open(link)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["Content-Type"], "application/pdf")
        disposition = response.headers["Content-Disposition"]
        self.assertTrue(disposition.startswith("attachment"), disposition)
        self.assertIn(".pdf", disposition)
        # In test mode Odoo renders the report as HTML inside the PDF
        # response (unless force_report_rendering): the invoice is in it.
        self.assertIn(self.invoice.name, response.content.decode(errors="replace"))

    def test_other_customer_cannot_download_it(self):
        link = self._pdf_link()
        self.authenticate(self.portal_user_b.login, self.portal_user_b.login + "_password")
        # Without the token, account's own portal refuses it.
        response = self.url_open(link.split("?")[0] + "?report_type=pdf&download=true")
        self.assertNotEqual(response.headers.get("Content-Type"), "application/pdf")
        self.assertNotIn(self.invoice.name, response.text)
        # Nor does B's page list it.
        response = self.url_open(f"/my/subscriptions/{self.sub.id}", allow_redirects=False)
        self.assertNotIn("o_subscription_invoice_pdf", response.text)
