"""`flask serve`: the web server and a background worker together, for `make run`.

Without REDIS_URL it starts the embedded Redis here and hands its socket to both children, so the web
server and the worker talk to the same server; Ctrl-C (or SIGTERM) stops everything it started.
"""

import contextlib
import os
import signal
import subprocess
import sys
import time

import click
from flask import current_app
from flask.cli import with_appcontext

from .jobs.queues import redis_url, stop_embedded_redis


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@with_appcontext
def serve_command(host: str, port: int) -> None:
    """Serve the application with an rq worker and the cron scheduler (and an embedded Redis if none is set)."""
    embedded = not current_app.config.get("REDIS_URL")
    url = redis_url(current_app)
    click.echo(f"redis: {'embedded, ' if embedded else ''}{url}")
    env = dict(os.environ, REDIS_URL=url)
    env.setdefault("QUIET_LOGGERS", "reception.audit.log,rq.worker,rq.cron,rq.scheduler")
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    children = [
        subprocess.Popen([*flask, "worker"], env=env),
        subprocess.Popen([*flask, "cron"], env=env),
        subprocess.Popen([*flask, "run", "--host", host, "--port", str(port), "--no-reload"], env=env),
    ]
    click.echo(
        f"serving on http://{host}:{port}/ with a background worker and the periodic-job scheduler; Ctrl-C stops all"
    )

    received = []

    def stop(signum, _frame):
        received.append(signum)
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)  # also when started with SIGINT ignored (e.g. in the background)
    try:
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
        click.echo("a child process exited; stopping", err=True)
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C does not cut the clean-up short
        if received and received[0] == signal.SIGINT:
            # Ctrl-C in a terminal reaches every child too: they stop on their own (a second signal would
            # make rq's scheduler stop mid-way, with a traceback). Only one still running gets a SIGTERM.
            _wait(children, 10)
        for child in children:
            if child.poll() is None:
                child.terminate()  # rq's worker finishes its job first (warm shutdown)
        _wait(children, 10)
        for child in children:
            if child.poll() is None:
                child.kill()
        stop_embedded_redis()
        click.echo("stopped")


def _wait(children: list[subprocess.Popen], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    for child in children:
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.wait(max(0.1, deadline - time.monotonic()))
