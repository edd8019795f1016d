"""Does the sign-in page tell which accounts exist by how long it takes? (issue #13: 112 ms vs 13 ms before)

    .venv/bin/python bench/login_timing.py [--runs 30]

In-process, on an SQLite file in a temporary folder (no Redis needed: rate limits off). Creates one staff
account, then times POST /auth/login, interleaved: a known e-mail with a wrong password, and an unknown
e-mail, each from its own address so that throttling never starts. Prints the median and p90 of each, CPU
time per request, and the ratio unknown / known (1.00 = indistinguishable).
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    runs = parser.parse_args().runs

    from config import Config
    from reception import create_app
    from reception.accounts import operations as ops
    from reception.accounts.models import Role
    from reception.directory.loader import load_directory
    from reception.extensions import db

    folder = tempfile.mkdtemp(prefix="qabyldau-bench-")

    class BenchConfig(Config):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{folder}/bench.db"
        RATELIMIT_ENABLED = False
        RATELIMIT_STORAGE_URI = "memory://"
        WTF_CSRF_ENABLED = False
        LOGIN_MAX_FAILURES = 10**6

    app = create_app(BenchConfig)
    with app.app_context():
        db.create_all()
        load_directory()
        ops.create_user(email="known@bench.kz", full_name="Known", password="a long password", role=Role.admin)
        db.session.commit()
    client = app.test_client()
    times: dict[str, list[float]] = {"known e-mail, wrong password": [], "unknown e-mail": []}
    cpu: dict[str, list[float]] = {k: [] for k in times}
    for n in range(runs):
        for label, email in (("known e-mail, wrong password", "known@bench.kz"), ("unknown e-mail", f"nobody{n}@x.kz")):
            start, start_cpu = time.perf_counter(), time.process_time()
            response = client.post(
                "/auth/login",
                data={"email": email, "password": "wrong one"},
                environ_base={"REMOTE_ADDR": f"10.{n % 250}.{len(label)}.1"},
            )
            times[label].append(time.perf_counter() - start)
            cpu[label].append(time.process_time() - start_cpu)
            assert response.status_code == 401, response.status_code
    for label, values in times.items():
        ordered = sorted(values)
        print(
            f"{label:30s} median {statistics.median(values) * 1000:7.1f} ms   "
            f"p90 {ordered[int(len(ordered) * 0.9) - 1] * 1000:7.1f} ms   "
            f"CPU {statistics.median(cpu[label]) * 1000:7.1f} ms/request"
        )
    ratio = statistics.median(times["unknown e-mail"]) / statistics.median(times["known e-mail, wrong password"])
    print(f"unknown / known: {ratio:.2f}")


if __name__ == "__main__":
    main()
