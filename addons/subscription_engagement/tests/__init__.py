# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from . import test_automation_batch
from . import test_engagement_access
from . import test_engagement_access_rpc
from . import test_engagement_i18n
from . import test_engagement_lifecycle
from . import test_engagement_messages
from . import test_engagement_opt_out
from . import test_feedback
from . import test_retention_offers
from . import test_retention_portal
from . import test_segment
from . import test_nps
from . import test_crm
from . import test_cross_sell
from . import test_winback
from . import test_render_batch
