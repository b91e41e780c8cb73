/** @odoo-module **/
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).

import { registry } from "@web/core/registry";

/**
 * Tours of the billing part of the subscription page, driven by
 * tests/test_billing_portal_tour.py at desktop and phone width: the portal
 * user's subscription is past due (its card was declined) with one open
 * invoice, and the demo payment provider is enabled in test mode.
 */

// Steps that wait for a page load or a payment round trip: generous on a
// busy machine (the default is 10 s per step).
const SLOW = 30000;

/**
 * End on a portal page with a chatter only once it has loaded: closing the
 * browser under its requests logs "Failed to fetch" errors.
 */
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

/** Fill the demo provider's inline form (a successful payment) and submit. */
function payWithDemoCard(scope = "") {
    return [
        {
            content: "Choose the demo provider's payment method",
            trigger: `${scope} input[name="o_payment_radio"][data-payment-method-code="demo"]`,
            timeout: SLOW,
            run: "click",
        },
        {
            content: "Enter test card details",
            trigger: `${scope} input[name="customer_input"]`,
            run: "edit 4111111111111111",
        },
        {
            content: "Submit",
            trigger: `${scope} button[name="o_payment_submit_button"]:not(:disabled)`,
            run: "click",
        },
    ];
}

registry.category("web_tour.tours").add("subscription_billing_portal_update_card", {
    steps: () => [
        {
            content: "The payments history says what failed and what happens next",
            trigger: ".o_subscription_attempt_row:has([data-state=declined]) .o_subscription_attempt_next",
            timeout: SLOW,
        },
        {
            content: "Open the payment method page",
            trigger: "a.o_subscription_update_payment_method",
            run: "click",
        },
        {
            content: "Odoo's payment form, in validation mode",
            trigger: "form#o_payment_form[data-mode=validation]",
            timeout: SLOW,
        },
        {
            content: "Show the methods to add a new card",
            trigger: "button[name=o_payment_expand_button]",
            run: "click",
        },
        ...payWithDemoCard(),
        {
            content: "Back on the subscription: the new card is used",
            trigger: ".o_subscription_success",
            timeout: SLOW,
        },
        {
            content: "The open invoice is to be charged again on the new card",
            trigger: ".o_subscription_attempt_row [data-state=scheduled]",
        },
        ...waitForChatter(),
    ],
});

registry.category("web_tour.tours").add("subscription_billing_portal_pay_invoice", {
    steps: () => [
        {
            content: "Pay the amount due",
            trigger: "a.o_subscription_pay_now",
            timeout: SLOW,
            run: "click",
        },
        {
            content: "Odoo's invoice page: Pay Now",
            trigger: "a[data-bs-target='#pay_with']:visible",
            timeout: SLOW,
            run: "click",
        },
        ...payWithDemoCard("#pay_with"),
        {
            content: "The invoice is paid",
            trigger: ".badge:contains(Paid)",
            timeout: SLOW,
        },
        ...waitForChatter(),
    ],
});

registry.category("web_tour.tours").add("subscription_billing_portal_invoice_pdf", {
    steps: () => [
        {
            content: "Each invoice has a PDF link",
            trigger: ".o_subscription_invoice_row a.o_subscription_invoice_pdf[download]",
            timeout: SLOW,
            async run() {
                const link = document.querySelector(
                    ".o_subscription_invoice_row a.o_subscription_invoice_pdf"
                );
                const response = await fetch(link.getAttribute("href"));
                const type = response.headers.get("Content-Type");
                const disposition = response.headers.get("Content-Disposition") || "";
                if (response.status !== 200 || type !== "application/pdf") {
                    throw new Error(`PDF link answered ${response.status} ${type}`);
                }
                if (!disposition.startsWith("attachment") || !disposition.includes(".pdf")) {
                    throw new Error(`PDF link is not a download: ${disposition}`);
                }
                link.classList.add("o_subscription_pdf_checked");
            },
        },
        {
            content: "The PDF answered as a download",
            trigger: ".o_subscription_pdf_checked",
        },
        {
            content: "The billing sections fit the screen (no sideways scrolling, e.g. at 390 px)",
            trigger: "#subscription_invoices",
            run() {
                const ids = [
                    "subscription_payment_method",
                    "subscription_billing_address",
                    "subscription_invoices",
                    "subscription_payments",
                ];
                for (const id of ids) {
                    const section = document.getElementById(id);
                    if (section && section.scrollWidth > section.clientWidth + 1) {
                        throw new Error(
                            `#${id} is wider than the screen: ${section.scrollWidth} > ${section.clientWidth}`
                        );
                    }
                }
            },
        },
        ...waitForChatter(),
    ],
});
