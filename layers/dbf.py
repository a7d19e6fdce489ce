"""The DBF file of a shapefile: its bytes, the encoding of its text, field names GDAL cannot read.

A shapefile keeps its attributes in a dBASE (.dbf) file whose field names hold at most 10 bytes.
Tools that write a UTF-8 shapefile cut a longer name at byte 10, which falls inside a Chinese
character (3 bytes in UTF-8): ``项目编号`` (12 bytes) becomes ``项目编`` plus the first byte of
``号``, a name GDAL cannot decode. :func:`cut_field_names` finds such names so that the reader can
say so instead of "cannot read".
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from layers.errors import Bilingual, bi

_NAME_BYTES = 11
"""Bytes of a field descriptor that hold its name (10 and a terminating NUL)."""


def dbf_bytes(path: Path, member: str | None) -> tuple[bytes | None, bool]:
    """The DBF's bytes and whether a .cpg sits beside it."""
    if member is None:
        dbf, cpg = path.with_suffix(".dbf"), path.with_suffix(".cpg")
        if not dbf.exists():
            dbf = path.with_suffix(".DBF")
        has_cpg = cpg.exists() or path.with_suffix(".CPG").exists()
        return (dbf.read_bytes() if dbf.exists() else None), has_cpg
    stem = member[: -len(".shp")]
    with zipfile.ZipFile(path) as zf:
        names = {n.lower(): n for n in zf.namelist()}
        dbf = names.get(stem.lower() + ".dbf")
        has_cpg = stem.lower() + ".cpg" in names
        return (zf.read(dbf) if dbf else None), has_cpg


def detect_dbf_encoding(dbf: bytes) -> str | None:
    """Detect the text encoding of a DBF file's records.

    Parameters
    ----------
    dbf : bytes
        The whole .dbf file.

    Returns
    -------
    str or None
        ``None`` when the text is plain ASCII or the DBF declares a code page (GDAL then decodes
        it), ``"UTF-8"`` when it decodes as UTF-8, ``"GB18030"`` when it decodes only as GB18030.
    """
    if len(dbf) < 32:
        return None
    if dbf[29] != 0:  # language driver id: GDAL honours it
        return None
    header_len = int.from_bytes(dbf[8:10], "little")
    records = dbf[header_len:]
    if records.isascii():
        return None
    try:
        records.decode("utf-8")
        return "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        records.decode("gb18030")
        return "GB18030"
    except UnicodeDecodeError:
        return None


def cut_field_names(dbf: bytes | None) -> list[str]:
    """The field names of a DBF header that are cut inside a UTF-8 character.

    Parameters
    ----------
    dbf : bytes or None
        The .dbf file (its header is enough); None when there is none.

    Returns
    -------
    list of str
        Each such name as far as it decodes, followed by ``…`` (e.g. ``项目编…``); empty when
        every name decodes as UTF-8 or is not UTF-8 at all.
    """
    if not dbf or len(dbf) < 32:
        return []
    header_len = int.from_bytes(dbf[8:10], "little")
    out = []
    for start in range(32, min(header_len, len(dbf)) - 31, 32):
        if dbf[start] == 0x0D:  # the end of the field descriptors
            break
        raw = dbf[start:start + _NAME_BYTES].split(b"\0", 1)[0]
        try:
            raw.decode("utf-8")
            continue
        except UnicodeDecodeError as exc:
            if exc.reason != "unexpected end of data":  # not cut: another encoding
                continue
            out.append(raw[:exc.start].decode("utf-8") + "…")
    return out


def cut_names_message(names: list[str], what: str) -> Bilingual:
    """Why a shapefile with field names cut inside a character cannot be read, and the fix."""
    shown = ", ".join(names)
    return bi(f"{what}: field name(s) {shown} in the .dbf are cut inside a character: a "
              "shapefile field name holds at most 10 bytes and a Chinese character takes 3 "
              "(项目编号 is cut to 项目编 and half a character); save the projects as GeoPackage "
              "(.gpkg) or GeoJSON, or give the fields shorter names (at most 3 Chinese "
              "characters, or English such as project_id)",
              f".dbf 中的字段名 {shown} 在汉字中间被截断：Shapefile 字段名最多 10 个字节，"
              "一个汉字占 3 个字节（“项目编号”被截成“项目编”加半个字）；请改存为 GeoPackage（.gpkg）"
              "或 GeoJSON，或缩短字段名（最多 3 个汉字，或用英文，如 project_id）")
