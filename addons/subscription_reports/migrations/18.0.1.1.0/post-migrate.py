# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""18.0.1.1.0: the reports read tables kept by the snapshot builder
(movements, customer months, monthly sums). Drop the snapshots and the
builder's watermark so that the next run of the daily job rebuilds every
table from the first ledger event."""


def migrate(cr, version):
    if not version:
        return
    cr.execute("DELETE FROM subscription_metric_snapshot")
    cr.execute(
        "DELETE FROM ir_config_parameter WHERE key = 'subscription_reports.snapshot_last_event_id'"
    )
