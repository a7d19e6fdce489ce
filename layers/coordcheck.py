"""Does a CRS fit the coordinates given in it? Refuse what would put data in the wrong place.

A wrong CRS does not fail loudly: lon/lat read as Gauss-Krüger metres lands near the equator,
metres read as lon/lat are impossible, a GeoJSON without a ``crs`` member is lon/lat by definition.
Every coordinate is checked against the CRS it is said to be in: it must be a number, possible
for the CRS (|latitude| ≤ 90°) and inside the CRS's area of use (pyproj ``CRS.area_of_use``)
widened by :data:`AREA_MARGIN_DEG`. When the coordinates do not fit, :func:`suggest_crs` says what
the numbers look like.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyproj
import shapely

from layers.crs import describe_crs, transformer
from layers.errors import CRSError, bi, fix_hint, halves, rephrase
from layers.gk import detect_gk

NOT_A_NUMBER = bi("has a coordinate that is not a number (NaN or infinite)",
                  "有坐标不是数字（NaN 或无穷大）")
AREA_MARGIN_DEG = 2.0
"""Margin [°] around a CRS's area of use within which coordinates are accepted.

Data are often kept in the Gauss-Krüger zone of a neighbouring area (a city straddling a zone
edge), so coordinates up to 2° (about 200 km) outside a CRS's stated area are accepted; a wrong
CRS moves data by far more (lon/lat read as metres lands at the equator)."""


def area_of_use(crs: pyproj.CRS) -> tuple[float, float, float, float] | None:
    """The area of use of ``crs`` (west, south, east, north) [°], or None when unknown."""
    aou = crs.area_of_use
    if aou is None:
        epsg = crs.to_epsg(min_confidence=70)
        aou = pyproj.CRS.from_epsg(epsg).area_of_use if epsg else None
    return None if aou is None else (aou.west, aou.south, aou.east, aou.north)


def to_lonlat(crs: pyproj.CRS, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Longitude and latitude [°] of coordinates in ``crs`` (inf where impossible)."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if crs.is_geographic:
        return x, y
    geodetic = crs.geodetic_crs
    if geodetic is None:
        return np.full_like(x, np.inf), np.full_like(y, np.inf)
    t = transformer(crs, geodetic)
    with np.errstate(all="ignore"):
        lon, lat = t.transform(x, y, errcheck=False)
    return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)


def _fmt(v: float) -> str:
    return f"{v:.0f}" if abs(v) >= 1e5 else f"{v:.6g}"


def _span(v: np.ndarray) -> str:
    low, high = _fmt(v.min()), _fmt(v.max())
    return low if low == high else f"{low}…{high}"


def misplaced(geoms: np.ndarray, crs: pyproj.CRS) -> np.ndarray:
    """Why each geometry's coordinates do not fit ``crs`` (``""`` when they do, or no geometry).

    Parameters
    ----------
    geoms : array of shapely geometries
    crs : pyproj.CRS

    Returns
    -------
    array of str
        Per geometry: a coordinate that is not a number, coordinates impossible for a lon/lat
        CRS, or coordinates outside the CRS's area of use (with :data:`AREA_MARGIN_DEG`).
    """
    g = np.asarray(geoms, dtype=object)
    out = np.full(len(g), "", dtype=object)
    present = ~(shapely.is_missing(g) | shapely.is_empty(g)) if len(g) else np.zeros(0, bool)
    if not present.any():
        return out
    coords, idx = shapely.get_coordinates(g[present], return_index=True)
    rows = np.flatnonzero(present)
    nonfinite = np.zeros(len(g), dtype=bool)
    nonfinite[rows[np.unique(idx[~np.isfinite(coords).all(axis=1)])]] = True
    out[nonfinite] = NOT_A_NUMBER
    check = present & ~nonfinite
    if not check.any():
        return out
    b = shapely.bounds(g[check])
    xs = np.concatenate([b[:, 0], b[:, 2], b[:, 0], b[:, 2]])
    ys = np.concatenate([b[:, 1], b[:, 3], b[:, 3], b[:, 1]])
    lon, lat = (v.reshape(4, -1) for v in to_lonlat(crs, xs, ys))
    impossible = ~(np.isfinite(lon) & np.isfinite(lat)).all(axis=0)
    impossible |= (np.abs(lat) > 90).any(axis=0) | (np.abs(lon) > 180 + 1e-9).any(axis=0)
    aou = area_of_use(crs)
    outside = np.zeros_like(impossible)
    if aou is not None:
        w, s, e, n = aou
        m = AREA_MARGIN_DEG
        in_lon = ((lon >= w - m) & (lon <= e + m)) if w <= e else ((lon >= w - m) | (lon <= e + m))
        outside = ~(in_lon & (lat >= s - m) & (lat <= n + m)).all(axis=0) & ~impossible
    where = np.flatnonzero(check)
    for k in np.flatnonzero(impossible | outside):
        x0, y0, x1, y1 = b[k]
        at = f"({_fmt(x0)}, {_fmt(y0)})" if (x0, y0) == (x1, y1) else (
            f"(x {_fmt(x0)}…{_fmt(x1)}, y {_fmt(y0)}…{_fmt(y1)})")
        if impossible[k] and crs.is_geographic:
            lat_out = bool(max(abs(y0), abs(y1)) > 90 or not np.isfinite([y0, y1]).all())
            lon_out = bool(max(abs(x0), abs(x1)) > 180 + 1e-9 or not np.isfinite([x0, x1]).all())
            swapped = lat_out and not lon_out and max(abs(x0), abs(x1)) <= 90
            en = "; ".join(["longitude beyond ±180°"] * lon_out
                           + ["latitude beyond ±90°"] * lat_out)
            zh = "；".join(["经度超出 ±180°"] * lon_out + ["纬度超出 ±90°"] * lat_out)
            why = bi(f"{at} is not a longitude/latitude ({en}"
                     + ("; longitude and latitude look swapped)" if swapped else ")"),
                     f"{at} 不是经纬度（{zh}"
                     + ("；经度与纬度似乎颠倒了，请把经度放在前面）" if swapped else "）"))
        elif impossible[k]:
            why = bi(f"{at} cannot be placed in {describe_crs(crs)}",
                     f"{at} 无法在 {describe_crs(crs)} 中定位")
        else:
            w, s, e, n = aou
            why = bi(f"{at} lies at {lon[0, k]:.2f}°E {lat[0, k]:.2f}°N, outside the area where "
                     f"{describe_crs(crs)} is used ({w:g}–{e:g}°E, {s:g}–{n:g}°N)",
                     f"{at} 位于东经 {lon[0, k]:.2f}°、北纬 {lat[0, k]:.2f}°，超出 "
                     f"{describe_crs(crs)} 的使用范围（东经 {w:g}–{e:g}°，北纬 {s:g}–{n:g}°）")
        out[where[k]] = why
    return out


GK3_PLAIN = {3 * z: 4534 + z - 25 for z in range(25, 46)}
"""CGCS2000 3° Gauss-Krüger CRSs with plain (6-digit) eastings: central meridian [°E] → EPSG."""


def gk_zone_choices(x: np.ndarray, y: np.ndarray,
                    near: tuple[float, float, float, float] | None = None) -> list[tuple[str, int]]:
    """The CGCS2000 3° Gauss-Krüger zones 6-digit eastings may be in, nearest first.

    Eastings without a zone number fit every zone equally well (the same numbers, shifted by 3°
    of longitude per zone), so the zone is told from where the data should be: the zones that
    put the data's extent on ``near`` (a region's extent); when none does, the zones whose
    central meridian is within 1.5° of ``near`` (the region straddles their boundary, the data
    may be kept in either); without ``near``, the zone of CM 105°E and its eastern neighbour
    (examples, not a finding).

    Parameters
    ----------
    x, y : array of float
        Eastings and northings [m].
    near : (west, south, east, north), optional
        Where the data are expected [° CGCS2000/WGS84].

    Returns
    -------
    list of (str, int)
        ``("EPSG:4545", 108)``: the code and the central meridian [°E] of each zone.
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if near is None or not len(x):
        return [("EPSG:4544", 105), ("EPSG:4545", 108)]
    w, s, e, n = (float(v) for v in near)
    xs = np.array([x.min(), x.max(), x.min(), x.max()])
    ys = np.array([y.min(), y.min(), y.max(), y.max()])
    box = shapely.box(w, s, e, n)
    hits = []
    for cm, code in GK3_PLAIN.items():
        if not (w - 6 <= cm <= e + 6):
            continue
        lon, lat = to_lonlat(pyproj.CRS.from_epsg(code), xs, ys)
        if not (np.isfinite(lon).all() and np.isfinite(lat).all()):
            continue
        data = shapely.box(lon.min(), lat.min(), lon.max(), lat.max())
        share = shapely.area(shapely.intersection(data.buffer(1e-6), box)) \
            / max(shapely.area(data.buffer(1e-6)), 1e-12)
        if share > 0:
            hits.append((share, cm, code))
    if hits:
        hits.sort(key=lambda h: (-h[0], abs(h[1] - (w + e) / 2)))
        return [(f"EPSG:{code}", cm) for _, cm, code in hits]
    mid = (w + e) / 2
    close = sorted((cm for cm in GK3_PLAIN if w - 1.5 <= cm <= e + 1.5),
                   key=lambda cm: abs(cm - mid)) or [min(GK3_PLAIN, key=lambda cm: abs(cm - mid))]
    return [(f"EPSG:{GK3_PLAIN[cm]}", cm) for cm in close]


