/** @odoo-module **/
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).

import { registry } from "@web/core/registry";

const MODAL = ".modal:not(.o_inactive_modal)";

function pickMany2one(fieldName, text, scope = "") {
    return [
        {
            content: `Type ${text}`,
            trigger: `${scope} .o_field_widget[name=${fieldName}] input`,
            run: `edit ${text}`,
        },
        {
            content: `Pick ${text}`,
            trigger: `.o-autocomplete--dropdown-item > a:contains(${text})`,
            run: "click",
        },
    ];
}

function statusIs(label) {
    return {
        content: `The subscription is ${label}`,
        trigger: `.o_statusbar_status button.o_arrow_button_current:contains(${label})`,
    };
}

// Driven by tests/test_staff_tour.py: a subscription user on the web client,
// customer "Customer A", tiers Basic and Pro, cycle "Test Monthly", reason
// "Too expensive (test)".
registry.category("web_tour.tours").add("subscription_staff_flow", {
    steps: () => [
        {
            content: "Create a subscription",
            trigger: ".o_list_button_add",
            run: "click",
        },
        ...pickMany2one("partner_id", "Customer A"),
        ...pickMany2one("tier_id", "Basic"),
        ...pickMany2one("cycle_id", "Test Monthly"),
        {
            content: "Start it",
            trigger: ".o_statusbar_buttons button[name=action_start]",
            run: "click",
        },
        statusIs("Active"),
        {
            content: "Open the change plan wizard",
            trigger: ".o_statusbar_buttons button:contains(Change Plan)",
            run: "click",
        },
        ...pickMany2one("tier_id", "Pro", MODAL),
        {
            content: "The preview shows an upgrade applied now, with its amounts",
            trigger: `${MODAL} div[name=preview_change_type]:contains(Upgrade)`,
        },
        {
            trigger: `${MODAL} div[name=preview_amount_total]`,
        },
        {
            content: "Confirm the change",
            trigger: `${MODAL} .modal-footer button[name=action_confirm]`,
            run: "click",
        },
        {
            content: "The form shows the new tier",
            trigger: "body:not(:has(.modal)) div[name=tier_id]:contains(Pro)",
        },
        {
            content: "Pause",
            trigger: ".o_statusbar_buttons button:contains(Pause)",
            run: "click",
        },
        {
            content: "Resume in ten days",
            trigger: `${MODAL} div[name=until] input`,
            async run(helpers) {
                const until = luxon.DateTime.now().plus({ days: 10 }).toFormat("MM/dd/yyyy");
                await helpers.edit(until);
                await helpers.press("Enter");
            },
        },
        {
            content: "The wizard says when it resumes",
            trigger: `${MODAL} .text-muted:contains(resumes by itself)`,
        },
        {
            content: "Confirm the pause",
            trigger: `${MODAL} .modal-footer button[name=action_confirm]`,
            run: "click",
        },
        statusIs("Paused"),
        {
            content: "The resume date is shown",
            trigger: "div[name=pause_until]:not(:empty)",
        },
        {
            content: "Resume",
            trigger: ".o_statusbar_buttons button[name=action_resume]",
            run: "click",
        },
        statusIs("Active"),
        {
            content: "Cancel",
            trigger: ".o_statusbar_buttons button:contains(Cancel Subscription)",
            run: "click",
        },
        ...pickMany2one("reason_id", "Too expensive (test)", MODAL),
        {
            content: "Say why",
            trigger: `${MODAL} div[name=feedback] textarea`,
            run: "edit Budget cut",
        },
        {
            content: "Confirm the cancellation at the end of the period",
            trigger: `${MODAL} .modal-footer button[name=action_confirm]`,
            run: "click",
        },
        {
            content: "The form says it is cancelling, without the auto renew box",
            trigger: "body:not(:has(.modal)) .ribbon:contains(Cancelling)",
        },
        {
            trigger: ".o_form_view:not(:has(div[name=auto_renew]))",
        },
        {
            content: "Undo the cancellation",
            trigger: ".o_statusbar_buttons button[name=action_undo_cancel]",
            run: "click",
        },
        {
            content: "Running again, auto renew back",
            trigger: ".o_form_view:not(:has(.ribbon)) div[name=auto_renew]",
        },
    ],
});
