"""A private PostgreSQL + PostGIS cluster for tests and benchmarks (socket only, in a temp folder).

The recipe of ``/work/shared/SCALE.md``: ``initdb`` refuses root, so as root every server command
runs through ``runuser -u postgres``; the folder is made with ``mkdtemp`` (short path: the socket
path must stay under 107 bytes) and handed to ``postgres``. The server listens on no TCP port.
The superuser ``postgres`` logs in by trust (the harness only); every other role needs its
password (``scram-sha-256``), so the toolkit's own reads really go through ``.pgpass``.

Requires Debian's ``postgresql-15-postgis-3`` (``make postgis`` installs it).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

PORT = 55491


def postgis_required() -> bool:
    """True when PostGIS tests must fail (not skip) without PostGIS: CI or an explicit ask."""
    return (os.environ.get("CI", "").lower() == "true"
            or os.environ.get("SITING_REQUIRE_POSTGIS") == "1")


def _bindir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    return Path(found[-1]).parent if found else None


def postgis_missing() -> str | None:
    """Why a private PostGIS cluster cannot be started here, or None when it can."""
    bindir = _bindir()
    if bindir is None:
        return "PostgreSQL server binaries not found: run `make postgis` (Debian postgresql-15)"
    version = bindir.parent.name
    if not glob.glob(f"/usr/share/postgresql/{version}/extension/postgis.control"):
        return (f"PostGIS for PostgreSQL {version} is not installed: run `make postgis` "
                f"(apt-get install postgresql-{version}-postgis-3)")
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root but there is no `postgres` user to run the server as"
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg is not installed: pip install -e '.[test]'"
    return None


def _as_owner(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


@dataclass
class Cluster:
    """A running private cluster: its folder (also the socket directory) and port."""

    root: Path
    port: int = PORT

    @property
    def bindir(self) -> Path:
        return _bindir()

    def connect(self, dbname: str = "postgres", autocommit: bool = True):
        """A superuser connection (the harness's; the toolkit itself uses services)."""
        import psycopg

        return psycopg.connect(host=str(self.root), port=self.port, user="postgres",
                               dbname=dbname, autocommit=autocommit)

    def stop(self) -> None:
        """Stop the server and remove the folder this harness made."""
        subprocess.run(_as_owner([str(self.bindir / "pg_ctl"), "-D", str(self.root / "data"),
                                  "-m", "fast", "-w", "stop"]), check=False,
                       capture_output=True)
        shutil.rmtree(self.root, ignore_errors=True)


def start_cluster(port: int = PORT) -> Cluster:
    """Create and start a cluster in a new temp folder; the caller must :meth:`Cluster.stop` it."""
    bindir = _bindir()
    root = Path(tempfile.mkdtemp(prefix="pg-", dir="/tmp"))
    cluster = Cluster(root, port)
    try:
        if os.geteuid() == 0:
            shutil.chown(root, "postgres", "postgres")
        subprocess.run(_as_owner([str(bindir / "initdb"), "-D", str(root / "data"),
                                  "-U", "postgres", "--auth=trust", "-E", "UTF8",
                                  "--locale=C.UTF-8"]), check=True, capture_output=True)
        (root / "data" / "pg_hba.conf").write_text(
            "local all postgres trust\nlocal all all scram-sha-256\n", encoding="utf-8")
        options = (f"-c listen_addresses='' -k {root} -p {port} -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off")
        subprocess.run(_as_owner([str(bindir / "pg_ctl"), "-D", str(root / "data"), "-w",
                                  "-l", str(root / "log"), "-o", options, "start"]),
                       check=True, capture_output=True)
    except subprocess.CalledProcessError as exc:
        log = (root / "log").read_text(errors="replace") if (root / "log").exists() else ""
        cluster.stop()
        raise RuntimeError(f"cannot start a private PostgreSQL cluster: {exc.stderr!r} {log}") \
            from None
    return cluster


def create_database(cluster: Cluster, dbname: str, postgis: bool = True) -> None:
    """Create a database (with the PostGIS extension unless ``postgis`` is False)."""
    from psycopg import sql

    with cluster.connect() as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))
    if postgis:
        with cluster.connect(dbname) as conn:
            conn.execute("CREATE EXTENSION postgis")


