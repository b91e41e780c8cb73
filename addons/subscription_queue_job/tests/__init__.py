# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from . import test_queue_dispatch
from . import test_queue_jobs_run
from . import test_queue_workers
