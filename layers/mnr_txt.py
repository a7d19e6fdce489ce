"""Parse the Ministry of Natural Resources boundary-point TXT (界址点坐标 TXT).

The format is the one asked for in land-use submissions (勘测定界, 建设用地报批)::

    [属性描述]
    格式版本号=1.01
    坐标系=2000国家大地坐标系
    几度分带=3
    投影类型=高斯克吕格
    计量单位=米
    带号=36
    精度=0.01
    转换参数=,,,,,,
    [地块坐标]
    5,0.0396,D1,一号地块,面,,工业用地,0601,@
    J1,1,2945000.000,36512000.000
    J2,1,2945000.000,36512200.000
    ...

A parcel header line ends in ``@``: 界址点数, 地块面积 (usually hectares), 地块编号, 地块名称,
图形属性 (点/线/面), 图幅号, 地块用途, 地类编码, then optional further fields. Each point line is
``点号,圈号,X,Y`` where **X is the northing and Y the easting** (surveying convention; the easting
usually carries the zone number in front). Ring 1 is the outer boundary; a further ring inside an
earlier part is a hole of it, otherwise a further part. Rings usually repeat their first point
at the end; both closed and open rings are accepted.
"""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pyproj
import shapely

from layers.coordcheck import check_placement
from layers.crs import describe_crs, gk_zone_crs, normalize_crs
from layers.errors import CRSError, ReadError, bi, fix_hint, rephrase
from layers.gk import legacy_fixes, legacy_gk_crs
from layers.hygiene import READ_ROW, Problem

_SECTION = re.compile(r"^\[\s*(.+?)\s*\]$")
_FULLWIDTH = str.maketrans({"，": ",", "＝": "=", "［": "[", "］": "]", "＠": "@", "　": " "})
_UNITS_METRE = {"", "米", "m", "metre", "meter", "metres", "meters"}
# EPSG codes of the legacy datums' Gauss-Krüger zones: (first zone, prefixed code, plain code)
_SHAPES = {"面": "polygon", "线": "line", "点": "point", "": "polygon"}
COLUMNS = ("parcel_id", "name", "land_use", "land_class_code", "map_sheet", "shape",
           "declared_area", "declared_points")


def is_mnr_txt(text: str) -> bool:
    """Whether ``text`` looks like a boundary-point TXT (has a ``[地块坐标]`` section)."""
    return re.search(r"^\s*[\[［]\s*地块坐标\s*[\]］]\s*$", text, flags=re.MULTILINE) is not None


def _datum(system: str, what: str, hints: dict | None = None) -> str | None:
    s = system.replace(" ", "").upper()
    if not s:
        return None
    if "2000" in s or "CGCS" in s:
        return "cgcs2000"
    if "西安" in s or "XIAN" in s or "80" in s:
        return "xian80"
    if "北京" in s or "BEIJING" in s or "54" in s:
        return "beijing54"
    raise CRSError(f"{what}: 坐标系={system!r} is not a coordinate system this reader knows "
                   "(2000国家大地坐标系, 1980西安坐标系, 1954北京坐标系); say the CRS: "
                   f"{fix_hint(hints, 'crs')} / 无法识别的坐标系 {system!r}（可识别：2000国家大地坐标系、"
                   f"1980西安坐标系、1954北京坐标系）；请指定坐标系：{fix_hint(hints, 'crs', lang='zh')}")


def _int_value(header: dict[str, str], key: str, what: str) -> int | None:
    value = header.get(key, "").strip()
    if not value:
        return None
    try:
        return int(float(value))
    except ValueError:
        raise CRSError(f"{what}: [属性描述] {key}={value!r} is not a number / [属性描述]中 "
                       f"{key}={value!r} 不是数字") from None


