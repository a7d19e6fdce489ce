"""Connecting to a PostGIS layer's database: a libpq service and its password file only.

The connection comes only from a libpq service file (``PGSERVICEFILE``, else
``~/.pg_service.conf``) and the password only from ``PGPASSFILE`` / ``~/.pgpass``; a service
definition holding a password is refused. Errors name the service and the fix. Used by
:func:`layers.postgis.read_postgis`.
"""

from __future__ import annotations

import configparser
import os
from pathlib import Path

from layers.errors import NoPostgisError, ServiceError

FIX_PGPASS = ("put the password in a .pgpass file (PGPASSFILE, mode 0600) and the host, "
              "database and user in a libpq service file (PGSERVICEFILE), then name the service")
"""How to give a database's credentials, for messages that refuse them elsewhere."""


def service_files() -> list[Path]:
    """The libpq service files that exist, in libpq's order of search."""
    user = os.environ.get("PGSERVICEFILE") or str(Path.home() / ".pg_service.conf")
    sysconf = [Path(os.environ["PGSYSCONFDIR"]) / "pg_service.conf"] \
        if os.environ.get("PGSYSCONFDIR") else [Path("/etc/postgresql-common/pg_service.conf")]
    return [p for p in [Path(user), *sysconf] if p.is_file()]


def _check_service(service: str) -> None:
    """Refuse a service defined with a password; say where services are looked up if unknown."""
    files, names = service_files(), []
    for path in files:
        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read(path, encoding="utf-8")
        except (configparser.Error, UnicodeDecodeError) as exc:
            raise ServiceError(f"{path}: not a valid libpq service file ({exc})") from None
        if parser.has_section(service):
            if any(k.lower() in ("password", "passfile") for k in parser[service]):
                raise ServiceError(f"{path}, service {service!r}: the service file holds a "
                                   f"password; remove it and {FIX_PGPASS}")
            return
        names += parser.sections()
    asked = os.environ.get("PGSERVICEFILE")
    where = (f"looked in {', '.join(map(str, files))}" if files else
             f"PGSERVICEFILE names {asked}, which does not exist" if asked else
             "no service file: set PGSERVICEFILE to one, or write ~/.pg_service.conf")
    import socket

    raise ServiceError(f"PostGIS service {service!r} is not defined on {socket.gethostname()} "
                       f"({where}; services found: {sorted(names) or 'none'}); add a [{service}] "
                       "section with host, port, dbname and user, and the password to .pgpass "
                       "(PGPASSFILE); on a Dask cluster every worker needs them too")


def connect(service: str):
    """Open a read-only psycopg connection to a libpq service.

    Parameters
    ----------
    service : str
        The service name; host, database and user come from the service file, the password
        from ``PGPASSFILE`` / ``~/.pgpass``.

    Raises
    ------
    ServiceError
        Unknown service, server unreachable, authentication refused.
    NoPostgisError
        The database has no PostGIS extension.
    """
    import psycopg

    _check_service(service)
    try:
        conn = psycopg.connect(service=service, application_name="siting-toolkit")
    except psycopg.OperationalError as exc:
        detail = " ".join(str(exc).split())
        fix = ("add its password to the .pgpass file (PGPASSFILE, mode 0600)"
               if "password" in detail.lower() else
               "check host, port, dbname and user in the service file and that the server runs")
        raise ServiceError(f"cannot connect to PostGIS service {service!r} ({detail}); "
                           f"{fix}") from None
    conn.read_only = True
    with conn.cursor() as cur:
        cur.execute("SELECT extversion FROM pg_catalog.pg_extension WHERE extname = 'postgis'")
        if cur.fetchone() is None:
            cur.execute("SELECT current_database()")
            db = cur.fetchone()[0]
            conn.close()
            raise NoPostgisError(f"PostGIS service {service!r}: database {db!r} has no PostGIS "
                                 "extension; ask its administrator to run CREATE EXTENSION "
                                 "postgis, or name the service of the database that has the layer")
    return conn
