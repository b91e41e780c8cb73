/** @odoo-module **/
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).

import { registry } from "@web/core/registry";

// The detail page loads its chatter after its content: end a tour there only
// once the chatter is ready, so the browser is not closed under its requests.
const waitForChatter = [
    {
        content: "Wait until the chatter has loaded its messages",
        trigger: "#chatterRoot:shadow .o-mail-Thread:has(.o-mail-Message, .o-mail-Thread-empty span)",
    },
    {
        content: "Wait until the chatter is ready",
        trigger: "#chatterRoot:shadow .o-mail-Chatter",
        async run() {
            await odoo.portalChatterReady;
        },
    },
];

function cancelUntilOffers(feedback) {
    return [
        {
            content: "Start the cancellation",
            trigger: "a.o_subscription_cancel",
            run: "click",
        },
        {
            content: "Give the reason",
            trigger: "select[name=reason_id]",
            run: "selectByLabel Too expensive",
        },
        {
            content: "Say why",
            trigger: "textarea[name=feedback]",
            run: `edit ${feedback}`,
        },
        {
            content: "Confirm the cancellation form",
            trigger: "button.o_subscription_cancel_confirm",
            run: "click",
        },
        {
            content: "The save offers are shown before the cancellation",
            trigger: ".o_subscription_retention_offer:contains(20% off for 3 months)",
        },
    ];
}

// Driven by tests/test_retention_portal.py.
registry.category("web_tour.tours").add("subscription_retention_accept", {
    steps: () => [
        ...cancelUntilOffers("The price is too high for our small team"),
        {
            content: "Take the discount",
            trigger:
                ".o_subscription_retention_offer:contains(20% off for 3 months) button.o_subscription_accept_offer",
            run: "click",
        },
        {
            content: "Back on the subscription, saved",
            trigger: ".o_subscription_success:contains(your offer has been applied)",
        },
        ...waitForChatter,
    ],
});

registry.category("web_tour.tours").add("subscription_retention_decline", {
    steps: () => [
        ...cancelUntilOffers("We are moving to another tool"),
        {
            content: "Decline the offers and cancel",
            trigger: "button.o_subscription_decline_offers",
            run: "click",
        },
        {
            content: "The cancellation is scheduled",
            trigger: ".o_subscription_cancel_banner",
        },
        ...waitForChatter,
    ],
});
