# Copyright 2026 Subscription Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
{
    "name": "Subscriptions",
    "summary": "Subscription catalog, lifecycle, event ledger, customer view, "
    "self-service portal and outgoing webhooks",
    "version": "18.0.1.1.0",
    "category": "Sales/Subscriptions",
    "website": "https://github.com/subscription-suite/subscription-suite",
    "author": "Subscription Suite Authors",
    "license": "LGPL-3",
    "application": True,
    "installable": True,
    "depends": ["mail", "portal", "product"],
    "external_dependencies": {"python": ["requests"]},
    "data": [
        # Security first: groups before the ACLs that name them.
        "security/subscription_security.xml",
        "security/ir.model.access.csv",
        # Record data.
        "data/ir_sequence_data.xml",
        "data/subscription_cycle_data.xml",
        "data/subscription_cancel_reason_data.xml",
        "data/ir_cron.xml",
        "data/subscription_webhook_cron.xml",
        # Wizards and model views.
        "wizards/subscription_change_plan_views.xml",
        "wizards/subscription_cancel_views.xml",
        "wizards/subscription_pause_views.xml",
        "views/subscription_subscription_views.xml",
        "views/subscription_catalog_views.xml",
        "views/subscription_event_views.xml",
        "views/subscription_cancel_reason_views.xml",
        "views/subscription_webhook_views.xml",
        "views/res_partner_views.xml",
        "views/res_company_views.xml",
        # QWeb templates.
        "views/subscription_portal_templates.xml",
        "views/subscription_portal_action_templates.xml",
        # Last because it references the actions defined above.
        "views/subscription_menus.xml",
    ],
    "demo": [
        "demo/subscription_demo.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "subscription_core/static/tests/tours/**/*",
        ],
    },
}
