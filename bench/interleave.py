"""Before and after, interleaved: the code of a git revision (exported to a temporary directory) and this checkout,
each in its own process (bench/pageworker.py) on its own schema built by its own migrations from the same SQL, timed
request by request in alternation, beside the trivial endpoint `/bench/ping` of the same process.

Each version gets its own schema because a migration of "after" (an index, say) would otherwise speed up "before" too.
"""

import atexit
import json
import os
import shutil
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
    atexit.register(shutil.rmtree, target, ignore_errors=True)
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
    the workers' order alternating round by round. One warm-up request each first. A case's url may be a
    {label: url} when it differs by worker."""
    results = {}
    for label, worker in workers.items():
        for _name, url in cases:
            worker.ask(cmd="get", url=url[label] if isinstance(url, dict) else url)
    labels = list(workers)
    for n in range(rounds):
        order = labels if n % 2 == 0 else labels[::-1]
        for name, url in cases:
            for label in order:
                got = workers[label].ask(cmd="get", url=url[label] if isinstance(url, dict) else url)
                assert got["status"] == 200, (label, url, got)
                kept = results.setdefault((label, name), {"wall": [], "cpu": [], "sql": got["sql"]})
                kept["wall"].append(got["wall"])
                kept["cpu"].append(got["cpu"])
    return results


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[max(0, round(len(ordered) * 0.95) - 1)]


def print_table(title: str, results: dict, cases: list, labels: list[str]) -> None:
    """One line per case and worker: median and p95 wall, median CPU, statements, and × the trivial case (the first)."""
    print(f"\n{title}; median / p95 wall ms, median CPU ms of the app's process, statements, × trivial (wall; CPU)")
    for name, _url in cases:
        for label in labels:
            kept = results[(label, name)]
            median, cpu = statistics.median(kept["wall"]), statistics.median(kept["cpu"])
            trivial = results[(label, cases[0][0])]
            print(
                f"  {name:30s} {label:14s} median {median:8.1f}  p95 {p95(kept['wall']):8.1f}  CPU {cpu:7.1f}  "
                f"SQL {kept['sql']:3d}  {median / statistics.median(trivial['wall']):6.1f}x  "
                f"{cpu / statistics.median(trivial['cpu']):6.1f}x"
            )


def print_rates(results: dict, cases: list, versions: list[str], small: int, large: int) -> None:
    """Each version's rate at `large` against its rate at `small`, measured in the same rounds."""
    print(f"\nrate at {large:,} / rate at {small:,} (1 / median wall; 1 / median CPU), same rounds:")
    for name, _url in cases[1:]:
        for version in versions:
            a, b = results[(f"{version} {small:,}", name)], results[(f"{version} {large:,}", name)]
            wall = statistics.median(a["wall"]) / statistics.median(b["wall"])
            cpu = statistics.median(a["cpu"]) / statistics.median(b["cpu"])
            print(f"  {name:30s} {version:6s} wall {wall:5.2f}x   CPU {cpu:5.2f}x")
