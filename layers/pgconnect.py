"""Connecting to a PostGIS layer's database: a libpq service and its password file only.

The connection comes only from a libpq service file (``PGSERVICEFILE``, else
``~/.pg_service.conf``) and the password only from ``PGPASSFILE`` / ``~/.pgpass``; a service
definition holding a password is refused. Errors name the service and the fix. Used by
:func:`layers.postgis.read_postgis`.

libpq ignores a password file that its group or others may read (mode 0644 ...) and prints a
warning on every connection; :func:`connect` says so once, in its own words and with the fix
(``chmod 600``), in the error when the password was needed and as a warning otherwise.
"""

from __future__ import annotations

import configparser
import os
import stat
import warnings
from pathlib import Path

from layers.errors import NoPostgisError, ServiceError, SitingWarning, bi

FIX_PGPASS = ("put the password in a .pgpass file (PGPASSFILE, mode 0600) and the host, "
              "database and user in a libpq service file (PGSERVICEFILE), then name the service")
"""How to give a database's credentials, for messages that refuse them elsewhere."""
FIX_PGPASS_ZH = ("请把密码写入 .pgpass 文件（PGPASSFILE，权限 0600），把主机、数据库和用户写入 libpq "
                 "服务文件（PGSERVICEFILE），再在图层目录中写服务名")
"""The same in Chinese."""


def service_files() -> list[Path]:
    """The libpq service files that exist, in libpq's order of search."""
    user = os.environ.get("PGSERVICEFILE") or str(Path.home() / ".pg_service.conf")
    sysconf = [Path(os.environ["PGSYSCONFDIR"]) / "pg_service.conf"] \
        if os.environ.get("PGSYSCONFDIR") else [Path("/etc/postgresql-common/pg_service.conf")]
    return [p for p in [Path(user), *sysconf] if p.is_file()]


def password_file() -> Path:
    """The password file libpq reads: ``PGPASSFILE``, else ``~/.pgpass``."""
    return Path(os.environ.get("PGPASSFILE") or Path.home() / ".pgpass")


def ignored_password_file() -> tuple[Path, int] | None:
    """The password file and its mode when libpq ignores it because its group or others may
    read or write it (libpq wants 0600 or less); None when it is used, absent or not read
    (``PGPASSWORD`` set; Windows, where libpq does not check)."""
    if os.name == "nt" or os.environ.get("PGPASSWORD"):
        return None
    path = password_file()
    try:
        mode = path.stat().st_mode
    except OSError:
        return None
    if not stat.S_ISREG(mode) or not mode & (stat.S_IRWXG | stat.S_IRWXO):
        return None
    return path, stat.S_IMODE(mode)


def _ignored_message(ignored: tuple[Path, int]) -> str:
    path, mode = ignored
    return (f"libpq ignores {path} because its mode is {mode:04o}: chmod 600 {path} "
            "(others must not read the passwords in it) / 密码文件权限过宽，libpq 不读取它")


def _check_service(service: str, at: str = "") -> None:
    """Refuse a service defined with a password; say where services are looked up if unknown.
    ``at`` starts every message (``"catalog.toml, layer 'x' (...): "``)."""
    files, names = service_files(), []
    for path in files:
        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read(path, encoding="utf-8")
        except (configparser.Error, UnicodeDecodeError) as exc:
            raise ServiceError(bi(f"{at}{path}: not a valid libpq service file ({exc})",
                                  f"{at}{path}：不是有效的 libpq 服务文件")) from None
        if parser.has_section(service):
            if any(k.lower() in ("password", "passfile") for k in parser[service]):
                raise ServiceError(bi(f"{at}{path}, service {service!r}: the service file holds "
                                      f"a password; remove it and {FIX_PGPASS}",
                                      "服务文件中含有密码：请删除，并把密码写入 .pgpass 文件"
                                      "（PGPASSFILE，权限 0600）"))
            return
        names += parser.sections()
    asked = os.environ.get("PGSERVICEFILE")
    where = (f"looked in {', '.join(map(str, files))}" if files else
             f"PGSERVICEFILE names {asked}, which does not exist" if asked else
             "no service file: set PGSERVICEFILE to one, or write ~/.pg_service.conf")
    import socket

    raise ServiceError(bi(
        f"{at}PostGIS service {service!r} is not defined on {socket.gethostname()} ({where}; "
        f"services found: {sorted(names) or 'none'}); add a [{service}] section with host, port, "
        "dbname and user, and the password to .pgpass (PGPASSFILE); on a Dask cluster every "
        "worker needs them too",
        f"本机未定义 PostGIS 服务 {service!r}：请在 libpq 服务文件（PGSERVICEFILE）中添加 "
        f"[{service}] 节（host、port、dbname、user），密码写入 .pgpass（PGPASSFILE）；"
        "Dask 集群的每个节点都需要"))


