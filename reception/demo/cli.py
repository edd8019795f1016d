"""`flask demo load`: the demo data for `make run`, loaded once."""

import logging
import time
from contextlib import contextmanager
from datetime import date

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from ..accounts.models import Role, User
from ..directory import handover
from ..directory.loader import load_directory
from ..directory.models import Convocation, Region, RepresentativeBody
from ..extensions import db
from .appeals import appeal_count, generate_appeals
from .bulk import DEMO_PIN, generate_bulk
from .deputies import generate_deputies
from .inquiries import create_demo_inquiries
from .mandates import create_demo_mandates
from .rules import create_demo_rules
from .users import DEMO_PASSWORD, create_demo_users, demo_accounts

demo_cli = AppGroup("demo", help="Demo data for development.")


def load_demo(appeals: int | None = None, say=lambda _text: None) -> dict:
    """Load the directory (only into an empty database, so administrators' edits survive), the
    deputies and the demo users; running it again adds nothing. `say` is told of each step as it ends."""
    report = {}
    if not db.session.scalar(select(func.count(Region.id))):
        loaded = load_directory()
        report["directory"] = str(loaded)
        say("directory: " + ", ".join(f"{count} {kind.replace('_', ' ')}" for kind, count in loaded.created.items()))
    report["deputies"] = generate_deputies()
    say(f"deputies: {report['deputies']} new")
    report["users"] = create_demo_users()
    report["routing_rules"] = create_demo_rules()
    db.session.commit()
    say(f"accounts: {len(report['users'])} new; routing rules: {report['routing_rules']} new")
    wanted = DEMO_APPEALS if appeals is None else appeals
    if appeal_count():
        report["appeals"] = 0
    else:
        say(f"appeals: registering {wanted} through the real operations (this takes a while) ...")
        started = time.perf_counter()
        report["appeals"] = generate_appeals(wanted)
        say(f"appeals: {report['appeals']} in {time.perf_counter() - started:.0f} s")
    report["inquiries"] = create_demo_inquiries()
    say(f"inquiries: {report['inquiries']} new")
    report["handed_over"] = close_the_mazhilis()
    db.session.commit()
    report["mandates"] = create_demo_mandates()
    say(f"voters' mandates: {report['mandates']} new")
    if report["handed_over"]:
        say(
            "the Mazhilis's 8th convocation closed on 30.06.2026: "
            + ", ".join(f"{n} {k}s handed over" for k, n in report["handed_over"].items())
        )
    return report


def close_the_mazhilis() -> dict:
    """The Mazhilis's mandate ended on 30 June 2026 (Constitution of 2026): its deputies' open work goes to the
    Kurultai's and the maslikhats' deputies by the demo rules, once; history, so nobody is notified."""
    convocation = db.session.scalar(
        select(Convocation)
        .join(RepresentativeBody, Convocation.body_id == RepresentativeBody.id)
        .where(RepresentativeBody.code == "MAZHILIS", Convocation.number == 8)
    )
    if convocation is None or convocation.handed_over_dt is not None:
        return {}
    admin = db.session.scalar(select(User).where(User.role == Role.admin).order_by(User.id))
    moved = handover.close_convocation(convocation, end_date=date(2026, 6, 30), user=admin, notify=False)
    return dict(moved)


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
@click.option("--appeals", "count", type=click.IntRange(0), default=DEMO_APPEALS, show_default=True)
def load_command(count: int) -> None:
    """Load the demo data once (idempotent)."""
    click.echo("Loading the demo data ...")
    with _quiet():
        load_demo(appeals=count, say=lambda text: click.echo(f"  {text}"))
        accounts = demo_accounts()
    click.echo(f"Demo accounts (password: {DEMO_PASSWORD}):")
    for email, role, where in accounts:
        click.echo(f"  {email:<24} {role}{f', {where}' if where else ''}")


@demo_cli.command(
    "generate",
    help=(
        "Add --appeals N demo appeals with their citizens and events at once (a million in minutes on PostgreSQL). "
        f"Every generated appeal's PIN is {DEMO_PIN}: look one up on the status page with its tracking code and "
        "that PIN. Numbers continue each branch's sequence of the year. On PostgreSQL it locks citizens, appeals "
        "and their events (reads too) while it loads, commits, then builds their indexes again, several at once "
        "(meanwhile the app works, slowly). The reports' summary counts the new appeals at its next refresh (a "
        "periodic job, every 15 minutes)."
    ),
)
@click.option("--appeals", "count", type=click.IntRange(1), required=True, help="How many appeals to add.")
@click.option("--seed", default=7, show_default=True)
def generate_command(count: int, seed: int) -> None:
    started = time.perf_counter()
    with _quiet():
        made = generate_bulk(count, seed=seed, say=lambda text: click.echo(f"  {text}"))
        db.session.commit()
    click.echo(
        f"{made.appeals} appeals, {made.citizens} new citizens, {made.events} events in "
        f"{time.perf_counter() - started:.1f} s; {appeal_count()} appeals in all"
    )
