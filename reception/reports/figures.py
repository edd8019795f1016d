"""The dashboard's figures: from the summary (summary.py) when it answers the question, else counted from the
appeals now (dashboard.py)."""

from datetime import date

from flask_babel import get_locale

from . import dashboard
from . import summary as cube


def build(f: dashboard.DashboardFilter, user, today: date) -> dashboard.Dashboard:
    """Every figure and table; from the summary (summary.py) when it answers the question, else counted now."""
    refreshed = cube.latest()
    if cube.fits(f, user, refreshed):
        region_table, cells = dashboard.by_region(f, user, cube.by_region_counts(f, user))
        headline = cube.summary(f, user)
        appeal_tables = [
            cube.by_month(f, user),
            cube.by_topic(f, user),
            region_table,
            cube.by_branch(f, user),
            cube.by_channel(f, user),
            cube.by_state(f, user),
        ]
        deputies, as_of = cube.workload(f, user), refreshed.refreshed_dt
    else:
        region_table, cells = dashboard.by_region(f, user)
        headline = dashboard.summary(f, user, today)
        appeal_tables = [
            dashboard.by_month(f, user),
            dashboard.by_topic(f, user),
            region_table,
            dashboard.by_branch(f, user),
            dashboard.by_channel(f, user),
            dashboard.by_state(f, user),
        ]
        deputies, as_of = dashboard.workload(f, user, today), None
    tables = [
        *appeal_tables,
        dashboard.inquiries_by_addressee(f, user, today),
        dashboard.inquiries_by_topic(f, user, today),
        deputies,
    ]
    sources = dashboard.population()["source"]
    return dashboard.Dashboard(f, headline, tables, cells, sources.get(str(get_locale()), sources["en"]), as_of)