def connect(service: str, what: str | None = None):
    """Open a read-only psycopg connection to a libpq service.

    Parameters
    ----------
    service : str
        The service name; host, database and user come from the service file, the password
        from ``PGPASSFILE`` / ``~/.pgpass``.
    what : str, optional
        What the connection is for, to start every message with (e.g. the catalog and the
        layer: ``"catalog.toml, layer 'farmland' (PostGIS service 'zoning', table ...)"``).

    Raises
    ------
    ServiceError
        Unknown service, server unreachable, authentication refused (a password file libpq
        ignores for its mode is named, with ``chmod 600``).
    NoPostgisError
        The database has no PostGIS extension.

    Warns
    -----
    SitingWarning
        The password file is ignored for its mode but no password was needed.
    """
    import psycopg

    at = f"{what}: " if what else ""
    _check_service(service, at)
    ignored = ignored_password_file()
    # libpq would ignore the file anyway, and print its warning on every connection: give it a
    # path that cannot exist (below a regular file) so that only our message says it, once
    extra = {"passfile": str(ignored[0] / "ignored")} if ignored else {}
    try:
        conn = psycopg.connect(service=service, application_name="siting-toolkit", **extra)
    except psycopg.OperationalError as exc:
        detail = " ".join(str(exc).split())
        if "password" not in detail.lower():
            fix = "check host, port, dbname and user in the service file and that the server runs"
        elif ignored:
            fix = _ignored_message(ignored)
        elif "retrieved from file" in detail:
            fix = (f"correct the password of this host, port, database and user in the .pgpass "
                   f"file {password_file()}")
        elif not password_file().is_file():
            asked = os.environ.get("PGPASSFILE")
            fix = (f"PGPASSFILE names {asked}, which does not exist; point it at the .pgpass "
                   "file (mode 0600) that holds this user's password" if asked else
                   f"there is no password file ({password_file()} does not exist): write this "
                   "user's password there (mode 0600) or set PGPASSFILE to the file that has it")
        else:
            fix = "add its password to the .pgpass file (PGPASSFILE, mode 0600)"
        raise ServiceError(bi(f"{at}cannot connect to PostGIS service {service!r} ({detail}); "
                              f"{fix}", f"无法连接 PostGIS 服务 {service!r}：请检查服务文件中的 "
                              "host、port、dbname、user 与 .pgpass 中的密码，并确认服务器在运行")
                           ) from None
    if ignored:  # not needed this time, but the passwords in it are open to others
        warnings.warn(_ignored_message(ignored), SitingWarning, stacklevel=2)
    conn.read_only = True
    with conn.cursor() as cur:
        cur.execute("SELECT extversion FROM pg_catalog.pg_extension WHERE extname = 'postgis'")
        if cur.fetchone() is None:
            cur.execute("SELECT current_database()")
            db = cur.fetchone()[0]
            conn.close()
            raise NoPostgisError(bi(f"{at}PostGIS service {service!r}: database {db!r} has no "
                                    "PostGIS extension; ask its administrator to run CREATE "
                                    "EXTENSION postgis, or name the service of the database "
                                    "that has the layer",
                                    f"数据库 {db!r} 未安装 PostGIS 扩展：请管理员执行 CREATE "
                                    "EXTENSION postgis，或改用存有该图层的数据库的服务"))
    return conn
