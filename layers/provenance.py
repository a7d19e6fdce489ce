"""The sentences that say where a layer's data come from, in English and in Chinese.

:meth:`layers.catalog.Catalog.provenance` gives both: ``path`` (English; it also names the layer
in messages and is recorded by ``siting prepare`` as a prepared layer's origin) and ``path_zh``
(a ``--lang zh`` report's and workbook's words). Neither is part of the report ID
(:func:`maps.report_meta._identity`), which names the data by their facts.
"""

from __future__ import annotations

import re

_READ = re.compile(r"^PostGIS service (?P<service>.+), table (?P<table>.+), "
                   r"(?P<rows>\d+) rows read (?P<at>\S+)$")
"""The English sentence of :func:`table_read`, as a prepared catalog records it (its origin)."""


def table_read(service: str, table: str, rows: int, read_at: str) -> tuple[str, str]:
    """(English, Chinese) sentence naming a PostGIS table read: service, table, rows, when.

    Parameters
    ----------
    service : str
        The libpq service.
    table : str
        ``schema.table``.
    rows : int
        Rows read.
    read_at : str
        When they were read (ISO 8601).
    """
    return (f"PostGIS service {service!r}, table {table}, {rows} rows read {read_at}",
            f"PostGIS 服务 {service!r} 的数据表 {table}，{read_at} 读取 {rows} 行")


def origin_zh(origin: str) -> str:
    """A prepared layer's recorded origin in Chinese: a table read (:func:`table_read`, as
    recorded in English) is said again in Chinese; a file name stays as it is."""
    found = _READ.match(origin)
    if found is None:
        return origin
    return f"PostGIS 服务 {found['service']} 的数据表 {found['table']}，{found['at']} 读取 " \
           f"{found['rows']} 行"


def prepared_layer(name: str, at: str, origin: str) -> tuple[str, str]:
    """(English, Chinese) sentence naming a prepared layer: its file, when it was prepared and
    from what (``origin``: a file name or a table read).

    Parameters
    ----------
    name : str
        The prepared file's name.
    at : str
        When ``siting prepare`` wrote it (ISO 8601).
    origin : str
        What it was prepared from, as the prepared catalog records it.
    """
    return (f"{name} (prepared {at} from {origin})",
            f"{name}（{at} 预处理，源自 {origin_zh(origin)}）")
