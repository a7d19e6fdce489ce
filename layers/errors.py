"""The toolkit's one exception hierarchy and its warnings.

Every error a user can cause derives from :class:`InputError`; the command line turns it into a
message and exit code 2, never a traceback. Errors also derive from the matching built-in
(``ValueError``, ``OSError``) so that callers of the Python API can catch either, as rasterio does.
"""

from __future__ import annotations

import re

CATALOG_HINTS = {
    "crs": 'crs = "EPSG:4490" in its catalog entry',
    "layer": 'layer = "NAME" in its catalog entry',
    "encoding": 'encoding = "GB18030" in its catalog entry',
    "coords": "--coords wgs84|gcj02|bd09|cgcs2000",
}
"""How to fix a source's CRS, layer, encoding or coordinate system, in a catalog's words."""


class SitingError(Exception):
    """Root of every error raised by the toolkit."""


class InputError(SitingError, ValueError):
    """Bad user input: a file, a catalog, a rule set, a parameter. Exit code 2 on the CLI."""


class CatalogError(InputError):
    """A catalog file is invalid; the message names the file, the layer and the key."""


class CRSError(InputError):
    """A coordinate reference system is missing, unknown or unusable."""


class ReadError(InputError, OSError):
    """A data file could not be read; the message names the file and the fix."""


class DatabaseError(InputError):
    """A database layer source cannot be used; the message names the service, the table and the fix.

    Subclasses say which of the usual causes it is, so that callers can tell them apart.
    """


class ServiceError(DatabaseError):
    """A libpq service is not defined, cannot be reached or refuses the connection."""


class TableError(DatabaseError):
    """A database table or its geometry column does not exist."""


class DatabasePermissionError(DatabaseError, PermissionError):
    """The service's role may not read the table (or its schema)."""


class NoPostgisError(DatabaseError):
    """The service's database has no PostGIS extension."""


class RuleSetError(InputError):
    """A rule set file is invalid; the message names the file, the rule and the key."""


class ProfileError(InputError):
    """A siting profile is invalid; the message names the file and the key."""


class SitingWarning(UserWarning):
    """Something the user should act on, but that does not stop the work."""


class EncodingGuessWarning(SitingWarning):
    """A text encoding was detected rather than declared (e.g. a GBK DBF without ``.cpg``)."""


class DatumWarning(SitingWarning):
    """A datum transformation may be off by metres (e.g. PROJ's ballpark Beijing 1954 → CGCS2000)."""


class GeometryWarning(SitingWarning):
    """Geometries were repaired, emptied or had Z values dropped."""


def choice_error(what: str, value: object, valid: list[str] | tuple[str, ...]) -> str:
    """Format the one message used everywhere for a value outside an enumeration.

    Parameters
    ----------
    what : str
        What the value is, e.g. ``"layer kind"``.
    value : object
        The value found.
    valid : sequence of str
        The values allowed.

    Returns
    -------
    str
        ``unknown layer kind 'x'; expected one of: a, b, c``.
    """
    return f"unknown {what} {value!r}; expected one of: {', '.join(map(str, valid))}"


def fix_hint(hints: dict[str, str] | None, key: str, crs: str | None = None) -> str:
    """How to fix ``key`` (``crs``, ``layer``, ``encoding``, ``coords``) on the command being run.

    Parameters
    ----------
    hints : dict or None
        The caller's wording, e.g. ``{"crs": "--crs EPSG:4544", "layer": "--layer NAME"}``;
        missing keys take the catalog's (:data:`CATALOG_HINTS`).
    key : str
    crs : str, optional
        A CRS to suggest (``"EPSG:4524"``): it replaces the example code of the hint.

    Returns
    -------
    str
        E.g. ``crs = "EPSG:4524" in its catalog entry`` or ``--crs EPSG:4524``.
    """
    text = (hints or {}).get(key) or CATALOG_HINTS[key]
    if crs:
        text, n = re.subn(r"EPSG:\d+", crs, text)
        if not n:
            text = f"{text} ({crs})"
    return text


def validation_messages(exc, unknown_hint: str) -> list[tuple[tuple, str]]:
    """Turn a pydantic ``ValidationError`` into (location, message) pairs for a person.

    Catalogs, rule sets and siting profiles all validate with pydantic; this is their one
    wording of its errors. Each caller prefixes the file and entry it knows.

    Parameters
    ----------
    exc : pydantic.ValidationError
    unknown_hint : str
        Where the valid keys are documented, appended to "unknown key".

    Returns
    -------
    list of (tuple, str)
        The error's location (keys and list indices) and its message.
    """
    out = []
    for err in exc.errors():
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = f"unknown key; {unknown_hint}"
        elif err["type"] == "missing":
            msg = "required key is missing"
        out.append((tuple(err["loc"]), msg))
    return out
