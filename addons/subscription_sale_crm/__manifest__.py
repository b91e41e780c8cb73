# Copyright 2026 Subscription Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
{
    "name": "Subscription Sale CRM",
    "summary": "Quotations from the renewal and expansion opportunities of subscriptions",
    "version": "18.0.1.0.0",
    "category": "Sales/Subscriptions",
    "website": "https://github.com/subscription-suite/subscription-suite",
    "author": "Subscription Suite Authors",
    "license": "LGPL-3",
    "application": False,
    "installable": True,
    "auto_install": True,
    "depends": ["subscription_sale", "subscription_engagement", "sale_crm"],
    "data": ["views/crm_lead_views.xml"],
}
