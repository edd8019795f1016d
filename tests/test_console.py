"""What `make run` shows on its console, run as a new user runs it (a fresh SQLite database, the embedded
Redis): the set-up's progress, the accounts, the address; no audit lines; Ctrl-C stops everything cleanly."""

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from support import free_port

PROJECT = Path(__file__).resolve().parent.parent


def _env(tmp_path: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL", "QUIET_LOGGERS")}
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'q.db'}",
        EMBEDDED_REDIS_PATH=str(tmp_path / "redis.db"),
        ATTACHMENTS_DIR=str(tmp_path / "attachments"),
    )
    return env


def _flask(env, *args, **kwargs):
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        **kwargs,
    )


@pytest.mark.slow
def test_make_runs_console_shows_progress_accounts_and_address_and_ctrl_c_stops_all(tmp_path):
    env = _env(tmp_path)
    assert _flask(env, "db", "upgrade").returncode == 0
    loaded = _flask(env, "demo", "load", "--appeals", "40")
    assert loaded.returncode == 0, loaded.stderr
    console = (loaded.stdout + loaded.stderr).splitlines()
    assert len(console) < 25, console  # a screen, not thousands of audit lines
    assert not [line for line in console if " INFO " in line]
    text = "\n".join(console)
    assert "deputies:" in text and "appeals: 40" in text
    for account in ("admin@demo.kz", "staff.ast@demo.kz", "deputy@demo.kz", "head.alm@demo.kz"):
        assert account in text
    assert "demo-password" in text

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "serve", "--port", str(port)],
        cwd=PROJECT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group, as a terminal's foreground job
    )
    try:
        health = None
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                health = urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5).read().decode()
                if '"workers":1' in health:
                    break
            except OSError:
                pass
            time.sleep(1)
        assert health and '"workers":1' in health, health
        time.sleep(5)  # the periodic jobs' first round (escalations of the demo appeals) runs meanwhile
    finally:
        os.killpg(server.pid, signal.SIGINT)  # Ctrl-C: the terminal signals the whole group
        output, _ = server.communicate(timeout=120)
    assert server.returncode == 0, output
    assert f"serving on http://127.0.0.1:{port}/" in output
    assert "Traceback" not in output, output
    assert "audit appeal" not in output
    with pytest.raises(ProcessLookupError):
        os.killpg(server.pid, 0)  # nothing of it is left running: web server, worker, scheduler, Redis
