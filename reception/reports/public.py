"""The public figures page: what the network heard and whether government bodies answer deputies, in aggregate
only. No personal data; any count below SUPPRESS_BELOW is shown as "<5", so no one can be singled out."""

from dataclasses import dataclass

from ..accounts.models import Role
from . import dashboard

#: Counts below this are not published (statistical disclosure control).
SUPPRESS_BELOW = 5


@dataclass(frozen=True)
class Everyone:
    """The scope of the public figures: every appeal and every sent inquiry, counted (never listed). It reads
    as an analyst does, so the same aggregate queries answer; the page shows only suppressed counts."""

    role: Role = Role.analyst
    id: None = None
    branch_id: None = None
    branch: None = None


def suppressed(value):
    """A count as published: "<5" below the threshold; shares and text unchanged."""
    if isinstance(value, int) and not isinstance(value, bool) and value < SUPPRESS_BELOW:
        return f"<{SUPPRESS_BELOW}"
    return value


def _published(table: dashboard.Table) -> dashboard.Table:
    table.rows = [[row[0], *(suppressed(v) for v in row[1:])] for row in table.rows]
    return table


def figures(f: dashboard.DashboardFilter, today) -> list[dashboard.Table]:
    """Appeals by region and topic, and each government body's answers to deputy inquiries, suppressed."""
    from . import summary as cube

    everyone = Everyone()
    if cube.fits(f, everyone, cube.latest()):
        region_table, _cells = dashboard.by_region(f, everyone, cube.by_region_counts(f, everyone))
        topics = cube.by_topic(f, everyone)
    else:
        region_table, _cells = dashboard.by_region(f, everyone)
        topics = dashboard.by_topic(f, everyone)
    region_table.rows = [[r[0], r[1]] for r in region_table.rows]
    region_table.columns = region_table.columns[:2]
    region_table.chart = "bar"
    return [
        _published(region_table),
        _published(topics),
        _published(dashboard.inquiries_by_addressee(f, everyone, today)),
    ]
