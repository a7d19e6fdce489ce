"""Which columns of a coordinate table mean what: coordinates, the project id, the vertex order.

Columns are recognised by name (:data:`COORDINATE_COLUMNS`, :data:`GROUP_COLUMNS`,
:data:`ORDER_COLUMNS`), compared after normalising (NFKC, case, spaces, a trailing unit such as
``经度(°)``). A column the reader uses must be the only one of its meaning: two ``经度`` columns
(pandas reads the second as ``经度.1`` and the reader would use the first without a word), or
``lon`` beside ``经度``, are refused naming both (:func:`refuse_repeated`).
"""

from __future__ import annotations

import re
import unicodedata

import pandas as pd

from layers.errors import ReadError, bi

COORDINATE_COLUMNS = (("lon", "lat"), ("lng", "lat"), ("longitude", "latitude"), ("x", "y"),
                      ("经度", "纬度"), ("东经", "北纬"), ("x坐标", "y坐标"))
GROUP_COLUMNS = ("project_id", "项目编号", "项目代码", "parcel_id", "地块编号", "id", "编号",
                 "project", "name", "项目名称", "项目", "地块名称", "名称")
ORDER_COLUMNS = ("seq", "sequence", "order", "序号", "顺序号", "point", "point_no", "point_id",
                 "vertex", "点号", "界址点号")
VERTEX_COLUMNS = frozenset(ORDER_COLUMNS) | {
    n for pair in COORDINATE_COLUMNS for n in pair} | {
    "备注", "说明", "remark", "remarks", "note", "notes", "高程", "elevation", "z", "h", "边长",
    "点名", "界址点", "拐点", "拐点编号", "桩号"}
"""Columns that describe one vertex of a vertex table, not its project: they may differ
between the rows of one project."""
_ROLES = ((("lon", "lng", "longitude", "经度", "东经"), "the longitude", "经度"),
          (("lat", "latitude", "纬度", "北纬"), "the latitude", "纬度"),
          (("x", "x坐标"), "the x coordinate", "X 坐标"),
          (("y", "y坐标"), "the y coordinate", "Y 坐标"))
"""Names that mean one coordinate: two columns of one role are refused."""


def column_key(name: object) -> str:
    """A column name as recognised: NFKC, stripped, lower-case, without a trailing unit
    (``经度(°)`` → ``经度``)."""
    key = unicodedata.normalize("NFKC", str(name)).strip().lower()
    return re.sub(r"\s*[(\[].*?[)\]]\s*$", "", key).strip()


def find_column(keys: dict[str, list], names: tuple[str, ...]) -> object | None:
    """The first column (of ``keys``: key → columns) whose key is the earliest of ``names``."""
    for name in names:
        if name in keys:
            return keys[name][0]
    return None


def column_keys(names) -> dict[str, list]:
    """The columns ``names`` by :func:`column_key`, in table order."""
    keys: dict[str, list] = {}
    for col in names:
        keys.setdefault(column_key(col), []).append(col)
    return keys


def _pairs(names) -> list[tuple[list, list, str]]:
    """The coordinate column pairs (:data:`COORDINATE_COLUMNS`) among ``names``."""
    keys = column_keys(names)
    return [(keys[x], keys[y], f"{x}/{y}") for x, y in COORDINATE_COLUMNS
            if x in keys and y in keys]


def holds_coordinates(names) -> bool:
    """Whether the column ``names`` hold a coordinate pair (:data:`COORDINATE_COLUMNS`)."""
    return bool(_pairs(names))