def other_zones(crs: pyproj.CRS | None, x: np.ndarray, y: np.ndarray,
                near: tuple[float, float, float, float]) -> list[tuple[str, int]]:
    """The other CGCS2000 3° Gauss-Krüger zones that put data read in ``crs`` on ``near``.

    Data read with a plain (6-digit) Gauss-Krüger zone that land far from their region were most
    likely given the wrong zone: :func:`gk_zone_choices` over the region, without ``crs`` itself.

    Parameters
    ----------
    crs : pyproj.CRS or None
        The CRS the data were read with; only a zone of :data:`GK3_PLAIN` gets an answer.
    x, y : array of float
        Eastings and northings [m] in ``crs`` (their extremes are enough).
    near : (west, south, east, north)
        The region's extent [°].

    Returns
    -------
    list of (str, int)
        ``[("EPSG:4545", 108)]``, nearest first; empty when ``crs`` is not such a zone or no
        other zone puts the data on ``near``.
    """
    epsg = crs.to_epsg() if crs is not None else None
    if epsg not in GK3_PLAIN.values():
        return []
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    xs, ys = np.array([x.min(), x.max()]), np.array([y.min(), y.max()])
    region = shapely.box(*near)
    out = []
    for code, cm in gk_zone_choices(x, y, near):
        if code == f"EPSG:{epsg}":
            continue
        lon, lat = to_lonlat(pyproj.CRS.from_user_input(code), xs[[0, 1, 0, 1]], ys[[0, 0, 1, 1]])
        if np.isfinite(lon).all() and np.isfinite(lat).all() and shapely.intersects(
                shapely.box(lon.min(), lat.min(), lon.max(), lat.max()), region):
            out.append((code, cm))  # the fallback of nearby zones is no fit: left out
    return out


