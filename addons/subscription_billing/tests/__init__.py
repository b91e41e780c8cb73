# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from . import test_access_rpc
from . import test_billed_served
from . import test_billing_portal
from . import test_billing_views
from . import test_charging
from . import test_concurrency
from . import test_credits
from . import test_dunning
from . import test_gate_billing
from . import test_invoicing
from . import test_preview_tax
from . import test_neutralize
from . import test_payment_attempt_rights
from . import test_payment_hardening
from . import test_stripe
from . import test_stripe_resolution
from . import test_stripe_webhook
