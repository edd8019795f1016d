"""`flask demo load`: the demo data for `make run`, loaded once."""

import logging
from contextlib import contextmanager

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from ..directory.loader import load_directory
from ..directory.models import Region
from ..extensions import db
from .appeals import appeal_count, generate_appeals
from .deputies import generate_deputies
from .inquiries import create_demo_inquiries
from .rules import create_demo_rules
from .users import create_demo_users

demo_cli = AppGroup("demo", help="Demo data for development.")


def load_demo(appeals: int | None = None) -> dict:
    """Load the directory (only into an empty database, so administrators' edits survive), the
    deputies and the demo users; running it again adds nothing."""
    report = {}
    if not db.session.scalar(select(func.count(Region.id))):
        report["directory"] = str(load_directory())
    report["deputies"] = generate_deputies()
    report["users"] = create_demo_users()
    report["routing_rules"] = create_demo_rules()
    db.session.commit()
    report["appeals"] = 0 if appeal_count() else generate_appeals(DEMO_APPEALS if appeals is None else appeals)
    report["inquiries"] = create_demo_inquiries()
    return report


#: Appeals `make run` starts with.
DEMO_APPEALS = 2000


@contextmanager
def _quiet():
    """The operations log each step (the audit log keeps them anyway): thousands of lines a person setting up
    does not need to read. Warnings still show."""
    logger = logging.getLogger("reception")
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


@demo_cli.command("load")
def load_command() -> None:
    """Load the demo data once (idempotent)."""
    click.echo("Loading the demo data (the directory, deputies, accounts, routing rules, appeals) ...")
    with _quiet():
        report = load_demo()
    click.echo(f"demo data: {report}")
    click.echo(
        "Demo accounts (password demo-password): staff.ast@demo.kz, head.alm@demo.kz, deputy@demo.kz, "
        "assistant@demo.kz, analyst@demo.kz, admin@demo.kz (see README.md)"
    )


@demo_cli.command("generate")
@click.option("--appeals", "count", type=click.IntRange(1), required=True, help="How many appeals to add.")
@click.option("--seed", default=7, show_default=True)
def generate_command(count: int, seed: int) -> None:
    """Add COUNT demo appeals (for benchmarks too), registered through the real operations."""
    import time

    started = time.perf_counter()
    generate_appeals(count, seed=seed)
    click.echo(f"{count} appeals in {time.perf_counter() - started:.1f} s; {appeal_count()} in all")
