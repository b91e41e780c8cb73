# Copyright 2026 Subscription Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
{
    "name": "Subscription Sale",
    "summary": "Quotations that create or change subscriptions on confirmation",
    "version": "18.0.1.0.0",
    "category": "Sales/Subscriptions",
    "website": "https://github.com/subscription-suite/subscription-suite",
    "author": "Subscription Suite Authors",
    "license": "LGPL-3",
    "application": False,
    "installable": True,
    "auto_install": True,
    "depends": ["subscription_billing", "sale_management"],
    "data": [
        "security/ir.model.access.csv",
        "data/subscription_cancel_reason_data.xml",
        "views/account_move_views.xml",
        "views/sale_order_views.xml",
        "views/subscription_subscription_views.xml",
    ],
    "demo": ["demo/sale_order_demo.xml"],
}
