/** @odoo-module **/
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).

import { registry } from "@web/core/registry";

/**
 * The public sign-up page from a visitor's browser, driven by
 * tests/test_signup_tour.py: a plan with a trial (lands on the subscription
 * in trial) and a plan paid by card with the demo provider (lands on the
 * active subscription).
 */

// Page loads and payment round trips on a busy machine.
const SLOW = 30000;

function fillSignupForm(email) {
    return [
        {
            content: "Enter the name",
            trigger: "input#signup_name",
            timeout: SLOW,
            run: "edit Tour Visitor",
        },
        {
            content: "Enter the email",
            trigger: "input#signup_email",
            run: `edit ${email}`,
        },
        {
            content: "Enter the company",
            trigger: "input#signup_company",
            run: "edit Tour Company",
        },
        {
            content: "Three seats",
            trigger: "input#signup_quantity",
            run: "edit 3",
        },
        {
            content: "Add priority support",
            trigger: ".form-check:has(label:contains(Priority support)) input[name=addon_ids]",
            run: "click",
        },
        {
            content: "Subscribe",
            trigger: "button.o_subscription_signup_submit",
            run: "click",
        },
    ];
}

function waitForChatter() {
    return [
        {
            content: "Wait until the chatter has loaded its messages",
            trigger:
                "#chatterRoot:shadow .o-mail-Thread:has(.o-mail-Message, .o-mail-Thread-empty span)",
            timeout: SLOW,
        },
        {
            content: "Wait until the chatter is ready",
            trigger: "#chatterRoot:shadow .o-mail-Chatter",
            async run() {
                await odoo.portalChatterReady;
            },
        },
    ];
}

registry.category("web_tour.tours").add("subscription_engagement_signup_trial", {
    steps: () => [
        {
            content: "The plans side by side, the one of the link chosen",
            trigger:
                ".o_subscription_signup_tier[data-tier-code=enterprise] input[name=tier_id]:checked",
            timeout: SLOW,
        },
        {
            content: "The trial is announced",
            trigger: ".o_subscription_signup_tier[data-tier-code=enterprise] .badge:contains(days free trial)",
        },
        ...fillSignupForm("tour.trial@example.com"),
        {
            content: "Landed on the subscription, in trial",
            trigger: ".o_subscription_state[data-state=trial]",
            timeout: SLOW,
        },
        ...waitForChatter(),
    ],
});

registry.category("web_tour.tours").add("subscription_engagement_signup_card", {
    steps: () => [
        {
            content: "The plan of the link is chosen",
            trigger: ".o_subscription_signup_tier[data-tier-code=basic] input[name=tier_id]:checked",
            timeout: SLOW,
        },
        ...fillSignupForm("tour.card@example.com"),
        {
            content: "Odoo's payment form for the first invoice",
            trigger: "#pay_with input[name=o_payment_radio][data-payment-method-code=demo]",
            timeout: SLOW,
            run: "click",
        },
        {
            content: "Enter test card details",
            trigger: "#pay_with input[name=customer_input]",
            run: "edit 4111111111111111",
        },
        {
            content: "Pay",
            trigger: "#pay_with button[name=o_payment_submit_button]:not(:disabled)",
            run: "click",
        },
        {
            content: "Landed on the subscription, active",
            trigger: ".o_subscription_state[data-state=active]",
            timeout: SLOW,
        },
        ...waitForChatter(),
    ],
});
