"""Make districts.csv, the centre of each postcode district in Great Britain, from Code-Point Open.

Run once by hand when the data is refreshed (nothing reads Code-Point Open at run time):

    python -m coop.shared_lives.data.make_districts PATH/TO/Data/CSV > districts.csv

PATH holds Code-Point Open's CSV files, plain or gzipped (rows: postcode, quality, easting,
northing, ...). Each district's centre is the mean of its postcodes' grid references, turned
from the British National Grid (OSGB36) into WGS84 latitude and longitude.
"""

from __future__ import annotations

import csv
import gzip
import math
import sys
from pathlib import Path

# Airy 1830 ellipsoid and the National Grid's projection (Ordnance Survey, "A guide to
# coordinate systems in Great Britain", appendix C).
AIRY_A, AIRY_B = 6377563.396, 6356256.909
F0, LAT0, LON0 = 0.9996012717, math.radians(49), math.radians(-2)
E0, N0 = 400000, -100000
# GRS80 (WGS84) and the Helmert transformation from OSGB36 to WGS84.
GRS_A, GRS_B = 6378137.000, 6356752.3141
TX, TY, TZ, S_PPM = 446.448, -125.157, 542.060, -20.4894
RX, RY, RZ = (math.radians(s / 3600) for s in (0.1502, 0.2470, 0.8421))


def _meridional(b: float, n: float, lat: float) -> float:
    d, s = lat - LAT0, lat + LAT0
    return (
        b
        * F0
        * (
            (1 + n + 1.25 * n**2 + 1.25 * n**3) * d
            - (3 * n + 3 * n**2 + 2.625 * n**3) * math.sin(d) * math.cos(s)
            + (1.875 * n**2 + 1.875 * n**3) * math.sin(2 * d) * math.cos(2 * s)
            - (35 / 24) * n**3 * math.sin(3 * d) * math.cos(3 * s)
        )
    )


def grid_to_osgb36(easting: float, northing: float) -> tuple[float, float]:
    """Inverse transverse Mercator: National Grid metres to OSGB36 latitude and longitude."""
    a, b = AIRY_A, AIRY_B
    e2 = 1 - b * b / (a * a)
    n = (a - b) / (a + b)
    lat, m = LAT0, 0.0
    while True:
        lat = (northing - N0 - m) / (a * F0) + lat
        m = _meridional(b, n, lat)
        if abs(northing - N0 - m) < 0.00001:
            break
    sin, cos, tan = math.sin(lat), math.cos(lat), math.tan(lat)
    nu = a * F0 / math.sqrt(1 - e2 * sin**2)
    rho = a * F0 * (1 - e2) / (1 - e2 * sin**2) ** 1.5
    eta2 = nu / rho - 1
    sec = 1 / cos
    vii = tan / (2 * rho * nu)
    viii = tan / (24 * rho * nu**3) * (5 + 3 * tan**2 + eta2 - 9 * tan**2 * eta2)
    ix = tan / (720 * rho * nu**5) * (61 + 90 * tan**2 + 45 * tan**4)
    x = sec / nu
    xi = sec / (6 * nu**3) * (nu / rho + 2 * tan**2)
    xii = sec / (120 * nu**5) * (5 + 28 * tan**2 + 24 * tan**4)
    xiia = sec / (5040 * nu**7) * (61 + 662 * tan**2 + 1320 * tan**4 + 720 * tan**6)
    de = easting - E0
    return (
        lat - vii * de**2 + viii * de**4 - ix * de**6,
        LON0 + x * de - xi * de**3 + xii * de**5 - xiia * de**7,
    )


def osgb36_to_wgs84(lat: float, lon: float) -> tuple[float, float]:
    """Helmert transformation of a point (in radians) from OSGB36 to WGS84, in degrees."""
    e2 = 1 - AIRY_B**2 / AIRY_A**2
    nu = AIRY_A / math.sqrt(1 - e2 * math.sin(lat) ** 2)
    x = nu * math.cos(lat) * math.cos(lon)
    y = nu * math.cos(lat) * math.sin(lon)
    z = (1 - e2) * nu * math.sin(lat)
    s = 1 + S_PPM * 1e-6
    x2 = TX + s * x - RZ * y + RY * z
    y2 = TY + RZ * x + s * y - RX * z
    z2 = TZ - RY * x + RX * y + s * z
    e2 = 1 - GRS_B**2 / GRS_A**2
    p = math.hypot(x2, y2)
    lat2 = math.atan2(z2, p * (1 - e2))
    for _ in range(10):
        nu = GRS_A / math.sqrt(1 - e2 * math.sin(lat2) ** 2)
        lat2 = math.atan2(z2 + e2 * nu * math.sin(lat2), p)
    return math.degrees(lat2), math.degrees(math.atan2(y2, x2))


def centres(folder: Path) -> dict[str, tuple[float, float]]:
    """Each district's mean easting and northing."""
    sums: dict[str, list[float]] = {}
    for path in sorted(folder.iterdir()):
        if not path.name.endswith((".csv", ".csv.gz")):
            continue
        opener = gzip.open if path.name.endswith(".gz") else open
        with opener(path, "rt", newline="") as rows:
            for row in csv.reader(rows):
                postcode, easting, northing = row[0], int(row[2]), int(row[3])
                if not (easting or northing):  # no grid reference (quality 90)
                    continue
                outward = postcode[:-3].strip().upper()
                total = sums.setdefault(outward, [0.0, 0.0, 0])
                total[0] += easting
                total[1] += northing
                total[2] += 1
    return {code: (e / count, n / count) for code, (e, n, count) in sums.items()}


def main(folder: str) -> None:
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["district", "latitude", "longitude"])
    for code, (easting, northing) in sorted(centres(Path(folder)).items()):
        lat, lon = osgb36_to_wgs84(*grid_to_osgb36(easting, northing))
        out.writerow([code, f"{lat:.4f}", f"{lon:.4f}"])


if __name__ == "__main__":
    main(sys.argv[1])
