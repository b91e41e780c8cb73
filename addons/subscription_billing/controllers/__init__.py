# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from . import portal
from . import portal_payment_method
from . import portal_billing_address
from . import stripe
