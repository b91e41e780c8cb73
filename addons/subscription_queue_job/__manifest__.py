# Copyright 2026 Subscription Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
{
    "name": "Subscription Queue Jobs",
    "summary": "Renewal, invoicing and charging batches as OCA queue jobs, "
    "shared by several Odoo servers",
    "version": "18.0.1.0.0",
    "category": "Sales/Subscriptions",
    "website": "https://github.com/subscription-suite/subscription-suite",
    "author": "Subscription Suite Authors",
    "license": "LGPL-3",
    "application": False,
    "installable": True,
    "depends": ["queue_job", "subscription_billing"],
    "data": [
        # Channels first: the job functions name them.
        "data/queue_job_channel_data.xml",
        "data/queue_job_function_data.xml",
    ],
}
