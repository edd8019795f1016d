"""A tile-grid map of the 20 regions: no kept package has geodata with the 2022 regions (Abai, Jetisu,
Ulytau), so each region is a square at a fixed place roughly where it lies, coloured by its rate."""

from dataclasses import dataclass

#: (column, row) of each region code: west to east, north to south.
GRID = {
    "ZKO": (0, 0), "KOS": (2, 0), "SKO": (3, 0), "PAV": (4, 0),
    "ATY": (0, 1), "AKT": (1, 1), "AKM": (2, 1), "AST": (3, 1), "ABA": (4, 1), "VKO": (5, 1),
    "MAN": (0, 2), "KZO": (1, 2), "ULY": (2, 2), "KAR": (3, 2), "ZHE": (4, 2),
    "TUR": (1, 3), "SHY": (2, 3), "ZHA": (3, 3), "ALM": (4, 3), "ALA": (5, 3),
}  # fmt: skip
#: Colours from few to many appeals per residents (ColorBrewer "Blues", readable in print), and for no data.
SHADES = ("#deebf7", "#9ecae1", "#6baed6", "#3182bd", "#08519c")
NO_DATA = "#eeeeee"
TILE = 96


@dataclass
class Tile:
    code: str
    name: str
    x: int
    y: int
    colour: str
    rate: float | None
    appeals: int
    #: White text on the two darkest shades.
    dark: bool


def legend(cells) -> list[tuple[str, float, float]]:
    """(colour, from, to) of each shade: equal steps from 0 to the highest rate."""
    top = max((c.rate for c in cells if c.rate is not None), default=0) or 1
    step = top / len(SHADES)
    return [(colour, round(n * step, 2), round((n + 1) * step, 2)) for n, colour in enumerate(SHADES)]


def tiles(cells) -> list[Tile]:
    bands = legend(cells)
    result = []
    for cell in cells:
        if cell.region.code not in GRID:
            continue
        column, row = GRID[cell.region.code]
        if cell.rate is None:
            colour = NO_DATA
        else:
            colour = next((c for c, _low, high in bands if cell.rate <= high), SHADES[-1])
        result.append(
            Tile(
                cell.region.code,
                cell.region.name,
                column * TILE,
                row * TILE,
                colour,
                cell.rate,
                cell.appeals,
                colour in SHADES[3:],
            )
        )
    return result
