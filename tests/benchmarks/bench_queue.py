# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Benchmark of subscription_queue_job (not a test: run it with
``bin/bench --only queue``).

On a database where subscription_queue_job and payment_demo are installed
(without demo data), it seeds N auto-charged subscriptions due today with
``bench_billing.seed`` and sets ``subscription_queue_job.mode`` to
``queue``. Then, for each number of job workers K (``--workers``, default
1,2), on a copy of that database (``CREATE DATABASE ... TEMPLATE``, so that
every K starts from the same data), it:

* starts a real Odoo server on a free port: ``odoo-bin --load=base,web,queue_job
  --workers=K`` (prefork, with queue_job's job runner as one more process),
  ``ODOO_QUEUE_JOB_CHANNELS=root:K``, no cron thread, and Odoo's default
  limits (``limit_time_cpu`` 60 s, ``limit_time_real`` 120 s, memory 2048/2560
  MiB), whatever the configuration file says;
* calls the renewal scheduled action once (it queues the renewal jobs; the
  jobs queue the invoicing jobs, which queue the charging jobs) and waits
  until no job is waiting or running and every invoice is paid; when the
  queue empties with work left, it runs the three scheduled actions again,
  as their schedule would (``queue_w<K>_cron_reruns``);
* samples the server's processes twice a second (CPU seconds and peak RSS
  from ``/proc``) and the PostgreSQL backends of the database;
* checks N renewed, N invoices posted, N paid, no job failed, then stops the
  server.

Each measure is printed as ``RESULT <name> <value>``: ``queue_w<K>_seconds``
(first scheduled action call to the last invoice paid),
``queue_w<K>_invoices_per_second``, per job worker ``queue_w<K>_worker<i>_cpu_seconds``
and ``..._peak_rss_mb``, ``queue_w<K>_longest_job_seconds`` against
``queue_w<K>_limit_time_real``, ``queue_w<K>_jobs_<stage>``, and
``queue_speedup_<K>_vs_<first K>``.

    python tests/benchmarks/bench_queue.py -c odoo.conf -d DB --count 10000 \\
        [--workers 1,2] [--odoo-bin PATH] [--keep]
"""

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_billing import check_modules, note, result, seed, setup_accounting  # noqa: E402

#: Odoo's own defaults (odoo/tools/config.py), passed explicitly: the
#: suite's odoo.conf raises the time limits for bin/run.
DEFAULT_LIMITS = {
    "limit_time_cpu": 60,
    "limit_time_real": 120,
    "limit_memory_soft": 2048 * 1024 * 1024,
    "limit_memory_hard": 2560 * 1024 * 1024,
}
ACTIVE_STATES = ("wait_dependencies", "pending", "enqueued", "started")
STAGES = ("renewal", "invoicing", "charging")
SAMPLE_SECONDS = 0.5


# --------------------------------------------------------------- databases


def admin_cursor():
    import odoo.sql_db

    cr = odoo.sql_db.db_connect("postgres").cursor()
    cr._cnx.autocommit = True  # CREATE/DROP DATABASE refuse transactions
    return cr


def release(dbname):
    """Close this process's registry and connections of ``dbname``."""
    import odoo

    odoo.modules.registry.Registry.delete(dbname)
    odoo.sql_db.close_db(dbname)


def drop_database(name):
    import odoo

    release(name)
    with admin_cursor() as cr:
        cr.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    shutil.rmtree(odoo.tools.config.filestore(name), ignore_errors=True)


def clone_database(source, name):
    import odoo

    drop_database(name)
    release(source)
    with admin_cursor() as cr:
        cr.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
    store = odoo.tools.config.filestore(source)
    if os.path.isdir(store):
        shutil.copytree(store, odoo.tools.config.filestore(name))


