# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from . import test_access
from . import test_access_rpc
from . import test_change_plan
from . import test_gate
from . import test_gate_rpc
from . import test_lifecycle
from . import test_mrr_property
from . import test_portal
from . import test_portal_refusals
from . import test_portal_tour
from . import test_query_budget
from . import test_renewal_engine
from . import test_timezone
from . import test_webhook
from . import test_webhook_guard
from . import test_wizards
