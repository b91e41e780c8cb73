# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from . import account_move
from . import sale_order
from . import sale_order_line
from . import subscription_subscription
