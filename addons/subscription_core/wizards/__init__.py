# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from . import subscription_cancel
from . import subscription_change_plan
from . import subscription_pause