def header_crs(header: dict[str, str], eastings: np.ndarray, what: str,
               crs: object = None, hints: dict[str, str] | None = None
               ) -> tuple[pyproj.CRS, list[Problem]]:
    """The CRS a boundary-point TXT declares in its ``[属性描述]`` section.

    Parameters
    ----------
    header : dict
        ``[属性描述]`` keys and values.
    eastings : array of float
        All eastings of the file [m] (the file's Y column).
    what : str
        The file, for messages.
    crs : object, optional
        CRS given by the caller: used when the header is incomplete; must agree with it otherwise.
    hints : dict, optional
        How to give the CRS on the command being run (``{"crs": "--crs EPSG:4544"}``).

    Returns
    -------
    (pyproj.CRS, list of Problem)

    Raises
    ------
    CRSError
        Unknown coordinate system, units other than metres, a zone number contradicting the
        eastings, or no zone at all and no ``crs``.
    """
    problems: list[Problem] = []
    units = header.get("计量单位", "").strip()
    if units.lower() not in _UNITS_METRE:
        raise CRSError(f"{what}: 计量单位={units!r}; only coordinates in metres (米) are supported"
                       f" / 计量单位={units!r}：只支持以米为单位的坐标")
    projection = header.get("投影类型", "").strip()
    if projection and "高斯" not in projection and "gauss" not in projection.lower():
        raise CRSError(f"{what}: 投影类型={projection!r}; only Gauss-Krüger (高斯克吕格) is "
                       f"supported / 投影类型={projection!r}：只支持高斯-克吕格投影")
    datum = _datum(header.get("坐标系", ""), what, hints)
    width = _int_value(header, "几度分带", what)
    zone = _int_value(header, "带号", what)
    if width not in (None, 3, 6):
        raise CRSError(f"{what}: 几度分带={width}; expected 3 or 6 / 几度分带={width}：应为 3 或 6")
    x = np.asarray(eastings, dtype=float)
    x = x[np.isfinite(x)]
    prefixed = bool(x.size) and bool(np.all(x >= 1e7))
    if x.size and not prefixed and np.any(x >= 1e7):
        raise CRSError(f"{what}: some eastings carry a zone number and some do not; fix the file"
                       " / 部分东坐标带带号、部分不带；请修正文件")
    if prefixed:
        zones = np.unique(np.floor(x / 1e6).astype(int))
        if zones.size != 1:
            raise CRSError(f"{what}: eastings carry several zone numbers {zones.tolist()}; "
                           f"split the file by zone / 东坐标带有多个带号 {zones.tolist()}；请按带号拆分文件")
        if zone is not None and zone != int(zones[0]):
            raise CRSError(f"{what}: [属性描述] says 带号={zone} but the eastings carry zone "
                           f"{int(zones[0])}; correct 带号 or the coordinates / [属性描述]中带号={zone}，"
                           f"但东坐标的带号为 {int(zones[0])}；请更正带号或坐标")
        zone = int(zones[0])
    given = normalize_crs(crs, what) if crs is not None else None
    if zone is None:
        if given is None:
            raise CRSError(f"{what}: no 带号 (zone) in [属性描述] and the eastings carry no zone "
                           "number; say the CRS with the central meridian of the eastings: "
                           f"{fix_hint(hints, 'crs', 'EPSG:4544')} (CGCS2000 3° GK CM 105E) / "
                           "[属性描述]中没有带号，东坐标也不带带号；请指定含东坐标中央子午线的坐标系："
                           f"{fix_hint(hints, 'crs', 'EPSG:4544', 'zh')}（CGCS2000 3 度带 105°E）")
        return given, problems
    if width is None:
        width = 3 if zone >= 25 else 6
    if datum is None:
        if given is not None:
            return given, problems
        datum = "cgcs2000"
        try:
            fixes = legacy_fixes(zone, width, prefixed, hints)
            fixes_zh = legacy_fixes(zone, width, prefixed, hints, "zh")
        except CRSError:
            fixes = f"say the CRS ({fix_hint(hints, 'crs')})"
            fixes_zh = f"请指定坐标系（{fix_hint(hints, 'crs', lang='zh')}）"
        problems.append(Problem(None, "crs", f"{what}: no 坐标系 in [属性描述]; CGCS2000 (the "
                                f"national standard) assumed: {fixes} / [属性描述]中没有坐标系，"
                                f"按国家标准 CGCS2000 读取：{fixes_zh}", "warning"))
    if datum == "cgcs2000":
        found = gk_zone_crs(zone, width=width, prefixed=prefixed)
    else:
        try:
            found = legacy_gk_crs(datum, zone, width, prefixed)
        except CRSError:
            raise CRSError(f"{what}: 带号={zone} is not a {width}° zone of China / 带号={zone} "
                           f"不是中国的 {width} 度带") from None
        problems.append(Problem(None, "crs", f"{what}: coordinates are on the legacy datum "
                                f"{describe_crs(found)}; transforming them to CGCS2000 without "
                                "official parameters may be off by tens of metres / 坐标为旧大地基准"
                                f"（{describe_crs(found)}）；无官方参数转换到 CGCS2000 可能偏差数十米",
                                "warning"))
    if given is not None and given != found:
        raise CRSError(f"{what}: the file declares {describe_crs(found)} but the CRS given is "
                       f"{describe_crs(given)}; leave the CRS out or correct the file / 文件声明的"
                       f"坐标系为 {describe_crs(found)}，但给定的为 {describe_crs(given)}；请不要指定坐标系，或更正文件")
    return found, problems


