"""Read the toolkit's TOML files (catalogs, rule sets, siting profiles) with messages for people.

Users write these files by hand, often in editors that save GBK on Chinese Windows, and point the
command at the wrong path. Each mistake becomes one error naming the file and the fix: a folder
lists the ``.toml`` files inside it, a data file (GeoPackage, GeoJSON ...) is told that it is not
the TOML file, a GBK/GB18030 file is told to be saved as UTF-8, a syntax error gives its line and
column and shows the line.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from layers.errors import InputError

_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")
_END = re.compile(r"\s*\(at end of document\)\s*$")
_DATA = {".gpkg": "a GeoPackage", ".shp": "a shapefile", ".dbf": "a shapefile's table",
         ".geojson": "a GeoJSON file", ".json": "a JSON file", ".fgb": "a FlatGeobuf file",
         ".kml": "a KML file", ".kmz": "a KMZ file", ".zip": "a zip archive",
         ".csv": "a table", ".xlsx": "a workbook", ".tif": "a raster", ".tiff": "a raster",
         ".parquet": "a GeoParquet file"}
"""Data files a careless user may give where a TOML file is expected, and what they are."""


def load_toml(path: str | Path, error_cls: type[InputError] = InputError,
              what: str = "TOML file") -> dict:
    """Read a UTF-8 TOML file.

    Parameters
    ----------
    path : str or Path
        The file.
    error_cls : subclass of InputError
        The error to raise (``CatalogError``, ``RuleSetError``, ``ProfileError`` ...).
    what : str
        What the file is, for messages (``"catalog"``, ``"rule set"`` ...).

    Returns
    -------
    dict
        The parsed document.

    Raises
    ------
    error_cls
        The path is missing or a folder (the message lists the ``.toml`` files in it), the file
        cannot be read, is a data file or binary, is not UTF-8 (GBK/GB18030 and UTF-16 are
        recognised) or is not valid TOML (the message gives line and column).
    """
    path = Path(path)
    if path.is_dir():
        found = sorted(p.name for p in path.glob("*.toml"))
        inside = (f"it holds {', '.join(found)}; give one of them" if found
                  else "it holds no .toml file")
        raise error_cls(f"{path}: is a folder, not a {what} file; {inside}")
    if not path.exists():
        raise error_cls(f"{path}: {what} file not found")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise error_cls(f"{path}: cannot read the {what} file ({exc.strerror or exc})") from None
    not_toml = (f"{path}: is not a {what} file but {_DATA.get(path.suffix.lower(), 'binary data')}"
                f"; give the {what} (a .toml file) instead")
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise error_cls(f"{path}: is UTF-16 text: save it as UTF-8 (文件不是 UTF-8 编码，请另存为 "
                        "UTF-8)")
    if b"\x00" in raw[:8192]:
        raise error_cls(not_toml)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise error_cls(f"{path}: {_not_utf8(raw, exc)}: save it as UTF-8 (文件不是 UTF-8 "
                        "编码，请另存为 UTF-8)") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        if path.suffix.lower() in _DATA:
            raise error_cls(not_toml) from None
        raise error_cls(f"{path}: {_syntax_error(text, exc)}") from None


def _not_utf8(raw: bytes, exc: UnicodeDecodeError) -> str:
    try:
        raw.decode("gb18030")
    except UnicodeDecodeError:
        return f"is not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start})"
    return "is not UTF-8 (looks like GBK/GB18030)"


def _syntax_error(text: str, exc: tomllib.TOMLDecodeError) -> str:
    msg = str(exc)
    found = _POSITION.search(msg)
    if found:
        line, column = int(found.group(1)), int(found.group(2))
        lines = text.splitlines()
        shown = lines[line - 1].strip() if 0 < line <= len(lines) else ""
        reason = _POSITION.sub("", msg)
        return (f"line {line}, column {column}: not valid TOML: {reason}"
                + (f" in {shown[:80]!r}" if shown else ""))
    if _END.search(msg):
        lines = text.splitlines() or [""]
        return (f"line {len(lines)}, column {len(lines[-1]) + 1} (the end of the file): not "
                f"valid TOML: {_END.sub('', msg)}")
    return f"not valid TOML: {msg}"
