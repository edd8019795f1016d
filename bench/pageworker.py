"""One copy of the app, from a given source tree, answering a bench driver's commands over stdin/stdout (JSON lines),
so that two versions of the code (e.g. `git archive main` in a temp dir, and this checkout) can be timed request
by request, interleaved, each in its own process with its own CPU clock. Run by bench/interleave.py, not by hand.

    python bench/pageworker.py --tree DIR --schema NAME

Commands: {"cmd": "build", "sql": [...]} drops and makes the schema with DIR's migrations and the directory, runs
the statements, then VACUUM ANALYZE; {"cmd": "login", "email", "role", "branch_code"?, "first_deputy"?} makes the
account if missing and signs in; {"cmd": "call", "target": "module:function"} runs a function in the app (e.g. a
periodic job); {"cmd": "get", "url"} times one GET. Each answers one JSON line.
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

parser = argparse.ArgumentParser()
parser.add_argument("--tree", required=True)
parser.add_argument("--schema", required=True)
args = parser.parse_args()
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(args.tree).resolve()))
os.chdir(args.tree)
answer = sys.stdout
sys.stdout = sys.stderr  # anything the app prints stays off the answers

from benchapp import fresh_schema, make_app  # noqa: E402
from sqlalchemy import event, text  # noqa: E402

BASE_URL = os.environ["BENCH_DATABASE_URL"]


def reply(**values) -> None:
    answer.write(json.dumps(values) + "\n")
    answer.flush()


def main() -> None:
    import importlib

    from reception.extensions import db

    app = None
    client = None
    statements: list[int] = []
    for line in sys.stdin:
        command = json.loads(line)
        cmd = command["cmd"]
        if cmd == "build":
            started = time.perf_counter()
            app = fresh_schema(BASE_URL, args.schema)
            with app.app_context():
                for statement in command["sql"]:
                    db.session.execute(text(statement))
                db.session.commit()
                with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                    conn.execute(text("VACUUM ANALYZE"))
            reply(seconds=time.perf_counter() - started)
            continue
        if app is None:
            app = make_app(BASE_URL, args.schema)
        if cmd == "login":
            from reception.accounts import operations as account_ops
            from reception.accounts.models import Role
            from reception.directory.models import Branch, Deputy

            with app.app_context():
                if account_ops.find_user(command["email"]) is None:
                    extra = {}
                    if command.get("branch_code"):
                        extra["branch"] = db.session.scalar(
                            db.select(Branch).where(Branch.code == command["branch_code"])
                        )
                    if command.get("first_deputy"):
                        extra["deputy"] = db.session.scalar(db.select(Deputy).order_by(Deputy.id))
                    account_ops.create_user(
                        email=command["email"],
                        full_name="Bench",
                        password="bench password",
                        role=Role(command["role"]),
                        **extra,
                    )
                    db.session.commit()
                engine = db.engine
            client = app.test_client()
            response = client.post("/auth/login", data={"email": command["email"], "password": "bench password"})
            event.listen(engine, "before_cursor_execute", lambda *a, **k: statements.append(1))
            reply(status=response.status_code)
        elif cmd == "call":
            module, name = command["target"].split(":")
            with app.app_context():
                started, cpu = time.perf_counter(), time.process_time()
                getattr(importlib.import_module(module), name)()
                reply(seconds=time.perf_counter() - started, cpu=time.process_time() - cpu)
        elif cmd == "query":
            with app.app_context():
                reply(value=db.session.execute(text(command["sql"])).scalar())
        elif cmd == "get":
            statements.clear()
            wall, cpu = time.perf_counter(), time.process_time()
            response = client.get(command["url"])
            cpu = time.process_time() - cpu
            wall = time.perf_counter() - wall
            reply(status=response.status_code, wall=wall * 1000, cpu=cpu * 1000, sql=len(statements))
        else:
            reply(error=f"unknown command {cmd}")


if __name__ == "__main__":
    main()
