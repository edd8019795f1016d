"""The shape of the package: no import circles, every rq job in a `tasks.py`, jobs named by string resolve."""

import ast
import importlib
import re
from pathlib import Path

import pytest

JOB_NAME = re.compile(r"reception(\.\w+)*\.tasks\.\w+")

PACKAGE = Path(__file__).resolve().parent.parent / "reception"


def _modules() -> dict[str, tuple[Path, bool]]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        found[".".join(parts[:-1] if is_package else parts)] = (path, is_package)
    return found


def _imports(module: str, path: Path, is_package: bool, known: set[str]) -> set[str]:
    """Every module of ours that `module` imports, at the top or inside a function (both run some day)."""
    here = module.split(".") if is_package else module.split(".")[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = (
                ".".join(here[: len(here) - node.level + 1] + ([node.module] if node.module else []))
                if node.level
                else node.module
            )
            for alias in node.names:
                target = f"{base}.{alias.name}"
                found.add(target if target in known else base)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {m for m in found if m in known and m != module}


def import_graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(name, path, is_package, set(modules)) for name, (path, is_package) in modules.items()}


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_import_circles():
    assert circles(import_graph()) == []


def test_the_circle_check_finds_a_circle():
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_every_job_lives_in_a_tasks_module():
    from reception.jobs.schedule import SCHEDULE

    for func, _queue, _interval in SCHEDULE:
        assert func.__module__.endswith(".tasks"), func
    named = {}
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and JOB_NAME.fullmatch(node.value):
                named[node.value] = path
    assert named, "the services queue their jobs by name"
    for name, path in named.items():
        module, _, function = name.rpartition(".")
        assert callable(getattr(importlib.import_module(module), function, None)), f"{path}: {name}"


def test_enqueue_refuses_a_job_outside_tasks_modules(app):
    from reception.jobs.queues import enqueue, job_name

    with app.app_context(), pytest.raises(ValueError, match=r"tasks\.py"):
        enqueue(test_no_import_circles)
    assert job_name("reception.jobs.tasks.record_worker_ping") == "reception.jobs.tasks.record_worker_ping"
