# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from . import subscription_metric_reconcile
from . import subscription_metric_health_backtest
