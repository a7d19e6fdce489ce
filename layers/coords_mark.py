"""Mark files whose longitude/latitude are GCJ-02 or BD-09, and refuse to read them as WGS84.

GCJ-02 (AMap/高德, Tencent/腾讯) and BD-09 (Baidu/百度) have no EPSG code: a file of such
coordinates can only be labelled WGS84 (GeoJSON requires it), and a reader would take them as
WGS84, placing every footprint some 500 m off. ``siting convert`` therefore marks what it writes
in these systems, in a way other tools ignore:

* GeoJSON: top-level foreign members ``"coordinate_system": "gcj02"`` and a bilingual ``"note"``
  (RFC 7946 §6.1);
* GeoPackage, FlatGeobuf: layer metadata ``SITING_COORDINATE_SYSTEM=gcj02``;
* shapefile, CSV: a sidecar text file ``NAME.shp.coords`` / ``NAME.csv.coords`` beside it.

:func:`check_mark` is called by :func:`layers.footprints.read_footprints`: a marked file is read
only with the matching ``coords``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from layers.errors import CRSError, bi
from layers.hygiene import Problem

MARKED = ("gcj02", "bd09")
"""The systems that are marked (WGS84 needs no mark)."""
KEY = "coordinate_system"
"""The GeoJSON foreign member."""
METADATA_KEY = "SITING_COORDINATE_SYSTEM"
"""The GeoPackage / FlatGeobuf layer metadata item."""
SIDECAR = ".coords"
"""Appended to a shapefile's or CSV's name for its sidecar."""
_NAMES = {"gcj02": ("GCJ-02 (AMap/Tencent)", "GCJ-02（高德/腾讯）"),
          "bd09": ("BD-09 (Baidu)", "BD-09（百度）")}
_MEMBER = re.compile(rb'"coordinate_system"\s*:\s*"([A-Za-z0-9_-]+)"')
_FEATURES = re.compile(r'"features"\s*:')
_NAMED = re.compile(r"(?<![a-z0-9])(gcj[-_]?02|bd[-_]?09)(?![0-9])", re.IGNORECASE)
__all__ = ["MARKED", "check_mark", "layer_metadata", "mark_geojson", "note", "read_mark",
           "sidecar", "sidecar_text"]


def note(system: str) -> str:
    """The bilingual note a marked file carries: what its coordinates are and how to read them."""
    en, zh = _NAMES[system]
    return (f"Coordinates are {en}, not WGS84, although the file is labelled WGS84/CRS84; "
            f"read it with `siting ... --coords {system}` / 坐标为 {zh}，不是 WGS84（文件虽标为 "
            f"WGS84/CRS84）；请用 --coords {system} 读取")


def sidecar(path: Path) -> Path:
    """The sidecar file marking a shapefile or CSV: ``NAME.shp.coords``."""
    return Path(str(path) + SIDECAR)


def sidecar_text(system: str) -> str:
    """The content of a sidecar: ``coordinate_system=gcj02`` and the note."""
    return f"{KEY}={system}\n# {note(system)}\n"


def layer_metadata(system: str) -> dict[str, str]:
    """Layer metadata for a GeoPackage / FlatGeobuf writer (``pyogrio`` ``layer_metadata``)."""
    return {METADATA_KEY: system, "SITING_NOTE": note(system)}


def mark_geojson(path: Path, system: str) -> None:
    """Add the foreign members ``coordinate_system`` and ``note`` to a written GeoJSON, before its
    ``features`` (so that a reader finds them at the top of the file)."""
    text = Path(path).read_text(encoding="utf-8")
    members = f'"{KEY}": {json.dumps(system)},\n"note": {json.dumps(note(system), ensure_ascii=False)},\n'
    found = _FEATURES.search(text)
    if found is None:  # not GDAL's layout: rebuild the object
        data = json.loads(text)
        data = {KEY: system, "note": note(system), **data}
        Path(path).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        return
    Path(path).write_text(text[:found.start()] + members + text[found.start():], encoding="utf-8")


def _geojson_mark(path: Path) -> str | None:
    raw = path.read_bytes()
    if _MEMBER.search(raw) is None:  # cheap test; a hit may be a feature's property
        return None
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except ValueError:
        return None  # the reader says what is wrong with the file
    value = data.get(KEY) if isinstance(data, dict) else None
    return str(value).strip().lower() if value is not None else None


def _metadata_mark(path: Path, layer: str | None) -> str | None:
    import pyogrio

    try:
        info = pyogrio.read_info(path, layer=layer)
    except Exception:  # noqa: BLE001 - the reader says what is wrong with the file
        return None
    value = (info.get("layer_metadata") or {}).get(METADATA_KEY)
    return str(value).strip().lower() if value else None


def _sidecar_mark(path: Path) -> str | None:
    side = sidecar(path)
    if not side.is_file():
        return None
    for line in side.read_text(encoding="utf-8", errors="replace").splitlines():
        key, sep, value = line.partition("=")
        if sep and key.strip() == KEY:
            return value.strip().lower()
    return None


def read_mark(path: str | Path, layer: str | None = None) -> tuple[str, str, str] | None:
    """The system a file is marked with, and where the mark is (English, Chinese).

    Returns
    -------
    (str, str, str) or None
        E.g. ``("gcj02", 'its top-level "coordinate_system": "gcj02"', '其顶层成员 …')``; None
        when unmarked (or marked ``wgs84``).
    """
    p = Path(path)
    suffix = p.suffix.lower()
    found, where = None, ("", "")
    if suffix in (".geojson", ".json") and p.is_file():
        found = _geojson_mark(p)
        where = (f'its top-level "{KEY}": "{{}}"', f'其顶层成员 "{KEY}": "{{}}"')
    elif suffix in (".gpkg", ".fgb") and p.is_file():
        found = _metadata_mark(p, layer)
        where = (f"its layer metadata {METADATA_KEY}={{}}", f"其图层元数据 {METADATA_KEY}={{}}")
    if found is None and sidecar(p).is_file():
        found = _sidecar_mark(p)
        where = (f"the file {sidecar(p).name} beside it ({KEY}={{}})",
                 f"旁边的文件 {sidecar(p).name}（{KEY}={{}}）")
    if found is None or found == "wgs84":
        return None
    return found, where[0].format(found), where[1].format(found)


def check_mark(path: str | Path, coords: str | None, what: str, layer: str | None = None,
               hints: dict[str, str] | None = None) -> list[Problem]:
    """Refuse a file marked GCJ-02 / BD-09 unless ``coords`` says the same system; warn when
    an unmarked file's name says GCJ-02 / BD-09 and ``coords`` does not.

    Parameters
    ----------
    path : str or Path
    coords : str or None
        The system the caller reads the file as (None: as labelled, i.e. WGS84 for degrees).
    what : str
        How to name the file in messages.
    layer : str, optional
        Layer of a GeoPackage / FlatGeobuf.
    hints : dict, optional
        The command's wording of ``coords`` (``{"coords": "--coords wgs84|gcj02|…"}``): a hint
        starting with an option (``--coords``, ``--from``) gives ``--coords gcj02`` in the
        message, else ``coords="gcj02"``.

    Returns
    -------
    list of Problem
        One ``warning`` (code ``coords_name``) when the name holds ``gcj02``/``bd09`` but the
        file is unmarked and read as another system; else empty.

    Raises
    ------
    CRSError
        The file is marked and ``coords`` is missing or another system.
    """
    mark = read_mark(path, layer)
    if mark is None:
        return _name_warning(Path(path), coords, what)
    if mark[0] == coords:
        return []
    system, where, where_zh = mark
    en, zh = _NAMES.get(system, (system.upper(), system.upper()))
    hint = str((hints or {}).get("coords", "--coords"))
    option = hint.split()[0] if hint.startswith("--") else "coords="
    fix = f"{option} {system}" if option != "coords=" else f'coords="{system}"'
    given = f"{option} {coords}" if coords else f"no {option}"
    given_zh = f"给了 {option} {coords}" if coords else f"未给 {option}"
    raise CRSError(bi(
        f"{what}: marked as {en} coordinates by {where} (written by `siting convert --to "
        f"{system}`), but read with {given}, i.e. as "
        f"{'WGS84' if coords in (None, 'wgs84') else coords}: footprints would shift by "
        f"hundreds of metres. Read it with {fix}",
        f"文件标明坐标为 {zh}（{where_zh}，由 siting convert --to {system} 写出），但{given_zh}，"
        f"将被当作 {'WGS84' if coords in (None, 'wgs84') else coords} 读取，位置会偏移数百米；"
        f"请用 {fix} 读取"))


def _name_warning(path: Path, coords: str | None, what: str) -> list[Problem]:
    found = _NAMED.search(path.name)
    if found is None:
        return []
    system = found.group(1).lower().replace("-", "").replace("_", "")
    if coords == system:
        return []
    label = {"gcj02": "GCJ-02", "bd09": "BD-09"}[system]
    read_as = f"as {coords}" if coords else "as labelled (WGS84 for longitude/latitude)"
    read_zh = f"按 {coords}" if coords else "按文件所标坐标系（经纬度即 WGS84）"
    return [Problem(None, "coords_name", bi(
        f"{what}: the file name says {label} but the file is read {read_as}; if its "
        f"coordinates are {label}, give --coords {system} (else footprints are off by "
        "hundreds of metres)",
        f"文件名含 {label}，但{read_zh}读取；如坐标确为 {label}，请加 --coords {system}"
        "（否则位置偏移数百米）"), "warning")]
