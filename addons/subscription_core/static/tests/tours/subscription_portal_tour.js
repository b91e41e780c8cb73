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

/**
 * Throw unless every element matched by `selector` is shown whole: inside the
 * window, inside its scrolling container (a responsive table scrolls sideways
 * instead of showing what does not fit) and, when `boxSelector` is given,
 * inside its closest such box (a tile of the /my page).
 */
export function assertShownWhole(selector, boxSelector = null) {
    const elements = document.querySelectorAll(selector);
    if (!elements.length) {
        throw new Error(`Nothing matches ${selector}`);
    }
    const viewportWidth = document.documentElement.clientWidth;
    for (const element of elements) {
        const rect = element.getBoundingClientRect();
        const limits = [{ what: "the window", left: 0, right: viewportWidth }];
        const scroller = element.closest(".table-responsive");
        if (scroller) {
            const box = scroller.getBoundingClientRect();
            limits.push({ what: "its table", left: box.left, right: box.right });
        }
        const box = boxSelector && element.closest(boxSelector);
        if (box) {
            const boxRect = box.getBoundingClientRect();
            limits.push({ what: boxSelector, left: boxRect.left, right: boxRect.right });
        }
        if (!rect.width || !rect.height) {
            throw new Error(`${selector} is not shown (${viewportWidth}px wide window)`);
        }
        for (const limit of limits) {
            if (rect.left < limit.left - 1 || rect.right > limit.right + 1) {
                throw new Error(
                    `${selector} is cut off by ${limit.what}: it spans ${rect.left}-${rect.right}px, ` +
                        `${limit.what} ${limit.left}-${limit.right}px (${viewportWidth}px wide window)`
                );
            }
        }
    }
}

// Driven by tests/test_portal_tour.py at desktop and phone width: the portal
// user has one active subscription on the "basic" tier with an add-on and
// moves it to the "pro" tier.
registry.category("web_tour.tours").add("subscription_portal_change_plan", {
    url: "/my",
    steps: () => [
        {
            content: "The Subscriptions tile of /my shows its title whole, beside a small pictogram",
            trigger: ".o_portal_index_card a[href='/my/subscriptions']",
            run() {
                const tile = ".o_portal_index_card";
                const link = "a[href='/my/subscriptions']";
                assertShownWhole(`${link} .o_portal_icon img`, tile);
                assertShownWhole(`${link} span:not([data-placeholder_count])`, tile);
                const icon = document.querySelector(`${link} .o_portal_icon img`);
                if (icon.getBoundingClientRect().width > 64) {
                    throw new Error("The tile's pictogram is wider than Odoo's (64 px)");
                }
            },
        },
        {
            content: "Open the list from the tile",
            trigger: ".o_portal_index_card a[href='/my/subscriptions']",
            run: "click",
        },
        {
            content: "Each row shows its amount and status whole",
            trigger: "tr.o_subscription_portal_row .o_subscription_state",
            run() {
                assertShownWhole("tr.o_subscription_portal_row a");
                assertShownWhole("tr.o_subscription_portal_row .o_subscription_row_amount span");
                assertShownWhole("tr.o_subscription_portal_row .o_subscription_state");
            },
        },
        {
            content: "Open the subscription from the list",
            trigger: "tr.o_subscription_portal_row a",
            run: "click",
        },
        {
            content: "The detail page shows the current tier, amount, status and add-ons whole",
            trigger: ".o_subscription_tier_name:contains(Basic)",
            run() {
                assertShownWhole(".o_subscription_recurring_amount");
                assertShownWhole("#introduction .o_subscription_state");
                assertShownWhole(".o_subscription_addon_line td:last-child span");
            },
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
            run() {
                assertShownWhole(".o_subscription_new_amount span");
                assertShownWhole(".o_subscription_total span");
            },
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

// Driven by tests/test_portal_tour.py at desktop and phone width: the portal
// user schedules a downgrade from "pro" to "basic", then keeps the current plan.
registry.category("web_tour.tours").add("subscription_portal_undo_downgrade", {
    url: "/my/subscriptions",
    steps: () => [
        {
            content: "Open the subscription from the list",
            trigger: "tr.o_subscription_portal_row a",
            run: "click",
        },
        {
            content: "The detail page shows the current tier",
            trigger: ".o_subscription_tier_name:contains(Pro)",
        },
        {
            content: "Go to the change plan form",
            trigger: "a.o_subscription_change_plan",
            run: "click",
        },
        {
            content: "Pick the lower tier",
            trigger: "label[data-tier-code=basic] input[name=tier_id]",
            run: "click",
        },
        {
            content: "Ask for a preview",
            trigger: "button.o_subscription_preview",
            run: "click",
        },
        {
            content: "The preview says the downgrade waits for the end of the period",
            trigger: ".o_subscription_portal_preview .o_subscription_effective_date",
            run() {
                assertShownWhole(".o_subscription_portal_preview .o_subscription_net");
            },
        },
        {
            content: "Confirm the change",
            trigger: "button.o_subscription_confirm",
            run: "click",
        },
        {
            content: "The change is scheduled, the current tier stays until then",
            trigger: ".o_subscription_pending_banner:contains(Basic)",
        },
        {
            content: "Keep the current plan",
            trigger: "button.o_subscription_undo_change",
            run: "click",
        },
        {
            content: "A confirmation says the current plan continues",
            trigger: ".o_subscription_success",
        },
        {
            content: "No change is scheduled any more",
            trigger: "body:not(:has(.o_subscription_pending_banner))",
        },
        {
            content: "The tier is unchanged",
            trigger: ".o_subscription_tier_name:contains(Pro)",
        },
        ...waitForPortalChatter(),
    ],
});
