"""Where postcode districts are: the centre of each district in Great Britain, from the file
`data/districts.csv` made from Ordnance Survey's Code-Point Open (see `data/make_districts.py`).

Read once, from the package, never from the network. Northern Ireland (BT), the Channel Islands
and the Isle of Man are not in Code-Point Open, so their districts have no centre here and
matching says the distance is unknown.
"""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

from coop.shared_lives import matching

DATA = Path(__file__).parent / "data" / "districts.csv"


@cache
def _centres() -> dict[str, tuple[float, float]]:
    with DATA.open(newline="") as rows:
        return {
            row["district"]: (float(row["latitude"]), float(row["longitude"]))
            for row in csv.DictReader(rows)
        }


def centre(postcode: str) -> tuple[float, float] | None:
    """The latitude and longitude of the centre of the postcode's district, if known."""
    return _centres().get(matching.district(postcode))
