"""Notification throughput: queued messages (half SMS to a loopback HTTP gateway, half e-mail to a loopback
SMTP server) through 1, 2 and 4 rq worker processes, as a ratio to rq's empty-job rate on the same
workers, for main's code ("before") and this tree's ("after"), interleaved and repeated.

    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test7 \\
    BENCH_REDIS_URL=redis://127.0.0.1:6379/7 .venv/bin/python bench/notify_throughput.py \\
        [--before-ref main] [--runs 3] [--workers 1,2,4] [--before-messages 400] [--after-messages 4000]

It builds its own schema `bench_notify` in that database (dropped and made again each run) and empties
the Redis database it is given (so give it one of its own). "before" and "after" are `git archive <ref>`
(main and HEAD by default) unpacked into temporary directories; both run with this venv's Python. For each round, number of workers and tree
(the trees' order alternates round by round):

* the ceiling: N empty jobs (`empty_job`) through that many `flask worker --burst --queue notifications`
  processes of that tree (rq's forking worker, one work horse per job, as in production), the rate timed
  from the first job's start to the last job's end as rq recorded them;
* the real thing: M pending outbox rows written, their delivery queued by the tree's own
  `deliver_after_commit` in one transaction (as the application does: main queues a job a row, this tree
  one batch job), the same workers started, and the rate timed from the first to the last message the
  gateway and the SMTP server saw. It then checks every row is `sent`, and that the gateway got each SMS
  and the SMTP server each e-mail exactly once.

"× empty" is messages/s over the empty-job rate of the same tree's workers in the same round. CPU is the
workers' own (parents and forked work horses, from getrusage of the waited-for children) per message or
per empty job, less each worker's start-up (a burst worker on an empty queue, measured each round);
PostgreSQL's, the gateway's and the SMTP server's are not in it. Fewer messages are sent
"before" (it is ~30× slower), the same number of empty jobs for both.
"""

import argparse
import logging
import os
import resource
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


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_workers(tree: Path, count: int, env: dict) -> tuple[float, float]:
    """Start `count` burst workers of `tree` on the notifications queue; returns (seconds until all exited,
    their CPU seconds)."""
    cpu = children_cpu()
    started = time.perf_counter()
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--burst", "--queue", "notifications"],
            cwd=tree,
            env=dict(env, PYTHONPATH=str(tree)),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(count)
    ]
    for worker in workers:
        _out, errors = worker.communicate()
        if worker.returncode != 0:
            raise SystemExit(f"a worker of {tree} exited with {worker.returncode}:\n{errors[-3000:]}")
    return time.perf_counter() - started, children_cpu() - cpu


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
    parser.add_argument("--before-ref", default="main")
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
    trees = {"before": export_tree(args.before_ref), "after": export_tree(args.after_ref)}

    def rev(ref: str) -> str:
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

        def ceiling(tree: Path, workers: int, startup: float) -> tuple[float, float]:
            redis.flushdb()
            n = args.empty_jobs
            with redis.pipeline() as pipe:
                queue.enqueue_many(
                    [
                        Queue.prepare_data("bench.notify_throughput.empty_job", timeout=60, result_ttl=3600)
                        for _ in range(n)
                    ],
                    pipeline=pipe,
                )
                pipe.execute()
            ids = queue.job_ids
            _wall, cpu = run_workers(tree, workers, env)
            jobs = [job for job in Job.fetch_many(ids, connection=redis) if job and job.ended_at]
            assert len(jobs) == n, f"only {len(jobs)} empty jobs finished"
            first = min(job.started_at.timestamp() for job in jobs)
            last = max(job.ended_at.timestamp() for job in jobs)
            return n / (last - first), (cpu - workers * startup) / n

        def deliver(label: str, tree: Path, workers: int, startup: float) -> tuple[float, float, float]:
            n = counts[label]
            redis.flushdb()
            db.session.execute(OutboxMessage.__table__.delete())
            db.session.execute(
                insert(OutboxMessage),
                [
                    {
                        "dedupe_key": f"bench:{label}:{workers}:{i}:{'sms' if i % 2 == 0 else 'email'}",
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
            subprocess.run(
                [sys.executable, "-c", QUEUE_AS_THE_APP_DOES],
                cwd=tree,
                env=dict(env, PYTHONPATH=str(tree)),
                check=True,
            )
            receivers.clear()
            wall, cpu = run_workers(tree, workers, env)
            db.session.rollback()
            sent = db.session.scalar(
                select(func.count()).select_from(OutboxMessage).where(OutboxMessage.state == MessageState.sent)
            )
            sms, mail = dict(receivers.sms), dict(receivers.mail)
            assert sent == n, f"{label}: {sent} of {n} sent"
            assert len(sms) == (n + 1) // 2 and set(sms.values()) == {1}, (
                f"{label}: SMS {len(sms)}, {set(sms.values())}"
            )
            assert len(mail) == n // 2 and set(mail.values()) == {1}, f"{label}: mail {len(mail)}, {set(mail.values())}"
            times = sorted(receivers.times)
            return n / (times[-1] - times[0]), n / wall, (cpu - workers * startup) / n

        def startup_cpu(tree: Path) -> float:
            """CPU seconds of one worker that starts, finds the queue empty and exits (subtracted per worker)."""
            redis.flushdb()
            return run_workers(tree, 1, env)[1]

        worker_counts = [int(w) for w in args.workers.split(",")]
        for run in range(args.runs):
            startup = {label: startup_cpu(tree) for label, tree in trees.items()}
            for workers in worker_counts:
                labels = ["before", "after"] if (run + workers) % 2 == 0 else ["after", "before"]
                for label in labels:
                    empty_rate, empty_cpu = ceiling(trees[label], workers, startup[label])
                    rate, wall_rate, cpu = deliver(label, trees[label], workers, startup[label])
                    row = {
                        "rate": rate,
                        "wall": wall_rate,
                        "empty": empty_rate,
                        "ratio": rate / empty_rate,
                        "cpu": cpu * 1000,
                        "empty_cpu": empty_cpu * 1000,
                    }
                    results.setdefault((workers, label), []).append(row)
                    print(
                        f"round {run + 1}, {workers} worker(s), {label:>6}: {rate:7.1f} msg/s "
                        f"({wall_rate:6.1f}/s wall incl. start-up), {cpu * 1000:5.1f} ms CPU/msg | empty job "
                        f"{empty_rate:6.1f}/s, {empty_cpu * 1000:5.1f} ms CPU/job | {rate / empty_rate:5.2f}× empty",
                        flush=True,
                    )
        db.session.remove()

    def med(rows, key):
        return statistics.median(r[key] for r in rows)

    print(f"\nmedians of {args.runs} rounds")
    print("| workers | code | messages/s | empty jobs/s | × empty (each round) | CPU ms/message | CPU ms/empty job |")
    print("|---|---|---|---|---|---|---|")
    for workers in worker_counts:
        for label in ("before", "after"):
            rows = results[(workers, label)]
            each = ", ".join(f"{r['ratio']:.2f}" for r in rows)
            print(
                f"| {workers} | {label} | {med(rows, 'rate'):.1f} | {med(rows, 'empty'):.1f} | "
                f"**{med(rows, 'ratio'):.2f}** ({each}) | {med(rows, 'cpu'):.1f} | {med(rows, 'empty_cpu'):.1f} |"
            )


if __name__ == "__main__":
    main()
