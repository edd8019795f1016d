"""The dashboard's figures: from the summary (summary.py) when it answers the question, else counted from the
appeals now (dashboard.py). Both give the same figures for the same appeals (tests/test_dashboard.py)."""

from dataclasses import dataclass
from datetime import date

from flask_babel import get_locale

from . import dashboard
from . import summary as cube


@dataclass
class AppealFigures:
    """What the dashboard says about appeals: the headline, the tables in page order, the map's cells."""

    headline: dashboard.Summary
    tables: list[dashboard.Table]
    cells: list[dashboard.MapCell]


def from_summary(f: dashboard.DashboardFilter, user) -> AppealFigures:
    region_table, cells = dashboard.by_region(f, user, cube.by_region_counts(f, user))
    tables = [
        cube.by_month(f, user),
        cube.by_topic(f, user),
        region_table,
        cube.by_branch(f, user),
        cube.by_channel(f, user),
        cube.by_state(f, user),
        cube.workload(f, user),
    ]
    return AppealFigures(cube.summary(f, user), tables, cells)


def counted(f: dashboard.DashboardFilter, user, today: date) -> AppealFigures:
    region_table, cells = dashboard.by_region(f, user)
    tables = [
        dashboard.by_month(f, user),
        dashboard.by_topic(f, user),
        region_table,
        dashboard.by_branch(f, user),
        dashboard.by_channel(f, user),
        dashboard.by_state(f, user),
        dashboard.workload(f, user, today),
    ]
    return AppealFigures(dashboard.summary(f, user, today), tables, cells)


def build(f: dashboard.DashboardFilter, user, today: date) -> dashboard.Dashboard:
    """Every figure and table; from the summary (summary.py) when it answers the question, else counted now."""
    refreshed = cube.latest()
    if cube.fits(f, user, refreshed):
        appeals, as_of = from_summary(f, user), refreshed.refreshed_dt
    else:
        appeals, as_of = counted(f, user, today), None
    *appeal_tables, deputies = appeals.tables
    tables = [
        *appeal_tables,
        dashboard.inquiries_by_addressee(f, user, today),
        dashboard.inquiries_by_topic(f, user, today),
        deputies,
    ]
    sources = dashboard.population()["source"]
    source = sources.get(str(get_locale()), sources["en"])
    return dashboard.Dashboard(f, appeals.headline, tables, appeals.cells, source, as_of)
