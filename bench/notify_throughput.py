"""Notification throughput: queued messages (half SMS to a loopback HTTP gateway, half e-mail to a loopback
SMTP server) through 1, 2 and 4 rq worker processes, as a ratio to rq's empty-job rate on the same
workers, for main's code ("before") and this tree's ("after"), interleaved and repeated.

    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test7 \\
    BENCH_REDIS_URL=redis://127.0.0.1:6379/7 .venv/bin/python bench/notify_throughput.py \\
        [--before-ref main|none] [--runs 3] [--workers 1,2,4] [--empty-jobs 400] [--before-messages 400] \\
        [--after-messages 4000]

It builds its own schema `bench_notify` in that database (dropped and made again each run) and empties
the Redis database it is given (so give it one of its own). "before" and "after" are `git archive <ref>`
(main and HEAD by default; `--before-ref none` runs "after" alone) unpacked into temporary directories;
both run with this venv's Python. For each round, number of workers and tree (the trees' order alternates
round by round), N long-running workers of that tree are started (`flask worker --queue notifications`, as
in production: rq's forking worker, one work horse per job) and the bench waits until every one of them is
registered in Redis and idle; then, on those same workers:

* the ceiling: E empty jobs (`empty_job`) queued at once;
* the real thing: M pending outbox rows written, their delivery queued by the tree's own
  `deliver_after_commit` in one transaction (as the application does: main before batches queued a job a
  row, batches one job that queues the next), until every row is `sent` and the last job (the one that
  finds nothing left) has ended. It checks the gateway got each SMS and the SMTP server each e-mail
  exactly once.

Both rates are timed alike, from the first job's start to the last job's end as rq recorded them (the
rate from the first to the last message the receivers saw is printed beside it); the workers' start-up is
outside both, and no worker leaves early. The workers are stopped (SIGTERM, rq's warm shutdown) after each
pair. "× empty" is messages/s over the empty-job rate of the same workers. CPU is the workers' own
(parents and their reaped work horses, from /proc) per message or per empty job, read while they are idle
before and after; PostgreSQL's, the gateway's and the SMTP server's are not in it. The load average is
printed beside each line: the machine is shared.
"""

import argparse
import logging
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

SCHEMA = "bench_notify"


def empty_job() -> None:
    """The ceiling's job: nothing at all."""


def url_with_schema(url: str) -> str:
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options=-csearch_path%3D{SCHEMA}"


class Receivers:
    """A JSON SMS gateway and an SMTP server on loopback that note when each message arrived and how often."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        self.lock = threading.Lock()
        self.times: list[float] = []
        self.sms: dict[str, int] = {}
        self.mail: dict[str, int] = {}
        receivers = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keeps a connection open for a client that keeps it
            # Headers and body leave in two writes: without this, Nagle's algorithm holds the body until the
            # client's delayed ACK (40 ms) on a kept connection, as no real gateway would.
            disable_nagle_algorithm = True

            def do_POST(self):
                import json

                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with receivers.lock:
                    receivers.times.append(time.time())
                    receivers.sms[body["reference"]] = receivers.sms.get(body["reference"], 0) + 1
                answer = json.dumps({"id": f"gw-{body['reference']}"}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True

        self.http = Server(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.http.serve_forever, daemon=True).start()
        self.sms_url = f"http://127.0.0.1:{self.http.server_port}/send"

        class MailHandler:
            async def handle_DATA(self, server, session, envelope):
                mail = message_from_bytes(envelope.content, policy=policy.default)
                with receivers.lock:
                    receivers.times.append(time.time())
                    receivers.mail[mail["Message-ID"]] = receivers.mail.get(mail["Message-ID"], 0) + 1
                return "250 OK"

        import socket

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.smtp_port = s.getsockname()[1]
        logging.getLogger("mail.log").setLevel(logging.WARNING)
        self.smtp = Controller(MailHandler(), hostname="127.0.0.1", port=self.smtp_port)
        self.smtp.start()

    def clear(self):
        with self.lock:
            self.times.clear()
            self.sms.clear()
            self.mail.clear()


def process_cpu(pid: int) -> float:
    """CPU seconds of a live process and of its children it has waited for (a worker and its finished work
    horses), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")