def _number(text: str) -> float:
    value = float(text)
    if not np.isfinite(value):
        raise ValueError(text)
    return value


def _ring_coords(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Points of a ring without the closing repetition."""
    if len(points) > 1 and points[0] == points[-1]:
        return points[:-1]
    return points


def _polygon(rings: list[list[tuple[float, float]]]) -> shapely.Geometry:
    """Outer ring first; a later ring covered by an earlier part is its hole, else a new part."""
    parts: list[list] = []
    for ring in rings:
        candidate = shapely.Polygon(ring)
        for part in parts:
            if shapely.Polygon(part[0]).covers(candidate):
                part.append(ring)
                break
        else:
            parts.append([ring])
    polygons = [shapely.Polygon(p[0], p[1:]) for p in parts]
    return polygons[0] if len(polygons) == 1 else shapely.MultiPolygon(polygons)


def _geometry(points: list[tuple[int, float, float]], shape: str) -> tuple[shapely.Geometry, str]:
    """The geometry of one parcel and, when it cannot be built, why."""
    order: list[int] = []
    rings: dict[int, list[tuple[float, float]]] = {}
    for ring, east, north in points:
        if ring not in rings:
            order.append(ring)
            rings[ring] = []
        rings[ring].append((east, north))
    if shape == "point":
        coords = [c for r in order for c in rings[r]]
        if not coords:
            return shapely.MultiPoint(), bi("no points", "没有界址点")
        return (shapely.Point(coords[0]) if len(coords) == 1 else shapely.MultiPoint(coords)), ""
    need = 3 if shape == "polygon" else 2
    empty = shapely.Polygon() if shape == "polygon" else shapely.LineString()
    clean = []
    for r in order:
        ring = rings[r] if shape == "line" else _ring_coords(rings[r])
        if len(set(ring)) < need:
            return empty, bi(f"ring (圈号) {r} has {len(set(ring))} distinct point(s); at least "
                             f"{need} are needed", f"圈号 {r} 只有 {len(set(ring))} 个不同的点，至少需要 {need} 个")
        clean.append(ring)
    if not clean:
        return empty, bi("no points", "没有界址点")
    if shape == "line":
        lines = [shapely.LineString(c) for c in clean]
        return (lines[0] if len(lines) == 1 else shapely.MultiLineString(lines)), ""
    return _polygon(clean), ""


def _label(fields: list[str], k: int) -> str:
    return fields[2] if len(fields) > 2 and fields[2] else f"parcel {k}"


def parse_mnr_txt(
    text: str, what: str = "boundary-point TXT", crs: object = None,
    hints: dict[str, str] | None = None,
) -> tuple[gpd.GeoDataFrame, list[Problem], list[str]]:
    """Parse the text of a boundary-point TXT into one feature per parcel.

    Parameters
    ----------
    text : str
        The decoded file.
    what : str
        The file, for messages.
    crs : object, optional
        CRS to use when the header does not say it (must agree with the header otherwise).
    hints : dict, optional
        How to give the CRS on the command being run (``{"crs": "--crs EPSG:4544"}``).

    Returns
    -------
    (GeoDataFrame, list of Problem, list of str)
        Features in the file's Gauss-Krüger CRS (x = easting) with columns :data:`COLUMNS`
        (``declared_area`` as written, usually hectares; ``declared_points`` the 界址点数),
        ``extra`` if headers carry more, ``_read_error`` and ``_read_row``; the problems found;
        and the label of each feature as used in the problems (its 地块编号, or ``parcel k``).
        A malformed parcel, or one whose points lie outside the CRS's area, keeps its row with
        geometry None, an ``error`` problem and the reason in ``_read_error``.

    Raises
    ------
    ReadError
        When the file is not a boundary-point TXT at all (naming the line).
    CRSError
        When the CRS cannot be determined (see :func:`header_crs`).
    """
    header: dict[str, str] = {}
    parcels: list[dict] = []
    section = None
    seen_coords = False
    for n, raw in enumerate(text.splitlines(), start=1):
        line = raw.translate(_FULLWIDTH).strip().lstrip("\ufeff")
        if not line:
            continue
        m = _SECTION.match(line)
        if m:
            section = m.group(1)
            seen_coords = seen_coords or section == "地块坐标"
            continue
        if section == "属性描述":
            key, sep, value = line.partition("=")
            if sep:
                header[key.strip()] = value.strip()
        elif section == "地块坐标":
            if line.endswith("@"):
                fields = [f.strip() for f in line[:-1].split(",")]
                if fields and fields[-1] == "":
                    fields.pop()
                parcels.append({"line": n, "fields": fields, "points": [], "bad": []})
                continue
            if not parcels:
                raise ReadError(f"{what}, line {n}: {line!r} comes before any parcel header "
                                "(a line such as '界址点数,地块面积,地块编号,地块名称,面,,,,@') / "
                                f"第 {n} 行 {line!r} 位于任何地块标题行之前")
            parts = [p.strip() for p in line.split(",")]
            try:
                if len(parts) < 4:
                    raise ValueError
                parcels[-1]["points"].append((int(parts[1]), _number(parts[3]),
                                              _number(parts[2])))
            except ValueError:
                parcels[-1]["bad"].append((n, line))
        elif section is None:
            raise ReadError(f"{what}, line {n}: {line[:60]!r} is outside any section; a "
                            "boundary-point TXT starts with [属性描述] and has [地块坐标] / "
                            f"第 {n} 行 {line[:60]!r} 不属于任何节；界址点 TXT 以[属性描述]开头并含[地块坐标]")
    if not seen_coords:
        raise ReadError(f"{what}: no [地块坐标] section; this is not a boundary-point TXT "
                        "(界址点坐标文件) / 没有[地块坐标]节，不是界址点坐标文件")
    if not parcels:
        raise ReadError(f"{what}: the [地块坐标] section holds no parcel (no line ending in '@') / "
                        "[地块坐标]节中没有地块（没有以 '@' 结尾的行）")

    problems: list[Problem] = []
    labels = [_label(p["fields"], k) for k, p in enumerate(parcels, start=1)]
    # File X is the northing and Y the easting; a file written easting-first is recognised by
    # the zone number that only an easting carries.
    pts = np.array([(e, nn) for p in parcels for _, e, nn in p["points"]], dtype=float)
    swap = bool(pts.size) and bool(np.all(pts[:, 1] >= 1e7)) and bool(np.all(pts[:, 0] < 1e7))
    if swap:
        problems.append(Problem(None, "axis_order", f"{what}: the X column carries the zone "
                                "number, so it holds eastings: X and Y were read easting-first / "
                                "X 列带有带号，为东坐标：已按东坐标在前读取", "warning"))
        for p in parcels:
            p["points"] = [(r, nn, e) for r, e, nn in p["points"]]
        pts = pts[:, ::-1]
    found_crs, crs_problems = header_crs(header, pts[:, 0] if pts.size else np.array([]),
                                         what, crs, hints)
    problems += crs_problems
    params = header.get("转换参数", "").replace(",", " ").split()
    if any(_is_nonzero(v) for v in params):
        problems.append(Problem(None, "crs", f"{what}: 转换参数={header['转换参数']!r} is declared "
                                "but not applied; coordinates are read as written / 声明了转换参数但"
                                "未应用，坐标按原值读取", "warning"))

    rows, geoms, reasons = [], [], []
    for p, label in zip(parcels, labels):
        f = p["fields"] + [""] * max(0, 8 - len(p["fields"]))
        shape = _SHAPES.get(f[4])
        if shape is None:
            problems.append(Problem(label, "bad_value", bi(
                f"{what}, line {p['line']}: 图形属性 {f[4]!r} is not 点/线/面; read as 面 (polygon)",
                f"第 {p['line']} 行：图形属性 {f[4]!r} 不是点/线/面；按面读取"), "warning"))
            shape = "polygon"
        row = {"parcel_id": f[2] or None, "name": f[3] or None, "land_use": f[6] or None,
               "land_class_code": f[7] or None, "map_sheet": f[5] or None, "shape": f[4] or None,
               "declared_area": _optional_number(f[1], "地块面积", label, p, what, problems),
               "declared_points": _optional_number(f[0], "界址点数", label, p, what, problems)}
        if len(p["fields"]) > 8:
            row["extra"] = ",".join(p["fields"][8:])
        rows.append(row)
        if p["bad"]:
            n, line = p["bad"][0]
            why = bi(f"line {n}: {line!r} is not a point line '点号,圈号,X,Y' ({len(p['bad'])} "
                     "bad line(s) in this parcel)", f"第 {n} 行：{line!r} 不是“点号,圈号,X,Y”格式的"
                     f"界址点行（该地块有 {len(p['bad'])} 个错误行）")
            problems.append(Problem(label, "bad_value", rephrase(why, f"{what}, {{}}; parcel kept without geometry",
                                                                 "{}；地块已保留，但无几何图形"), "error"))
            geoms.append(None)
            reasons.append(rephrase(why, f"parcel {label}: {{}}", f"地块 {label}：{{}}"))
            continue
        geom, why = _geometry(p["points"], shape)
        reasons.append(rephrase(why, f"parcel {label}, line {p['line']}: {{}}",
                                f"地块 {label}（第 {p['line']} 行）：{{}}") if why else "")
        if why:
            geom = None
            problems.append(Problem(label, "too_few_points", rephrase(
                why, f"{what}, line {p['line']}: {{}}; parcel kept without geometry", f"第 {p['line']} 行：{{}}；地块已保留，但无几何图形"),
                "error"))
        elif row["declared_points"] is not None and row["declared_points"] != len(p["points"]):
            problems.append(Problem(label, "point_count", bi(
                f"{what}, line {p['line']}: 界址点数 says {row['declared_points']:g} points, the "
                f"parcel lists {len(p['points'])}", f"第 {p['line']} 行：界址点数为 "
                f"{row['declared_points']:g}，但地块列出 {len(p['points'])} 个点"), "warning"))
        geoms.append(geom)
    where = check_placement(np.array(geoms, dtype=object), found_crs, lambda code, text: rephrase(
        text, f"{what}: {{}}; the header's CRS does not fit the points. Correct [属性描述] or say "
        f"the CRS: {fix_hint(hints, 'crs', code)}", f"{{}}；文件头的坐标系与界址点不符。请修正"
        f"[属性描述]或指定坐标系：{fix_hint(hints, 'crs', code, 'zh')}"))
    for k in np.flatnonzero(where != ""):
        n = parcels[k]['line']
        problems.append(Problem(labels[k], "bad_coordinates", rephrase(
            where[k], f"{what}, line {n}: {{}}; parcel kept without geometry", f"第 {n} 行：{{}}；地块已保留，但无几何图形"), "error"))
        geoms[k] = None
        reasons[k] = rephrase(where[k], f"parcel {labels[k]}, line {n}: {{}}",
                              f"地块 {labels[k]}（第 {n} 行）：{{}}")
    gdf = gpd.GeoDataFrame(rows, geometry=geoms, crs=found_crs)
    gdf["_read_error"] = reasons
    gdf[READ_ROW] = [f"parcel at line {p['line']}" for p in parcels]
    gdf.attrs["mnr_header"] = dict(header)
    return gdf, problems, labels


def _is_nonzero(value: str) -> bool:
    try:
        return float(value) != 0
    except ValueError:
        return True


def _optional_number(text: str, key: str, label: str, parcel: dict, what: str,
                     problems: list[Problem]) -> float | None:
    if not text:
        return None
    try:
        return _number(text)
    except ValueError:
        problems.append(Problem(label, "bad_value", bi(
            f"{what}, line {parcel['line']}: {key} {text!r} is not a number; left empty",
            f"第 {parcel['line']} 行：{key} {text!r} 不是数字；留空"), "warning"))
        return None