def create_reader(cluster: Cluster, dbname: str, role: str, password: str,
                  schemas: tuple[str, ...]) -> None:
    """A login role that may read every table of ``schemas`` in ``dbname``."""
    from psycopg import sql

    with cluster.connect(dbname) as conn:
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
            sql.Identifier(role), sql.Literal(password)))
        for schema in schemas:
            conn.execute(sql.SQL("GRANT USAGE ON SCHEMA {0} TO {1}; GRANT SELECT ON ALL TABLES "
                                 "IN SCHEMA {0} TO {1}").format(sql.Identifier(schema),
                                                                sql.Identifier(role)))


def write_service(folder: Path, cluster: Cluster, services: dict[str, dict[str, str]],
                  passwords: dict[str, str]) -> dict[str, str]:
    """Write a libpq service file and a 0600 ``.pgpass`` into ``folder``.

    Parameters
    ----------
    services : {name: {"dbname": ..., "user": ...}}
    passwords : {user: password}

    Returns
    -------
    dict
        The environment variables that point libpq at them (``PGSERVICEFILE``, ``PGPASSFILE``).
    """
    folder.mkdir(parents=True, exist_ok=True)
    lines = []
    for name, settings in services.items():
        lines.append(f"[{name}]\nhost={cluster.root}\nport={cluster.port}\n"
                     + "".join(f"{k}={v}\n" for k, v in settings.items()))
    (folder / "pg_service.conf").write_text("\n".join(lines), encoding="utf-8")
    pgpass = folder / "pgpass"
    pgpass.write_text("".join(f"{cluster.root}:{cluster.port}:*:{user}:{pw}\n"
                              for user, pw in passwords.items()), encoding="utf-8")
    pgpass.chmod(0o600)
    return {"PGSERVICEFILE": str(folder / "pg_service.conf"), "PGPASSFILE": str(pgpass)}


_PG_TYPES = {"b": "boolean", "i": "bigint", "u": "bigint", "f": "double precision"}


def load_frame(conn, gdf: gpd.GeoDataFrame, schema: str, table: str, srid: int | None = None,
               primary_key: str | None = "fid", index: bool = True) -> int:
    """Load a GeoDataFrame into ``schema.table`` with ``COPY`` (geometry as hex EWKB, exact).

    Columns keep their names; booleans, integers and floats get SQL types, everything else is
    text. A serial ``primary_key`` column keeps the frame's row order; ``index`` adds a GiST index.

    Returns
    -------
    int
        The SRID the geometry column was declared with (``srid``, else the frame's EPSG, else 0).
    """
    from psycopg import sql

    if srid is None:
        srid = (gdf.crs.to_epsg() if gdf.crs is not None else None) or 0
    ident = sql.Identifier(schema, table)
    names = [c for c in gdf.columns if c != gdf.geometry.name]
    defs = [sql.SQL("{} {}").format(sql.Identifier(c), sql.SQL(
        _PG_TYPES.get(gdf[c].dtype.kind, "text"))) for c in names]
    if primary_key:
        defs.insert(0, sql.SQL("{} serial PRIMARY KEY").format(sql.Identifier(primary_key)))
    defs.append(sql.SQL("geom geometry(Geometry, {})").format(sql.Literal(srid)))
    conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
    conn.execute(sql.SQL("CREATE TABLE {} ({})").format(ident, sql.SQL(", ").join(defs)))
    geoms = gdf.geometry.to_numpy()
    ewkb = shapely.to_wkb(shapely.set_srid(geoms, srid), hex=True, include_srid=True)
    columns = [gdf[c].astype(object).where(gdf[c].notna(), None).to_numpy() for c in names]
    copy = sql.SQL("COPY {} ({}) FROM STDIN").format(
        ident, sql.SQL(", ").join(map(sql.Identifier, [*names, "geom"])))
    with conn.cursor() as cur, cur.copy(copy) as cp:
        for i in range(len(gdf)):
            cp.write_row([_scalar(col[i]) for col in columns] + [ewkb[i]])
    if index:
        conn.execute(sql.SQL("CREATE INDEX ON {} USING gist (geom)").format(ident))
    conn.execute(sql.SQL("ANALYZE {}").format(ident))
    return srid


def _scalar(value):
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return value


