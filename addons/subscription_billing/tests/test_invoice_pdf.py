# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import html
import io
import shutil
from datetime import date

from odoo.tests import HttpCase, freeze_time, tagged
from odoo.tools import mute_logger
from odoo.tools.pdf import OdooPdfFileReader

from .common import BillingCommon

# Debian's wkhtmltopdf is built on an unpatched Qt: Odoo warns that it ignores
# the header and footer switches (the official Docker image has the patched
# build). The PDF itself is asserted below.
UNPATCHED_QT_NOTICE = "odoo.addons.base.models.ir_actions_report"


@tagged("post_install", "-at_install")
class TestInvoicePdf(BillingCommon, HttpCase):
    """A subscription invoice prints to a real PDF with wkhtmltopdf (which
    bin/run, .ci/run and the Docker image provide), and Odoo's "Send
    invoices automatically" job sends it with its PDF. HttpCase: wkhtmltopdf
    loads the report's assets from the test server."""

    def setUp(self):
        super().setUp()
        self.sub = self._billed_subscription(
            on=date(2026, 4, 1), tier=self.tier_pro, addons={self.addon_support: 1}
        )
        self.invoice = self.sub.invoice_ids
        # Reports are rendered for real (Odoo's tests get HTML otherwise).
        self.Report = self.env["ir.actions.report"].with_context(force_report_rendering=True)

    def test_wkhtmltopdf_is_installed(self):
        self.assertTrue(
            shutil.which("wkhtmltopdf"), "wkhtmltopdf is missing: run bin/test or .ci/run as root"
        )

    def test_invoice_renders_to_pdf_with_period_and_subscription(self):
        self.assertEqual(len(self.invoice), 1)
        self.assertEqual(self.invoice.state, "posted")
        page, kind = self.env["ir.actions.report"]._render_qweb_html(
            "account.account_invoices", self.invoice.ids
        )
        self.assertEqual(kind, "html")
        text = html.unescape(page.decode())
        self.assertIn(self.invoice.name, text)
        self.assertIn(self.sub.name, text)  # the invoice's source
        lines = self.invoice.invoice_line_ids
        self.assertEqual(len(lines), 2)
        for line in lines:
            # Each line names what it bills and the period it covers.
            self.assertEqual(line.subscription_period_start, date(2026, 4, 1))
            self.assertIn(line.name, text)
        self.assertIn(self.tier_pro.name, text)
        self.assertIn(self.addon_support.name, text)

        with mute_logger(UNPATCHED_QT_NOTICE):
            pdf, kind = self.Report._render_qweb_pdf("account.account_invoices", self.invoice.ids)
        self.assertEqual(kind, "pdf")
        self.assertTrue(pdf.startswith(b"%PDF-"), pdf[:40])
        self.assertGreater(len(pdf), 5000)
        reader = OdooPdfFileReader(io.BytesIO(pdf), strict=False)
        self.assertGreaterEqual(reader.getNumPages(), 1)

    def test_send_invoices_job_attaches_the_pdf(self):
        """Invoices of subscriptions paid by invoice wait for Odoo's sending
        job; it renders each PDF, attaches it and clears the queue, also for
        several invoices at once (which Debian's wkhtmltopdf cannot print in
        one call: see models/ir_actions_report.py)."""
        other = self._billed_subscription(on=date(2026, 4, 1), partner=self.other_customer)
        invoices = self.invoice | other.invoice_ids
        self.assertEqual(len(invoices), 2)
        self.assertTrue(all(invoices.mapped("sending_data")))
        with freeze_time(date(2026, 4, 1)), mute_logger(UNPATCHED_QT_NOTICE):
            self.env["account.move"].with_context(
                force_report_rendering=True
            )._cron_account_move_send(job_count=5)
        for invoice in invoices:
            self.assertFalse(invoice.sending_data)
            self.assertTrue(invoice.is_move_sent)
            attachment = invoice.invoice_pdf_report_id
            self.assertTrue(attachment)
            self.assertEqual(attachment.mimetype, "application/pdf")
            self.assertTrue(attachment.raw.startswith(b"%PDF-"))

    def test_several_invoices_print_at_once(self):
        other = self._billed_subscription(on=date(2026, 4, 1), partner=self.other_customer)
        invoices = self.invoice | other.invoice_ids
        with mute_logger(UNPATCHED_QT_NOTICE):
            pdf, kind = self.Report._render_qweb_pdf("account.account_invoices", invoices.ids)
        self.assertEqual(kind, "pdf")
        reader = OdooPdfFileReader(io.BytesIO(pdf), strict=False)
        self.assertGreaterEqual(reader.getNumPages(), 2)