def zone_words(choices: list[tuple[str, int]]) -> str:
    """``EPSG:4545 (CGCS2000 / 3-degree Gauss-Kruger CM 108E)`` or several joined by " or "."""
    return " or ".join(f"{code} (CGCS2000 / 3-degree Gauss-Kruger CM {cm}E)"
                       for code, cm in choices)


def no_zone_number(x: np.ndarray, y: np.ndarray, hints: dict | None) -> str:
    """The refusal of 6-digit Gauss-Krüger eastings given without a CRS: the zone(s) that put
    them on the region (``hints["near"]``, a (west, south, east, north) extent [°] or a function
    giving it), or examples with their central meridians, and the fix on the command run."""
    near = (hints or {}).get("near")
    near = near() if callable(near) else near
    choices = gk_zone_choices(x, y, near)
    which = ("e.g. " if near is None else "over the region: ") + zone_words(choices)
    fixes = " or ".join(fix_hint(hints, "crs", c) for c, _ in choices)
    fixes_zh = " 或 ".join(fix_hint(hints, "crs", c, "zh") for c, _ in choices)
    return bi("eastings carry no zone number (6 digits), so their central meridian must be given "
              f"with the CRS, {which}. Say which CRS the metres are in: {fixes}",
              f"东坐标不带带号（6 位），须在坐标系中给出中央子午线（{zone_words(choices)}）。"
              f"请指定米制坐标所用的坐标系：{fixes_zh}")


