/** @odoo-module **/
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).

import { registry } from "@web/core/registry";

// Driven by tests/test_portal_tour.py: the portal user has one active
// subscription on the "basic" tier and moves it to the "pro" tier.
registry.category("web_tour.tours").add("subscription_portal_change_plan", {
    url: "/my/subscriptions",
    steps: () => [
        {
            content: "Open the subscription from the list",
            trigger: "tr.o_subscription_portal_row a",
            run: "click",
        },
        {
            content: "The detail page shows the current tier",
            trigger: ".o_subscription_tier_name:contains(Basic)",
        },
        {
            content: "Go to the change plan form",
            trigger: "a.o_subscription_change_plan",
            run: "click",
        },
        {
            content: "Pick the higher tier",
            trigger: "label[data-tier-code=pro] input[name=tier_id]",
            run: "click",
        },
        {
            content: "Ask for a preview",
            trigger: "button.o_subscription_preview",
            run: "click",
        },
        {
            content: "The preview shows the net amount to pay now",
            trigger: ".o_subscription_net:contains(40.00)",
        },
        {
            content: "Confirm the change",
            trigger: "button.o_subscription_confirm",
            run: "click",
        },
        {
            content: "Back on the detail page with a confirmation",
            trigger: ".o_subscription_success",
        },
        {
            content: "The new tier is shown",
            trigger: ".o_subscription_tier_name:contains(Pro)",
        },
    ],
});
