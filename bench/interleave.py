"""Before and after, interleaved: the code of a git revision (exported to a temporary directory) and this checkout,
each in its own process (bench/pageworker.py) on its own schema built by its own migrations from the same SQL, timed
request by request in alternation, beside the trivial endpoint `/bench/ping` of the same process.

Each version gets its own schema because a migration of "after" (an index, say) would otherwise speed up "before" too.
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent


def export_revision(revision: str) -> Path:
    """`git archive revision` unpacked in a temporary directory, its translations compiled."""
    target = Path(tempfile.mkdtemp(prefix=f"bench-{revision[:12]}-"))
    archive = subprocess.run(["git", "archive", revision], cwd=PROJECT, check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    pybabel = Path(sys.executable).with_name("pybabel")
    subprocess.run([str(pybabel), "-q", "compile", "-d", "reception/translations"], cwd=target, check=True)
    return target


class Worker:
    """One app process from `tree` on `schema`."""

    def __init__(self, tree: Path, schema: str):
        self.schema = schema
        self.process = subprocess.Popen(
            [sys.executable, str(HERE / "pageworker.py"), "--tree", str(tree), "--schema", schema],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=dict(os.environ),
        )

    def ask(self, **command) -> dict:
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"the worker on {self.schema} stopped (run it by hand to see why)")
        return json.loads(line)

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=30)


def schema_exists(base_url: str, schema: str) -> bool:
    from sqlalchemy import create_engine, text

    engine = create_engine(base_url)
    with engine.connect() as conn:
        found = conn.execute(
            text("SELECT 1 FROM information_schema.tables WHERE table_schema = :s AND table_name = 'appeals'"),
            {"s": schema},
        ).scalar()
    engine.dispose()
    return bool(found)


def measure(workers: dict[str, Worker], cases: list[tuple[str, str]], rounds: int) -> dict:
    """{(label, case): {"wall": [...], "cpu": [...], "sql": n}}; each round visits every case on every worker,
    the workers' order alternating round by round. One warm-up request each first."""
    results = {}
    for worker in workers.values():
        for _name, url in cases:
            worker.ask(cmd="get", url=url)
    labels = list(workers)
    for n in range(rounds):
        order = labels if n % 2 == 0 else labels[::-1]
        for name, url in cases:
            for label in order:
                got = workers[label].ask(cmd="get", url=url)
                assert got["status"] == 200, (label, url, got)
                kept = results.setdefault((label, name), {"wall": [], "cpu": [], "sql": got["sql"]})
                kept["wall"].append(got["wall"])
                kept["cpu"].append(got["cpu"])
    return results


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[max(0, round(len(ordered) * 0.95) - 1)]


def print_table(size: int, results: dict, cases: list[tuple[str, str]], labels: list[str]) -> dict:
    """One line per case and version; returns {(label, case): median wall}."""
    medians = {}
    print(f"\n{size:,} appeals; median / p95 wall ms, median CPU ms of the app's process, statements, × trivial")
    for name, _url in cases:
        for label in labels:
            kept = results[(label, name)]
            median = statistics.median(kept["wall"])
            medians[(label, name)] = median
            trivial = statistics.median(results[(label, cases[0][0])]["wall"])
            print(
                f"  {name:34s} {label:6s} median {median:8.1f}  p95 {p95(kept['wall']):8.1f}  "
                f"CPU {statistics.median(kept['cpu']):7.1f}  SQL {kept['sql']:3d}  {median / trivial:7.1f}x"
            )
    return medians