# --------------------------------------------------------------- processes


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def proc_stat(pid):
    """(CPU seconds, peak RSS in MiB) of ``pid``, None once it is gone."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            hwm = next((line for line in status if line.startswith("VmHWM:")), None)
    except (OSError, StopIteration):
        return None
    ticks = os.sysconf("SC_CLK_TCK")
    # Fields 14 and 15 of stat (utime, stime): 12 and 13 after the name.
    cpu = (int(fields[11]) + int(fields[12])) / ticks
    rss = int(hwm.split()[1]) / 1024.0 if hwm else 0.0
    return cpu, rss


def children(pid):
    """Every descendant process of ``pid``."""
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        try:
            with open(f"/proc/{parent}/task/{parent}/children", encoding="ascii") as kids:
                pids = [int(kid) for kid in kids.read().split()]
        except OSError:
            continue
        found += pids
        todo += pids
    return found


def cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as line:
            return line.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


class Sampler:
    """Last CPU seconds and peak RSS seen of every process sampled (a
    process recycled by Odoo keeps its last sample)."""

    def __init__(self):
        self.stats = {}

    def sample(self, pids):
        for pid in pids:
            stat = proc_stat(pid)
            if stat:
                self.stats[pid] = stat

    def cpu(self, pids):
        return sum(self.stats[pid][0] for pid in pids if pid in self.stats)


class Server:
    """A real Odoo server (prefork, queue_job's job runner) on ``dbname``."""

    def __init__(self, args, dbname, workers, logfile):
        self.dbname = dbname
        self.logfile = logfile
        self.port = free_port()
        cmd = [
            sys.executable,
            args.odoo_bin,
            "-c",
            args.config,
            "-d",
            dbname,
            f"--db-filter=^{re.escape(dbname)}$",
            "--load=base,web,queue_job",
            f"--workers={workers}",
            "--max-cron-threads=0",
            "--http-interface=127.0.0.1",
            f"--http-port={self.port}",
            f"--logfile={logfile}",
            "--log-level=info",
        ]
        cmd += [f"--{key.replace('_', '-')}={value}" for key, value in DEFAULT_LIMITS.items()]
        env = dict(
            os.environ,
            ODOO_QUEUE_JOB_CHANNELS=f"root:{workers}",
            ODOO_QUEUE_JOB_HOST="127.0.0.1",
            ODOO_QUEUE_JOB_PORT=str(self.port),
        )
        if os.path.exists(logfile):
            os.unlink(logfile)
        note(f"starting: ODOO_QUEUE_JOB_CHANNELS=root:{workers} {' '.join(cmd[1:])}")
        self.process = subprocess.Popen(  # pylint: disable=consider-using-with
            cmd, env=env, stdin=subprocess.DEVNULL, start_new_session=True
        )
        self.runner_pid = None

    def log_text(self):
        try:
            with open(self.logfile, encoding="utf-8", errors="replace") as log:
                return log.read()
        except OSError:
            return ""

    def wait_ready(self, timeout=180):
        """Until the job runner is ready for the database; the runner is
        the process queue_job spawns last (the youngest child)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"the Odoo server stopped (see {self.logfile})")
            if f"queue job runner ready for db {self.dbname}" in self.log_text():
                kids = [pid for pid in children(self.process.pid) if "gevent" not in cmdline(pid)]
                self.runner_pid = max(kids, key=lambda pid: os.stat(f"/proc/{pid}").st_ctime)
                return
            time.sleep(0.5)
        self.stop()
        raise SystemExit(f"the job runner was not ready after {timeout}s (see {self.logfile})")

    def processes(self):
        return [self.process.pid, *children(self.process.pid)]

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        try:
            # Anything left in the server's own process group.
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


# --------------------------------------------------------------- the day


def job_states(cr):
    cr.execute("SELECT state, count(*) FROM queue_job GROUP BY state")
    return dict(cr.fetchall())


def billed(cr, prefix, today):
    """(renewed, posted, paid) among the seeded subscriptions."""
    cr.execute(
        """
        SELECT count(*) FILTER (WHERE m.state = 'posted'),
               count(*) FILTER (WHERE m.payment_state IN ('paid', 'in_payment'))
          FROM account_move m
          JOIN subscription_subscription s ON s.id = m.subscription_id
         WHERE s.name LIKE %s AND m.subscription_period_start = %s
           AND m.subscription_invoice_kind = 'period'
        """,
        [prefix + "%", today],
    )
    posted, paid = cr.fetchone()
    cr.execute(
        """
        SELECT count(*) FROM subscription_event e
          JOIN subscription_subscription s ON s.id = e.subscription_id
         WHERE s.name LIKE %s AND e.event_type = 'renewed'
        """,
        [prefix + "%"],
    )
    return cr.fetchone()[0], posted, paid


def run_crons(env):
    """The three scheduled actions, as their schedule would run them; the
    number of jobs they queued."""
    queued = 0
    for model, method in (
        ("subscription.subscription", "_cron_process_due"),
        ("subscription.billing.period", "_cron_invoice_periods"),
        ("subscription.payment.attempt", "_cron_process_attempts"),
    ):
        outcome = getattr(env[model], method)()
        env.cr.commit()
        queued += outcome.get("jobs", 0)
    return queued


def run_day(args, dbname, workers, prefix):
    """The renewal day on ``dbname`` with ``workers`` job workers; prints
    its RESULT lines and returns its duration."""
    import odoo
    from odoo import SUPERUSER_ID, api

    tag = f"queue_w{workers}"
    logfile = os.path.join(args.log_dir, f"bench-queue-{dbname}.log")
    today = date.today()
    registry = odoo.modules.registry.Registry(dbname)
    server = Server(args, dbname, workers, logfile)
    sampler = Sampler()
    pg_sampler = Sampler()
    loads = [os.getloadavg()[0]]
    reruns = 0
    try:
        server.wait_ready()
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            started = time.perf_counter()
            outcome = env["subscription.subscription"]._cron_process_due()
            cr.commit()
            note(f"{tag}: the renewal scheduled action queued {outcome.get('jobs')} jobs")
            deadline = time.monotonic() + args.timeout
            idle_checks = last_check = 0
            paid = 0
            while True:
                time.sleep(SAMPLE_SECONDS)
                sampler.sample(server.processes())
                cr.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", [dbname])
                pg_sampler.sample([row[0] for row in cr.fetchall()])
                cr.rollback()
                if time.monotonic() - last_check < 2:
                    continue
                last_check = time.monotonic()
                loads.append(os.getloadavg()[0])
                states = job_states(cr)
                active = sum(states.get(state, 0) for state in ACTIVE_STATES)
                paid = billed(cr, prefix, today)[2]
                cr.rollback()
                if not active and paid >= args.count:
                    break
                if time.monotonic() > deadline:
                    note(f"{tag}: timed out after {args.timeout}s: jobs {states}, {paid} paid")
                    break
                if not active:
                    # Work left and nothing queued: the scheduled actions'
                    # next run. Stop after a few runs that queue nothing.
                    reruns += 1
                    queued = run_crons(env)
                    note(f"{tag}: queue empty with {paid} paid: scheduled actions queued {queued}")
                    idle_checks = 0 if queued else idle_checks + 1
                    if idle_checks >= 3:
                        note(f"{tag}: nothing left to queue, {paid} of {args.count} paid")
                        break
            elapsed = time.perf_counter() - started
            sampler.sample(server.processes())
            loads.append(os.getloadavg()[0])
            report_day(cr, args, server, sampler, pg_sampler, tag, prefix, today, elapsed)
            result(f"{tag}_cron_reruns", reruns)
            result(f"{tag}_load_average_start", round(loads[0], 2))
            result(f"{tag}_load_average_max", round(max(loads), 2))
            result(f"{tag}_load_average_mean", round(sum(loads) / len(loads), 2))
    finally:
        server.stop()
        release(dbname)
    return elapsed


def report_day(cr, args, server, sampler, pg_sampler, tag, prefix, today, elapsed):
    count = args.count
    renewed, posted, paid = billed(cr, prefix, today)
    result(f"{tag}_renewed", renewed)
    result(f"{tag}_posted", posted)
    result(f"{tag}_paid", paid)
    result(f"{tag}_seconds", round(elapsed, 2))
    result(f"{tag}_invoices_per_second", round(paid / elapsed, 2))
    cr.execute(
        """
        SELECT channel, count(*), count(*) FILTER (WHERE state = 'failed'),
               count(*) FILTER (WHERE retry > 1), max(exec_time),
               max(extract(epoch FROM date_done - date_started))
          FROM queue_job GROUP BY channel ORDER BY channel
        """
    )
    longest, jobs, failed, retried = 0.0, 0, 0, 0
    for channel, number, bad, again, exec_max, span_max in cr.fetchall():
        stage = channel.rsplit(".", 1)[-1]
        result(f"{tag}_jobs_{stage}", number)
        result(f"{tag}_longest_{stage}_job_seconds", round(float(exec_max or 0), 2))
        longest = max(longest, float(exec_max or 0), float(span_max or 0))
        jobs, failed, retried = jobs + number, failed + bad, retried + again
    result(f"{tag}_jobs", jobs)
    result(f"{tag}_jobs_failed", failed)
    result(f"{tag}_jobs_retried", retried)
    result(f"{tag}_longest_job_seconds", round(longest, 2))
    result(f"{tag}_limit_time_real", DEFAULT_LIMITS["limit_time_real"])
    result(f"{tag}_limit_time_cpu", DEFAULT_LIMITS["limit_time_cpu"])
    cr.execute(
        "SELECT name, exc_name, exc_message FROM queue_job WHERE state = 'failed' "
        "ORDER BY id LIMIT 10"
    )
    for name, exc_name, exc_message in cr.fetchall():
        note(f"{tag}: FAILED job {name}: {exc_name}: {exc_message}")
    # The processes: the job workers are those that ran a job.
    cr.execute("SELECT DISTINCT worker_pid FROM queue_job WHERE worker_pid IS NOT NULL")
    job_pids = sorted(row[0] for row in cr.fetchall())
    cr.rollback()
    for index, pid in enumerate(job_pids, 1):
        cpu, rss = sampler.stats.get(pid, (0.0, 0.0))
        result(f"{tag}_worker{index}_cpu_seconds", round(cpu, 1))
        result(f"{tag}_worker{index}_peak_rss_mb", round(rss, 1))
    result(f"{tag}_worker_processes", len(job_pids))
    result(f"{tag}_workers_cpu_seconds", round(sampler.cpu(job_pids), 1))
    peak = max((sampler.stats[pid][1] for pid in job_pids if pid in sampler.stats), default=0)
    result(f"{tag}_workers_peak_rss_mb", round(peak, 1))
    if server.runner_pid in sampler.stats:
        result(f"{tag}_job_runner_cpu_seconds", round(sampler.stats[server.runner_pid][0], 1))
    result(f"{tag}_postgres_cpu_seconds", round(sampler.cpu(list(pg_sampler.stats)), 1))
    log = server.log_text()
    problems = [
        line for line in log.splitlines() if re.search(r" (ERROR|CRITICAL) |limit|timeout", line)
    ]
    result(f"{tag}_log_errors", len(problems))
    for line in problems[:8]:
        note(f"{tag}: log: {line[:300]}")
    if not (renewed == posted == paid == count) or failed:
        note(
            f"{tag}: NOT COMPLETE: {renewed} renewed, {posted} posted, {paid} paid of "
            f"{count}, {failed} jobs failed (server log {server.logfile})"
        )


# --------------------------------------------------------------- main


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-c", "--config", required=True)
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("--count", type=int, default=10000)
    parser.add_argument("--workers", default="1,2", help="job workers per run (default 1,2)")
    parser.add_argument(
        "--odoo-bin", default=None, help="odoo-bin (default: beside the odoo package)"
    )
    parser.add_argument(
        "--timeout", type=float, default=None, help="seconds per run (default 1200 + count)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the copies of the database")
    # bin/bench passes its extra arguments to every benchmark of a full run.
    args, ignored = parser.parse_known_args()
    if ignored:
        note(f"bench_queue: ignoring {' '.join(ignored)}")
    counts = [int(k) for k in args.workers.split(",")]

    import odoo
    from odoo import SUPERUSER_ID, api

    odoo.tools.config.parse_config(["-c", args.config, "-d", args.database])
    odoo.tools.config["log_level"] = "warn"
    odoo.netsvc.init_logger()
    args.odoo_bin = args.odoo_bin or str(Path(odoo.__file__).resolve().parent.parent / "odoo-bin")
    args.timeout = args.timeout or 1200 + args.count
    # bin/bench's configuration is <cache>/conf/<db>.conf, its logs <cache>/logs.
    logs = Path(args.config).resolve().parent.parent / "logs"
    args.log_dir = str(logs) if logs.is_dir() else "."
    result("load_average_1min", round(os.getloadavg()[0], 2))
    registry = odoo.modules.registry.Registry(args.database)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        check_modules(env)
        if not env["ir.module.module"].search_count(
            [("name", "=", "subscription_queue_job"), ("state", "=", "installed")]
        ):
            raise SystemExit(f"{args.database}: install subscription_queue_job first")
        company, provider = setup_accounting(env)
        started = time.perf_counter()
        data = seed(env, args.count, company, provider, time.strftime("%Y%m%d%H%M%S"))
        env["ir.config_parameter"].set_param("subscription_queue_job.mode", "queue")
        cr.commit()
        note(f"seeded {args.count} subscriptions in {time.perf_counter() - started:.1f}s")
    result("queue_count", args.count)
    seconds = {}
    for workers in counts:
        clone = f"{args.database}_w{workers}"
        clone_database(args.database, clone)
        try:
            seconds[workers] = run_day(args, clone, workers, data["name_prefix"])
        finally:
            if not args.keep:
                drop_database(clone)
    first = counts[0]
    for workers in counts[1:]:
        result(f"queue_speedup_{workers}_vs_{first}", round(seconds[first] / seconds[workers], 2))
    result("load_average_1min_end", round(os.getloadavg()[0], 2))


if __name__ == "__main__":
    main()
