"""British and Irish National Grid coordinates to WGS84 latitude/longitude, vectorised.

The ONS postcode directory gives each postcode as an easting/northing: on the British National Grid
(OSGB36, EPSG:27700) in Great Britain and on the Irish Grid (TM75, EPSG:29903) in Northern Ireland.
This is the Ordnance Survey's published method (inverse transverse Mercator on the local ellipsoid,
then a seven-parameter Helmert shift to WGS84), the same transformation PROJ applies when no grid
shift file is installed; it agrees with pyproj to 1e-6 degrees and is good to about 5 m, far finer
than a postcode.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

Floats = NDArray[np.float64]

_WGS84_A = 6378137.0
_WGS84_B = 6356752.314245


def _tm_inverse(
    east: Floats,
    north: Floats,
    a: float,
    b: float,
    f0: float,
    lat0_deg: float,
    lon0_deg: float,
    e0: float,
    n0: float,
) -> tuple[Floats, Floats]:
    lat0, lon0 = np.radians(lat0_deg), np.radians(lon0_deg)
    e2 = 1 - (b * b) / (a * a)
    n = (a - b) / (a + b)
    lat = (north - n0) / (a * f0) + lat0
    for _ in range(4):  # each step shrinks the error ~150-fold: < 1 mm after 4
        dl, sl = lat - lat0, lat + lat0
        m = (
            b
            * f0
            * (
                (1 + n + 1.25 * n**2 + 1.25 * n**3) * dl
                - (3 * n + 3 * n**2 + 21 / 8 * n**3) * np.sin(dl) * np.cos(sl)
                + (15 / 8 * n**2 + 15 / 8 * n**3) * np.sin(2 * dl) * np.cos(2 * sl)
                - 35 / 24 * n**3 * np.sin(3 * dl) * np.cos(3 * sl)
            )
        )
        lat = lat + (north - n0 - m) / (a * f0)
    s, c, t = np.sin(lat), np.cos(lat), np.tan(lat)
    nu = a * f0 / np.sqrt(1 - e2 * s * s)
    rho = a * f0 * (1 - e2) / (1 - e2 * s * s) ** 1.5
    eta2 = nu / rho - 1
    t2 = t * t
    vii = t / (2 * rho * nu)
    viii = t / (24 * rho * nu**3) * (5 + 3 * t2 + eta2 - 9 * t2 * eta2)
    ix = t / (720 * rho * nu**5) * (61 + 90 * t2 + 45 * t2 * t2)
    x = 1 / (c * nu)
    xi = 1 / (c * 6 * nu**3) * (nu / rho + 2 * t2)
    xii = 1 / (c * 120 * nu**5) * (5 + 28 * t2 + 24 * t2 * t2)
    xiia = 1 / (c * 5040 * nu**7) * (61 + 662 * t2 + 1320 * t2 * t2 + 720 * t2 * t2 * t2)
    de = east - e0
    phi = lat - vii * de**2 + viii * de**4 - ix * de**6
    lam = lon0 + x * de - xi * de**3 + xii * de**5 - xiia * de**7
    return phi, lam


def _helmert_to_wgs84(
    phi: Floats, lam: Floats, a: float, b: float, params: tuple[float, ...]
) -> tuple[Floats, Floats]:
    tx, ty, tz, rx, ry, rz, s_ppm = params
    e2 = 1 - b * b / (a * a)
    s = np.sin(phi)
    nu = a / np.sqrt(1 - e2 * s * s)
    x = nu * np.cos(phi) * np.cos(lam)
    y = nu * np.cos(phi) * np.sin(lam)
    z = (1 - e2) * nu * s
    sec = np.pi / (180 * 3600)
    rx, ry, rz = rx * sec, ry * sec, rz * sec
    m = 1 + s_ppm * 1e-6
    x2 = tx + m * (x - rz * y + ry * z)
    y2 = ty + m * (rz * x + y - rx * z)
    z2 = tz + m * (-ry * x + rx * y + z)
    we2 = 1 - _WGS84_B**2 / _WGS84_A**2
    p = np.sqrt(x2 * x2 + y2 * y2)
    lat = np.arctan2(z2, p * (1 - we2))
    for _ in range(3):
        nu2 = _WGS84_A / np.sqrt(1 - we2 * np.sin(lat) ** 2)
        lat = np.arctan2(z2 + we2 * nu2 * np.sin(lat), p)
    return np.degrees(lat), np.degrees(np.arctan2(y2, x2))


def british_grid_to_wgs84(east: Floats, north: Floats) -> tuple[Floats, Floats]:
    """OSGB36 National Grid easting/northing (metres) → WGS84 (lat, lon) in degrees."""
    a, b = 6377563.396, 6356256.909  # Airy 1830
    phi, lam = _tm_inverse(east, north, a, b, 0.9996012717, 49.0, -2.0, 400000.0, -100000.0)
    return _helmert_to_wgs84(
        phi, lam, a, b, (446.448, -125.157, 542.06, 0.15, 0.247, 0.842, -20.489)
    )


def irish_grid_to_wgs84(east: Floats, north: Floats) -> tuple[Floats, Floats]:
    """Irish Grid (TM75) easting/northing (metres) → WGS84 (lat, lon) in degrees."""
    a, b = 6377340.189, 6356034.447  # Airy modified
    phi, lam = _tm_inverse(east, north, a, b, 1.000035, 53.5, -8.0, 200000.0, 250000.0)
    return _helmert_to_wgs84(phi, lam, a, b, (482.5, -130.6, 564.6, -1.042, -0.214, -0.631, 8.15))


def haversine_km(lat1: Floats, lon1: Floats, lat2: Floats | float, lon2: Floats | float) -> Floats:
    """Great-circle distance in km between points (arrays broadcast; NaN in, NaN out)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(np.asarray(lon2) - lon1)
    h = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return np.asarray(2 * 6371.0088 * np.arcsin(np.sqrt(np.minimum(h, 1.0))), dtype=np.float64)