# -- the demo region in PostGIS ---------------------------------------------------------------
@dataclass
class DemoDatabase:
    """The demo layers loaded into a private cluster, with a client folder to reach them.

    Attributes
    ----------
    cluster : Cluster
    env : dict
        ``PGSERVICEFILE`` and ``PGPASSFILE`` of the client folder.
    catalog : Path
        The demo catalog with every vector layer read from PostGIS (rasters from the files).
    tables : dict
        Layer id → ``demo.<id>``, in database ``zoning``.
    services : dict
        ``zoning`` (role ``reader``: may read schema ``demo``), ``locked`` (role ``outsider``: may
        read nothing), ``plain`` (a database without PostGIS), ``wrongpw`` (a wrong password).
    """

    cluster: Cluster
    env: dict[str, str]
    catalog: Path
    tables: dict[str, str]
    services: dict[str, dict[str, str]]


def _toml(value) -> str:
    import json

    if isinstance(value, dict):
        return "{ " + ", ".join(f"{json.dumps(str(k), ensure_ascii=False)} = {_toml(v)}"
                                for k, v in value.items()) + " }"
    return json.dumps(value, ensure_ascii=False)


def load_demo(cluster: Cluster, folder: Path) -> DemoDatabase:
    """Load every vector layer of the demo catalog into ``zoning.demo`` and write a catalog.

    Geometries are loaded as the files hold them (read with pyogrio, no cleaning), so the
    toolkit's reader must give what its file reader gives.
    """
    import tomllib

    import pyogrio

    from layers import demo

    create_database(cluster, "zoning")
    create_database(cluster, "plain", postgis=False)
    raw = tomllib.loads(demo.DEMO_CATALOG.read_text(encoding="utf-8"))
    tables = {}
    with cluster.connect("zoning") as conn:
        for layer in raw["layer"]:
            frame = pyogrio.read_dataframe(demo.DEMO_DIR / layer["path"])
            load_frame(conn, frame, "demo", layer["id"])
            tables[layer["id"]] = f"demo.{layer['id']}"
        conn.execute("CREATE ROLE outsider LOGIN PASSWORD 'outsider-pw'")
    create_reader(cluster, "zoning", "reader", "reader-pw", ("demo",))
    services = {"zoning": {"dbname": "zoning", "user": "reader"},
                "locked": {"dbname": "zoning", "user": "outsider"},
                "plain": {"dbname": "plain", "user": "outsider"},
                "wrongpw": {"dbname": "zoning", "user": "nopass"}}
    with cluster.connect("plain") as conn:
        conn.execute("GRANT CONNECT ON DATABASE plain TO outsider")
    env = write_service(folder / "client", cluster, services,
                        {"reader": "reader-pw", "outsider": "outsider-pw", "nopass": "wrong"})
    lines = ["# The demo catalog with its vector layers in PostGIS (tests/pgcluster.py)\n",
             "[region]"] + [f"{k} = {_toml(v)}" for k, v in raw["region"].items()]
    for entry in raw["layer"]:
        entry = {k: v for k, v in entry.items() if k != "path"}
        entry["postgis"] = {"service": "zoning", "table": tables[entry["id"]]}
        lines += ["", "[[layer]]"] + [f"{k} = {_toml(v)}" for k, v in entry.items()]
    for entry in raw["raster"]:
        entry = entry | {"path": str(demo.DEMO_DIR / entry["path"])}
        lines += ["", "[[raster]]"] + [f"{k} = {_toml(v)}" for k, v in entry.items()]
    catalog = folder / "catalog.toml"
    catalog.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return DemoDatabase(cluster, env, catalog, tables, services)


def own_red_lines(demo: DemoDatabase, folder: Path, table: str) -> Path:
    """The PostGIS demo catalog (written in ``folder``) with its red lines in ``table``, a copy
    of ``demo.red_lines`` of the caller's own: a test may change it, the session's stays as is."""
    with demo.cluster.connect("zoning") as conn:
        conn.execute(f"CREATE TABLE {table} (LIKE demo.red_lines INCLUDING ALL); "
                     f"INSERT INTO {table} SELECT * FROM demo.red_lines; "
                     f"GRANT SELECT ON {table} TO reader")
    entry = '"table" = "demo.red_lines" }'
    text = demo.catalog.read_text(encoding="utf-8")
    assert text.count(entry) == 1
    catalog = Path(folder) / "catalog.toml"
    catalog.write_text(text.replace(entry, f'"table" = "{table}" }}'), encoding="utf-8")
    return catalog
