"""Gauss-Krüger coordinates of China beyond the working CRS: recognising the zone of eastings
(:func:`detect_gk`) and the Xian 1980 / Beijing 1954 zones a user's metres may be on
(:func:`legacy_gk_crs`, :func:`legacy_fixes`). The CGCS2000 zones are
:func:`layers.crs.gk_zone_crs`."""

from __future__ import annotations

import numpy as np
import pyproj

from layers.crs import gk_zone_crs
from layers.errors import CRSError, fix_hint

_LEGACY_GK = {
    ("xian80", 3): (25, 2349, 2370),
    ("xian80", 6): (13, 2327, 2338),
    ("beijing54", 3): (25, 2401, 2422),
    ("beijing54", 6): (13, 21413, 21453),
}
"""(first zone, EPSG code of that zone with zone-prefixed eastings, with plain eastings)."""
LEGACY_DATUM_NAMES = {"xian80": "Xian 1980", "beijing54": "Beijing 1954"}


def legacy_gk_crs(datum: str, zone: int, width: int = 3, prefixed: bool = True) -> pyproj.CRS:
    """The Xian 1980 (``xian80``) or Beijing 1954 (``beijing54``) Gauss-Krüger CRS of a zone.

    Parameters are those of :func:`layers.crs.gk_zone_crs`; ``datum`` is a key of
    :data:`LEGACY_DATUM_NAMES`.
    """
    first, code_prefixed, code_plain = _LEGACY_GK[(datum, width)]
    if not first <= zone < first + (21 if width == 3 else 11):
        raise CRSError(f"Gauss-Krüger zone {zone} of width {width}° is not a zone of China")
    return pyproj.CRS.from_epsg((code_prefixed if prefixed else code_plain) + zone - first)


def legacy_fixes(zone: int, width: int, prefixed: bool, hints: dict | None = None,
                 lang: str = "en") -> str:
    """How to say that a zone's metres are on Xian 1980 or Beijing 1954, on the command run.

    E.g. ``for Xian 1980 --crs EPSG:2360, for Beijing 1954 --crs EPSG:2412`` (``hints`` as for
    :func:`layers.errors.fix_hint`; the catalog's wording without them); under ``lang="zh"``
    ``西安 1980 用 --crs EPSG:2360，北京 1954 用 --crs EPSG:2412``.
    """
    codes = {name: legacy_gk_crs(d, zone, width, prefixed).to_epsg()
             for d, name in LEGACY_DATUM_NAMES.items()}
    if lang == "zh":
        return "，".join(f"{_LEGACY_ZH.get(name, name)} 用 "
                        f"{fix_hint(hints, 'crs', f'EPSG:{code}', 'zh')}"
                        for name, code in codes.items())
    return ", ".join(f"for {name} {fix_hint(hints, 'crs', f'EPSG:{code}')}"
                     for name, code in codes.items())


_LEGACY_ZH = {"Xian 1980": "西安 1980", "Beijing 1954": "北京 1954"}


def detect_gk(eastings: np.ndarray, central_meridian: float | None = None) -> pyproj.CRS:
    """Recognise CGCS2000 Gauss-Krüger eastings, with or without the zone number in front.

    Parameters
    ----------
    eastings : array of float
        x values [m] (always the easting; the MNR boundary-point format calls it Y).
    central_meridian : float, optional
        Central meridian [°E], needed when eastings carry no zone number.

    Returns
    -------
    pyproj.CRS
        The zone's CRS.

    Raises
    ------
    CRSError
        When eastings mix zones, or carry no zone number and no central meridian is given.
    """
    x = np.asarray(eastings, dtype=float)
    if x.size == 0:
        raise CRSError("no coordinates to recognise a Gauss-Krüger zone from")
    if np.all(x >= 1e7):
        zones = np.unique(np.floor(x / 1e6).astype(int))
        if zones.size != 1:
            raise CRSError(f"eastings carry several zone numbers {zones.tolist()}; split the file")
        zone = int(zones[0])
        return gk_zone_crs(zone, width=3 if zone >= 25 else 6, prefixed=True)
    if np.all((x >= 1e5) & (x < 1e6)):
        if central_meridian is None:
            raise CRSError(
                "eastings carry no zone number (6 digits), so their central meridian must be "
                "given with the CRS, e.g. EPSG:4544 (CGCS2000 / 3-degree Gauss-Kruger CM 105E)"
            )
        cm = float(central_meridian)
        if cm % 3 == 0:
            return gk_zone_crs(int(cm // 3), width=3, prefixed=False)
        if (cm + 3) % 6 == 0:
            return gk_zone_crs(int((cm + 3) // 6), width=6, prefixed=False)
        raise CRSError(f"central meridian {cm}° is not that of a 3° or 6° Gauss-Krüger zone")
    raise CRSError("x values are not Gauss-Krüger eastings (neither 6 digits nor zone + 6 digits)")