def coordinate_columns(df: pd.DataFrame, what: str,
                       numbers: list[int] | None = None) -> tuple[str, str, str]:
    """The x and y columns of ``df`` and the pair's name (``经度/纬度``).

    Raises
    ------
    ReadError
        No coordinate pair (naming the row the header seems to be on, when a title sits above
        it), or several.
    """
    pairs = _pairs(df.columns)
    if not pairs:
        names = ", ".join(f"{x}/{y}" for x, y in COORDINATE_COLUMNS)
        header = ["(blank)" if re.fullmatch(r"Unnamed: \d+", str(c)) else str(c)
                  for c in df.columns]  # pandas' names of blank header cells
        below = next((k for k in range(min(len(df), 20))
                      if _pairs(str(v) for v in df.iloc[k] if pd.notna(v))), None)
        if below is not None:  # a title above the header
            row = numbers[below] if numbers else below + 2
            found = _pairs(str(v) for v in df.iloc[below] if pd.notna(v))[0][2]
            raise ReadError(f"{what}: the header seems to be on row {row} ({found} there), not "
                            f"on row 1 ({header}): delete the rows above it so that the header "
                            f"is row 1 / 表头应位于第 1 行：请删除表头（第 {row} 行）上方的第 1–{row - 1} 行")
        raise ReadError(bi(f"{what}: no coordinate columns found among {header}; expected one "
                           f"pair of: {names} (case-insensitive)",
                           f"在列 {header} 中找不到坐标列；应有以下一对列之一：{names}（不区分大小写）"))
    if len(pairs) > 1 or len(pairs[0][0]) > 1 or len(pairs[0][1]) > 1:
        cols = ", ".join(p[2] for p in pairs)
        raise ReadError(bi(f"{what}: several coordinate columns ({cols}); keep one pair of "
                           "coordinate columns in the table",
                           f"有多组坐标列（{cols}）；表中只保留一对坐标列"))
    return pairs[0][0][0], pairs[0][1][0], pairs[0][2]


def column_letter(position: int) -> str:
    """A spreadsheet's name of column ``position`` (1 → ``A``, 27 → ``AA``)."""
    out = ""
    while position > 0:
        position, rest = divmod(position - 1, 26)
        out = chr(65 + rest) + out
    return out


def _refusal(what: str, header: list[str], positions: list[int], role_en: str,
             role_zh: str) -> ReadError:
    en = ", ".join(f"{header[p]!r} in column {p + 1} ({column_letter(p + 1)})" for p in positions)
    zh = "、".join(f"第 {p + 1} 列（{column_letter(p + 1)}）“{header[p]}”" for p in positions)
    return ReadError(bi(
        f"{what}: {len(positions)} columns give {role_en}: {en}; only one can be read, and "
        "reading the first would silently ignore the others — delete the wrong column or "
        "rename it (e.g. add _old to its header), then run again",
        f"有 {len(positions)} 列都是{role_zh}：{zh}；只能读取其中一列，读取第一列会悄悄忽略"
        "其余各列——请删除错误的一列或将其改名（如在表头后加 _旧），再重新运行"))


def refuse_repeated(header: list, what: str) -> None:
    """Refuse a table with two columns of one meaning among those the reader uses.

    Parameters
    ----------
    header : list
        The header cells as written (before pandas renames a repeated ``经度`` to ``经度.1``).
    what : str
        The file, for the message.

    Raises
    ------
    ReadError
        Two columns of one coordinate (``经度`` twice, ``经度`` and ``经度 [°]``, ``lon`` and
        ``经度``), or two of the project id or vertex order column the reader would group by
        (``项目编号`` twice); the message names the file, the headers, their columns (number
        and spreadsheet letter) and the fix.
    """
    header = ["" if pd.isna(h) else str(h) for h in header]  # shown as written: '经度 '
    keys = [column_key(h) for h in header]
    for names, role_en, role_zh in _ROLES:
        at = [p for p, k in enumerate(keys) if k in names]
        if len(at) > 1:
            raise _refusal(what, header, at, role_en, role_zh)
    where = {}
    for p, k in enumerate(keys):
        if k:
            where.setdefault(k, []).append(p)
    group = next((k for k in GROUP_COLUMNS if k in where), None)
    order = next((k for k in ORDER_COLUMNS if k in where), None) if group else None
    for key, role_en, role_zh in ((group, "the project id (vertex rows are grouped by it)",
                                   "项目编号（界址点按其分组）"),
                                  (order, "the vertex order", "界址点顺序")):
        if key is not None and len(where[key]) > 1:
            raise _refusal(what, header, where[key], role_en, role_zh)


def unique_names(names: list[str]) -> list[str]:
    """Column names made distinct as pandas does (a repeated ``备注`` becomes ``备注.1``), for
    names that became equal only when stripped."""
    seen: set[str] = set()
    out = []
    for name in names:
        new, k = name, 0
        while new in seen:
            k += 1
            new = f"{name}.{k}"
        seen.add(new)
        out.append(new)
    return out