def suggest_crs(x: np.ndarray, y: np.ndarray,
                near: tuple[float, float, float, float] | None = None
                ) -> tuple[str | None, str]:
    """What coordinates look like: an EPSG code to suggest (or None) and a phrase.

    Parameters
    ----------
    x, y : array of float
        Coordinates as given (x = easting or longitude).
    near : (west, south, east, north), optional
        Where the data are expected [°]: tells the zone of eastings without a zone number
        (:func:`gk_zone_choices`; the code returned is the first of its choices).

    Returns
    -------
    (str or None, str)
        E.g. ``("EPSG:4490", "longitude/latitude degrees (CGCS2000: EPSG:4490)")``,
        ``("EPSG:4524", "Gauss-Krüger eastings with zone number 36: EPSG:4524 (...)")``.
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    ok = np.isfinite(x) & np.isfinite(y)
    if not ok.any():
        return None, bi("no usable numbers", "没有可用的数字")
    x, y = x[ok], y[ok]
    if np.all(np.abs(x) <= 180) and np.all(np.abs(y) <= 90):
        return "EPSG:4490", bi("longitude/latitude degrees (CGCS2000: EPSG:4490)",
                               "经纬度（CGCS2000：EPSG:4490）")
    if np.all(np.abs(x) <= 90) and np.all(np.abs(y) <= 180):
        return None, bi("latitude/longitude with the two swapped (x holds latitudes): put "
                        "longitude first", "纬度与经度颠倒（x 为纬度）：请把经度放在前面")
    if np.all((x >= 1e7) & (x < 1e8)):
        try:
            found = detect_gk(x)
        except CRSError as exc:
            return None, bi(f"Gauss-Krüger eastings with zone number, but {exc}",
                            f"带带号的高斯-克吕格东坐标，但 {exc}")
        code, zone = f"EPSG:{found.to_epsg()}", int(np.median(x) // 1e6)
        return code, bi(f"Gauss-Krüger eastings with zone number {zone}: {describe_crs(found)}",
                        f"带号为 {zone} 的高斯-克吕格东坐标：{describe_crs(found)}")
    if np.all((x >= 1e5) & (x < 1e6)) and np.all((y >= 1e6) & (y < 1e7)):
        choices = gk_zone_choices(x, y, near)
        words = zone_words(choices)
        if near is None:
            which = (f"the numbers do not tell the zone, e.g. {words}",
                     f"数值看不出投影带，例如 {words}")
        elif len(choices) == 1:
            which = (f"over the region they fit {words}", f"在本区域内符合 {words}")
        else:
            which = (f"the numbers do not tell the zone; near the region it is one of {words} — "
                     "ask the data's provider which", f"数值看不出投影带；在本区域附近可能是 {words} "
                     "之一，请向数据提供方确认")
        return choices[0][0], bi("Gauss-Krüger metres without zone number (6-digit eastings): "
                                 f"give the CRS with their central meridian; {which[0]}",
                                 "不带带号的高斯-克吕格米制坐标（6 位东坐标）：请给出含中央子午线的"
                                 f"坐标系；{which[1]}")
    if np.all((y >= 1e5) & (y < 1e8)) and np.all((x >= 1e6) & (x < 1e7)):
        return None, bi("northings and eastings with the two swapped (x holds northings): put "
                        "the easting first", "北坐标与东坐标颠倒（x 为北坐标）：请把东坐标放在前面")
    return None, bi("projected metres of a system not recognised: ask the data's provider for "
                    "its CRS", "无法识别的投影米制坐标：请向数据提供方询问其坐标系")


def describe_misfit(crs: pyproj.CRS, geoms: np.ndarray) -> tuple[str | None, str]:
    """The extent of ``geoms`` in ``crs`` and what they look like, for a CRS error message.

    Returns
    -------
    (str or None, str)
        The EPSG code to suggest (or None) and a sentence such as
        ``the coordinates (x 106.6…106.7, y 26.5…26.6) do not fit EPSG:4544 (...) ...``.
    """
    g = np.asarray(geoms, dtype=object)
    g = g[~(shapely.is_missing(g) | shapely.is_empty(g))]
    coords = shapely.get_coordinates(g)
    coords = coords[np.isfinite(coords).all(axis=1)]
    if not len(coords):
        return None, bi("no coordinate is a number", "没有一个坐标是数字")
    x, y = coords[:, 0], coords[:, 1]
    code, looks = suggest_crs(x, y)
    extent = f"x {_span(x)}, y {_span(y)}"
    aou = area_of_use(crs)
    where = "" if aou is None else (f", used in {aou[0]:g}–{aou[2]:g}°E, "
                                    f"{aou[1]:g}–{aou[3]:g}°N")
    where_zh = "" if aou is None else (f"（使用范围：东经 {aou[0]:g}–{aou[2]:g}°，"
                                       f"北纬 {aou[1]:g}–{aou[3]:g}°）")
    return code, rephrase(looks, f"the coordinates ({extent}) do not fit {describe_crs(crs)}"
                          f"{where}; they look like {{}}",
                          f"坐标（{extent}）与 {describe_crs(crs)}{where_zh} 不符；看起来是{{}}")


def check_placement(geoms: np.ndarray, crs: pyproj.CRS,
                    refusal: Callable[[str | None, str], str]) -> np.ndarray:
    """Per geometry why it cannot be placed in ``crs``; refuse the CRS when none can.

    Parameters
    ----------
    geoms : array of shapely geometries
    crs : pyproj.CRS
    refusal : callable
        ``refusal(code, text)`` → the message of the :class:`CRSError`, from the EPSG code the
        numbers suggest (or None) and :func:`describe_misfit`'s sentence.

    Returns
    -------
    array of str
        :func:`misplaced`'s reasons, when at least one geometry fits (or every misfit is only a
        coordinate that is not a number).

    Raises
    ------
    CRSError
        When every geometry present is misplaced: then the CRS is wrong, not the features.
    """
    g = np.asarray(geoms, dtype=object)
    why = misplaced(g, crs)
    present = ~(shapely.is_missing(g) | shapely.is_empty(g)) if len(g) else np.zeros(0, bool)
    bad = why != ""
    if present.any() and bad[present].all() and not (why[present] == NOT_A_NUMBER).all():
        raise CRSError(refusal(*describe_misfit(crs, g)))
    return why


def no_crs_message(geoms: np.ndarray, what: str, hints: dict | None) -> str:
    """The message refusing a source without CRS: what its numbers look like and the fix."""
    xy = shapely.get_coordinates(geoms)
    near = (hints or {}).get("near")  # where the data should be: tells a Gauss-Krüger zone
    near = near() if callable(near) else near
    code, looks = suggest_crs(xy[:, 0], xy[:, 1], near) if len(xy) else (None, "")
    fix, fix_zh = fix_hint(hints, "crs", code), fix_hint(hints, "crs", code, "zh")
    if code is not None and looks.startswith("Gauss-Krüger metres without zone number"):
        zones = [c for c, _ in gk_zone_choices(xy[:, 0], xy[:, 1], near)]
        fix = " or ".join(fix_hint(hints, "crs", c) for c in zones)
        fix_zh = " 或 ".join(fix_hint(hints, "crs", c, "zh") for c in zones)
    if code is None:
        fix += (" (e.g. EPSG:4490 for CGCS2000 longitude/latitude, EPSG:4544 for CGCS2000 "
                "3-degree Gauss-Krüger CM 105E)")
        fix_zh += "（例如 CGCS2000 经纬度用 EPSG:4490，CGCS2000 3 度带高斯-克吕格 105°E 用 EPSG:4544）"
    elif code == "EPSG:4490" and (hints or {}).get("coords"):
        fix += f", or for GPS or web-map coordinates {fix_hint(hints, 'coords')}"
        fix_zh += f"，GPS 或网络地图坐标则用 {fix_hint(hints, 'coords', lang='zh')}"
    en, zh = halves(looks)
    return bi(f"{what}: the source has no CRS{f'; its coordinates look like {en}' if en else ''}"
              f". Say which CRS it is in: {fix}; the toolkit never guesses a CRS",
              f"数据源没有坐标系（如缺少 .prj 文件）{f'，其坐标看起来是{zh or en}' if en else ''}。"
              f"请指定其坐标系：{fix_zh}；本工具从不猜测坐标系")


def misfit_refusal(code: str | None, text: str, what: str, how: str, crs: object,
             hints: dict | None) -> str:
    """The message refusing a CRS that does not fit, by where the CRS came from.

    Without a CRS to suggest (``code`` None: lat/lon swapped, a system not recognised) the text
    already says what to do; no example CRS is named, least of all the one refused.
    """
    if how == "geojson":
        text = rephrase(text, "a GeoJSON without a \"crs\" member is longitude/latitude (WGS84, "
                        "RFC 7946), but {}", "不含 \"crs\" 成员的 GeoJSON 为经纬度（WGS84，RFC 7946），"
                        "但{}")
    if code is None:
        return rephrase(text, f"{what}: {{}}", "{}")
    fix, fix_zh = fix_hint(hints, 'crs', code), fix_hint(hints, 'crs', code, 'zh')
    if how == "geojson":
        return rephrase(text, f"{what}: {{}}. Say which CRS the file is in: {fix}",
                        f"{{}}。请指定文件所用的坐标系：{fix_zh}")
    if how == "declared":
        return rephrase(text, f"{what}: {{}}. The CRS declared for it ({crs!r}) is wrong: {fix}",
                        f"{{}}。为其声明的坐标系（{crs!r}）有误：{fix_zh}")
    return rephrase(text, f"{what}: {{}}. The file itself declares this CRS and it is wrong: "
                    f"re-save the file with its true CRS, e.g. ogr2ogr -a_srs {code} fixed.gpkg "
                    "<the file>", f"{{}}。文件自身声明的坐标系有误：请以正确的坐标系重新保存，"
                    f"例如 ogr2ogr -a_srs {code} fixed.gpkg <原文件>")
