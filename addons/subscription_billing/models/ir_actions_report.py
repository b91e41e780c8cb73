# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Printing several invoices at once with the distributions' wkhtmltopdf.

Debian's and Ubuntu's ``wkhtmltopdf`` package is built on an unpatched Qt,
which cannot render several pages into one PDF ("Exit with code 1"). Odoo
prints a batch of records in one call: Odoo's "Send invoices automatically"
job (which sends the invoices of subscriptions paid by invoice) and printing
several invoices from a list then fail. With such a build, each record is
printed on its own and the streams are collected as Odoo would have split
them; with the patched build (the official Docker image's), nothing changes.
"""

import functools
import logging
import subprocess

from odoo import models

from odoo.addons.base.models.ir_actions_report import _get_wkhtmltopdf_bin

_logger = logging.getLogger(__name__)


@functools.cache
def wkhtmltopdf_prints_batches():
    """Whether the installed wkhtmltopdf is the patched-Qt build (it says
    "with patched qt" in its version), which prints several pages at once."""
    try:
        version = subprocess.run(
            [_get_wkhtmltopdf_bin(), "--version"],
            capture_output=True,
            timeout=30,
            check=False,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return True  # missing: Odoo reports that itself
    patched = b"patched qt" in version.lower()
    if not patched:
        _logger.info("wkhtmltopdf is built on an unpatched Qt: reports are printed one at a time")
    return patched


class IrActionsReport(models.Model):
    _inherit = "ir.actions.report"

    def _render_qweb_pdf_prepare_streams(self, report_ref, data, res_ids=None):
        if not res_ids or len(set(res_ids)) < 2 or wkhtmltopdf_prints_batches():
            return super()._render_qweb_pdf_prepare_streams(report_ref, data, res_ids=res_ids)
        streams = {}
        for res_id in dict.fromkeys(res_ids):
            streams.update(
                super()._render_qweb_pdf_prepare_streams(report_ref, data, res_ids=[res_id])
            )
        return streams