class Workers:
    """`count` long-running `flask worker --queue notifications` processes of `tree` (rq's forking worker, one
    work horse per job, as in production), started and waited for until every one is registered and idle,
    so that neither start-up nor a worker that quits on an empty queue weighs on what is timed."""

    def __init__(self, tree: Path, count: int, env: dict, redis):
        self.tree, self.redis = tree, redis
        self.logs = [tempfile.TemporaryFile(mode="w+") for _ in range(count)]  # noqa: SIM115 (closed by stop())
        self.processes = [
            subprocess.Popen(
                [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--queue", "notifications"],
                cwd=tree,
                env=dict(env, PYTHONPATH=str(tree)),
                stdout=subprocess.DEVNULL,
                stderr=log,  # a file, not a pipe: a long-running worker would fill a pipe nobody reads and stop
            )
            for log in self.logs
        ]
        self.wait_idle(timeout=180)

    def wait_idle(self, timeout: float = 120) -> None:
        """Until each of these workers is registered in Redis and waits for a job (its last horse reaped)."""
        from rq.worker import Worker

        pids = {p.pid for p in self.processes}
        deadline = time.monotonic() + timeout
        while True:
            for process in self.processes:
                if process.poll() is not None:
                    self.fail(f"a worker exited with {process.returncode}")
            idle = {w.pid for w in Worker.all(connection=self.redis) if w.get_state() == "idle"}
            if pids <= idle:
                return
            if time.monotonic() > deadline:
                self.fail(f"{len(pids - idle)} of {len(pids)} workers not idle after {timeout} s")
            time.sleep(0.1)

    def cpu(self) -> float:
        return sum(process_cpu(p.pid) for p in self.processes)

    def stop(self) -> None:
        for process in self.processes:
            process.send_signal(signal.SIGTERM)  # rq's warm shutdown: the job under way ends first
        for process in self.processes:
            process.wait(timeout=120)
        for log in self.logs:
            log.close()

    def fail(self, why: str) -> None:
        tails = []
        for log in self.logs:
            log.seek(0)
            tails.append(log.read()[-3000:])
        for process in self.processes:
            if process.poll() is None:
                process.kill()
        raise SystemExit(f"{self.tree}: {why}\n" + "\n---\n".join(tails))


def wait_for(check, what: str, workers: Workers, timeout: float = 1800) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            workers.fail(f"timed out waiting for {what}")
        for process in workers.processes:
            if process.poll() is not None:
                workers.fail(f"a worker exited with {process.returncode} while waiting for {what}")
        time.sleep(0.05)


def job_span(jobs) -> float:
    """Seconds from the first job's start to the last job's end, as rq recorded them."""
    return max(j.ended_at.timestamp() for j in jobs) - min(j.started_at.timestamp() for j in jobs)


#: Run in the tree under test: queue the delivery of every pending row the way that tree's application does.
QUEUE_AS_THE_APP_DOES = """
from sqlalchemy import select
from reception import create_app
from reception.extensions import db
from reception.notifications.models import MessageState, OutboxMessage
from reception.notifications.outbox import deliver_after_commit
app = create_app()
with app.app_context():
    ids = db.session.scalars(select(OutboxMessage.id).where(OutboxMessage.state == MessageState.pending))
    for message_id in ids.all():
        deliver_after_commit(message_id)
    db.session.commit()
"""


def export_tree(ref: str) -> Path:
    target = Path(tempfile.mkdtemp(prefix=f"notify-bench-{ref.replace('/', '-')}-"))
    archive = subprocess.run(["git", "archive", ref], cwd=PROJECT, check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before-ref", default="main", help="the code to compare with ('none': this tree alone)")
    parser.add_argument("--after-ref", default="HEAD", help="the code under test, exported like --before-ref")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--empty-jobs", type=int, default=400)
    parser.add_argument("--before-messages", type=int, default=400)
    parser.add_argument("--after-messages", type=int, default=4000)
    args = parser.parse_args()
    base_url = os.environ.get("BENCH_DATABASE_URL")
    if not base_url:
        raise SystemExit("set BENCH_DATABASE_URL (a PostgreSQL database; the bench makes its own schema in it)")
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")

    from rq import Queue
    from rq.job import Job
    from rq.registry import FailedJobRegistry, FinishedJobRegistry, StartedJobRegistry
    from sqlalchemy import create_engine, func, insert, select, text

    from config import Config
    from reception import create_app
    from reception.extensions import db
    from reception.jobs.queues import get_redis
    from reception.notifications.models import MessageChannel, MessageState, OutboxMessage

    engine = create_engine(base_url)
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {SCHEMA}"))
    engine.dispose()
    receivers = Receivers()
    trees = {"after": export_tree(args.after_ref)}
    if args.before_ref != "none":
        trees = {"before": export_tree(args.before_ref), **trees}

    def rev(ref: str) -> str:
        if ref == "none":
            return "-"
        return subprocess.run(["git", "rev-parse", "--short", ref], cwd=PROJECT, capture_output=True, text=True).stdout

    before_rev, after_rev = rev(args.before_ref).strip(), rev(args.after_ref).strip()

    class BenchConfig(Config):
        SQLALCHEMY_DATABASE_URI = url_with_schema(base_url)
        REDIS_URL = redis_url

    env = dict(
        os.environ,
        DATABASE_URL=BenchConfig.SQLALCHEMY_DATABASE_URI,
        REDIS_URL=redis_url,
        SMS_GATEWAY_URL=receivers.sms_url,
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=str(receivers.smtp_port),
        SMTP_STARTTLS="false",
        SMTP_SSL="false",
        SMS_SEND_HOURS="off",
    )
    app = create_app(BenchConfig)
    counts = {"before": args.before_messages, "after": args.after_messages}
    print(
        f"before = {args.before_ref} ({before_rev}), after = {args.after_ref} ({after_rev}); "
        f"{args.empty_jobs} empty jobs, {counts['before']} / {counts['after']} messages (half SMS, half e-mail); "
        f"{os.cpu_count()} CPUs; schema {SCHEMA} on {base_url.rsplit('@', 1)[-1]}; redis {redis_url}",
        flush=True,
    )
    results: dict[tuple[int, str], list[dict]] = {}
    with app.app_context():
        db.create_all()
        redis = get_redis()
        queue = Queue("notifications", connection=redis)

        finished = FinishedJobRegistry(queue=queue)
        failed = FailedJobRegistry(queue=queue)

        def ceiling(workers: Workers) -> tuple[float, float]:
            """Empty jobs queued at once to idle workers; (jobs/s, CPU seconds a job)."""
            n = args.empty_jobs
            cpu = workers.cpu()
            with redis.pipeline() as pipe:
                jobs = queue.enqueue_many(
                    [
                        Queue.prepare_data("bench.notify_throughput.empty_job", timeout=60, result_ttl=3600)
                        for _ in range(n)
                    ],
                    pipeline=pipe,
                )
                pipe.execute()
            ids = [job.id for job in jobs]
            wait_for(lambda: finished.count + failed.count >= n, "the empty jobs", workers)
            workers.wait_idle()
            cpu = workers.cpu() - cpu
            done = [job for job in Job.fetch_many(ids, connection=redis) if job and job.ended_at]
            if len(done) != n or failed.count:
                workers.fail(f"only {len(done)} of {n} empty jobs finished, {failed.count} failed")
            return n / job_span(done), cpu / n

        def deliver(label: str, workers: Workers) -> dict:
            """Pending rows queued as the tree's application queues them, to the same idle workers."""
            n = counts[label]
            db.session.execute(OutboxMessage.__table__.delete())
            db.session.execute(
                insert(OutboxMessage),
                [
                    {
                        "dedupe_key": f"bench:{label}:{len(workers.processes)}:{i}:{'sms' if i % 2 == 0 else 'email'}",
                        "channel": MessageChannel.sms if i % 2 == 0 else MessageChannel.email,
                        "recipient": "+77011234567" if i % 2 == 0 else "aigul@example.kz",
                        "language": "ru",
                        "subject": "" if i % 2 == 0 else f"Обращение BNCH-{i:04d}-X",
                        "body": f"Обращение BNCH-{i:04d}-X: решение принято.",
                        "html_body": "" if i % 2 == 0 else f"<p>Обращение BNCH-{i:04d}-X: решение принято.</p>",
                        "quiet_hours": i % 2 == 0,
                        "state": MessageState.pending,
                        "attempts": 0,
                        "last_error": "",
                        "provider_message_id": "",
                    }
                    for i in range(n)
                ],
            )
            db.session.commit()
            receivers.clear()
            before_ids = set(finished.get_job_ids())
            cpu = workers.cpu()
            subprocess.run(
                [sys.executable, "-c", QUEUE_AS_THE_APP_DOES],
                cwd=workers.tree,
                env=dict(env, PYTHONPATH=str(workers.tree)),
                check=True,
            )

            def all_sent() -> bool:
                db.session.rollback()
                return (
                    db.session.scalar(
                        select(func.count()).select_from(OutboxMessage).where(OutboxMessage.state == MessageState.sent)
                    )
                    == n
                )

            wait_for(all_sent, f"{n} messages sent", workers)
            # The chain ends with a job that finds nothing left to claim: it is part of the work, so wait for it.
            wait_for(lambda: queue.count == 0 and StartedJobRegistry(queue=queue).count == 0, "the last job", workers)
            workers.wait_idle()
            cpu = workers.cpu() - cpu
            db.session.rollback()
            sms, mail = dict(receivers.sms), dict(receivers.mail)
            assert len(sms) == (n + 1) // 2 and set(sms.values()) == {1}, (
                f"{label}: SMS {len(sms)}, {set(sms.values())}"
            )
            assert len(mail) == n // 2 and set(mail.values()) == {1}, f"{label}: mail {len(mail)}, {set(mail.values())}"
            if failed.count:
                workers.fail(f"{failed.count} jobs failed")
            jobs = [j for j in Job.fetch_many(sorted(set(finished.get_job_ids()) - before_ids), connection=redis) if j]
            times = sorted(receivers.times)
            return {
                "rate": n / job_span(jobs),
                "received": n / (times[-1] - times[0]),
                "jobs": len(jobs),
                "cpu": cpu / n,
            }

        worker_counts = [int(w) for w in args.workers.split(",")]
        for run in range(args.runs):
            for count in worker_counts:
                labels = list(trees)
                if (run + count) % 2:
                    labels.reverse()
                for label in labels:
                    redis.flushdb()
                    started_load = os.getloadavg()[0]
                    workers = Workers(trees[label], count, env, redis)
                    try:
                        empty_rate, empty_cpu = ceiling(workers)
                        out = deliver(label, workers)
                    finally:
                        workers.stop()
                    row = {
                        **out,
                        "empty": empty_rate,
                        "ratio": out["rate"] / empty_rate,
                        "cpu": out["cpu"] * 1000,
                        "empty_cpu": empty_cpu * 1000,
                        "load": (started_load + os.getloadavg()[0]) / 2,
                    }
                    results.setdefault((count, label), []).append(row)
                    print(
                        f"round {run + 1}, {count} worker(s), {label:>6}: {row['rate']:7.1f} msg/s "
                        f"({row['received']:6.1f}/s first to last received, {row['jobs']} jobs), "
                        f"{row['cpu']:5.2f} ms CPU/msg | empty job {empty_rate:6.1f}/s, {row['empty_cpu']:5.1f} ms "
                        f"CPU/job | {row['ratio']:5.2f}× empty | load {row['load']:.1f}",
                        flush=True,
                    )
        db.session.remove()

    def med(rows, key):
        return statistics.median(r[key] for r in rows)

    print(f"\nmedians of {args.runs} rounds")
    print(
        "| workers | code | messages/s | empty jobs/s | × empty (median; each round) | CPU ms/message "
        "| CPU ms/empty job | load average |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for count in worker_counts:
        for label in trees:
            rows = results[(count, label)]
            each = ", ".join(f"{r['ratio']:.2f}" for r in rows)
            loads = [r["load"] for r in rows]
            print(
                f"| {count} | {label} | {med(rows, 'rate'):.1f} | {med(rows, 'empty'):.1f} | "
                f"**{med(rows, 'ratio'):.2f}** ({each}) | {med(rows, 'cpu'):.2f} | {med(rows, 'empty_cpu'):.1f} | "
                f"{min(loads):.1f}–{max(loads):.1f} |"
            )


if __name__ == "__main__":
    main()
