/** @odoo-module **/
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).

import { registry } from "@web/core/registry";

/**
 * Last steps of a tour that ends on a portal page with a chatter: the page
 * keeps loading the chatter (its assets, then /portal/chatter_init, then the
 * messages) after its own content is shown. A tour that ended before would
 * close the browser under those requests ("Error received after termination:
 * TypeError: Failed to fetch", an error line that fails the run on a busy
 * machine). These steps end the tour only when the chatter is mounted, has
 * loaded its messages (or says the conversation is empty) and is ready.
 */
export function waitForPortalChatter() {
    return [
        {
            content: "Wait until the chatter has loaded its messages",
            trigger:
                "#chatterRoot:shadow .o-mail-Thread:has(.o-mail-Message, .o-mail-Thread-empty span)",
        },
        {
            content: "Wait until the chatter is ready (no request left running)",
            trigger: "#chatterRoot:shadow .o-mail-Chatter",
            async run() {
                await odoo.portalChatterReady;
            },
        },
    ];
}

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
        ...waitForPortalChatter(),
    ],
});
