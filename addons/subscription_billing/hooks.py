# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).


def post_init_hook(env):
    """Every company gets the standard dunning policy as its default, so that
    a failed payment always has a policy to follow (subscriptions without a
    policy of their own use their company's)."""
    env["res.company"].search([])._set_default_subscription_dunning_policy()
