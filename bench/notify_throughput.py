"""Notification throughput: 10,000 queued SMS through 1, 2 and 4 worker processes to a loopback HTTP SMS
gateway, in messages per second, next to rq's throughput for an empty job on the same machine (the ceiling).

    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test_notify \\
    BENCH_REDIS_URL=redis://127.0.0.1:6379/13 .venv/bin/python bench/notify_throughput.py [--messages N] [--workers 1,2,4]

It builds its own schema `bench_notify` in that database (dropped and made again each run) and empties
the Redis database it is given (so give it one of its own). For each number of workers it writes N
pending outbox rows, enqueues their delivery jobs as the application does (the row id, retries, job
timeout, job id), starts that many `flask worker --burst --queue notifications` processes (rq's forking
worker, one work horse per job, as in production) against a real HTTP gateway in this process, and waits
until they exit. The rate is N over the time from the first to the last delivery the gateway saw; it
then checks that every row is `sent` and the gateway got each message exactly once. The ceiling is the
same workers running N jobs that do nothing (`empty_job`), timed from the first to the last job's end
as rq recorded it.
"""

import argparse
import json
import os
import subprocess
import sys
import threading
import time
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


class Gateway:
    """A JSON SMS gateway on loopback that notes when each reference arrived."""

    def __init__(self):
        self.seen: dict[str, float] = {}
        self.requests = 0
        lock = threading.Lock()
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with lock:
                    gateway.requests += 1
                    gateway.seen.setdefault(body["reference"], time.time())
                answer = json.dumps({"id": f"gw-{body['reference']}"}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/send"


def run_workers(count: int, env: dict) -> float:
    """Start `count` burst workers on the notifications queue; returns the seconds until all exited."""
    started = time.perf_counter()
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--burst", "--queue", "notifications"],
            cwd=PROJECT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(count)
    ]
    for worker in workers:
        if worker.wait() != 0:
            raise SystemExit(f"a worker exited with {worker.returncode}")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--workers", default="1,2,4")
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
    from reception.notifications.outbox import DELIVERY_TIMEOUT, delivery_job_id, retry_policy
    from reception.notifications.tasks import deliver_message

    engine = create_engine(base_url)
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {SCHEMA}"))
    engine.dispose()
    gateway = Gateway()

    class BenchConfig(Config):
        SQLALCHEMY_DATABASE_URI = url_with_schema(base_url)
        REDIS_URL = redis_url
        SMS_GATEWAY_URL = gateway.url
        SMS_SEND_HOURS = None

    env = dict(
        os.environ,
        DATABASE_URL=BenchConfig.SQLALCHEMY_DATABASE_URI,
        REDIS_URL=redis_url,
        SMS_GATEWAY_URL=gateway.url,
        SMS_SEND_HOURS="off",
        SMTP_HOST="",
        PYTHONPATH=str(PROJECT),
    )
    app = create_app(BenchConfig)
    n = args.messages
    print(
        f"{n:,} messages; {os.cpu_count()} CPUs; database {SCHEMA} on {base_url.rsplit('@', 1)[-1]}; redis {redis_url}"
    )
    with app.app_context():
        db.create_all()
        redis = get_redis()
        queue = Queue("notifications", connection=redis)
        results = []
        for workers in (int(w) for w in args.workers.split(",")):
            # The ceiling: the same workers, jobs that do nothing.
            redis.flushdb()
            with redis.pipeline() as pipe:
                queue.enqueue_many(
                    [
                        Queue.prepare_data(
                            "bench.notify_throughput.empty_job", timeout=DELIVERY_TIMEOUT, result_ttl=3600
                        )
                        for _ in range(n)
                    ],
                    pipeline=pipe,
                )
                pipe.execute()
            ids = queue.job_ids
            wall = run_workers(workers, env)
            ends = [job.ended_at.timestamp() for job in Job.fetch_many(ids, connection=redis) if job and job.ended_at]
            starts = [job.started_at.timestamp() for job in Job.fetch_many(ids[:50], connection=redis) if job]
            assert len(ends) == n, f"only {len(ends)} empty jobs finished"
            empty_rate = n / (max(ends) - min(starts))

            # The real thing: outbox rows delivered to the gateway.
            redis.flushdb()
            db.session.execute(OutboxMessage.__table__.delete())
            db.session.execute(
                insert(OutboxMessage),
                [
                    {
                        "dedupe_key": f"bench:{workers}:{i}:sms",
                        "channel": MessageChannel.sms,
                        "recipient": "+77011234567",
                        "language": "ru",
                        "subject": "",
                        "body": f"Обращение BNCH-{i:04d}-X: решение принято.",
                        "html_body": "",
                        "quiet_hours": True,
                        "state": MessageState.pending,
                        "attempts": 0,
                        "last_error": "",
                        "provider_message_id": "",
                    }
                    for i in range(n)
                ],
            )
            db.session.commit()
            message_ids = list(db.session.scalars(select(OutboxMessage.id).order_by(OutboxMessage.id)))
            with redis.pipeline() as pipe:
                queue.enqueue_many(
                    [
                        Queue.prepare_data(
                            deliver_message,
                            (i,),
                            timeout=DELIVERY_TIMEOUT,
                            retry=retry_policy(),
                            job_id=delivery_job_id(i),
                        )
                        for i in message_ids
                    ],
                    pipeline=pipe,
                )
                pipe.execute()
            gateway.seen.clear()
            gateway.requests = 0
            send_wall = run_workers(workers, env)
            db.session.rollback()
            sent = db.session.scalar(
                select(func.count()).select_from(OutboxMessage).where(OutboxMessage.state == MessageState.sent)
            )
            assert sent == n and len(gateway.seen) == n and gateway.requests == n, (
                sent,
                len(gateway.seen),
                gateway.requests,
            )
            times = sorted(gateway.seen.values())
            rate = n / (times[-1] - times[0])
            results.append((workers, rate, empty_rate, send_wall, wall))
            print(
                f"{workers} worker(s): {rate:7.1f} messages/s ({n / send_wall:6.1f}/s wall, incl. start-up) | "
                f"empty job {empty_rate:7.1f} jobs/s ({n / wall:6.1f}/s wall) | {rate / empty_rate:.0%} of the ceiling",
                flush=True,
            )
        db.session.remove()
    print("\nworkers  messages/s  empty jobs/s (ceiling)")
    for workers, rate, empty_rate, _w, _e in results:
        print(f"{workers:>7}  {rate:>10.1f}  {empty_rate:>22.1f}")


if __name__ == "__main__":
    main()
