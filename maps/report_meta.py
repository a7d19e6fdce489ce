"""What a screening report says about itself: ID, versions, rule set, catalog, layers, data quality.

A reviewer who signs a report must be able to say which data and which rules produced it. The
header states the tool version, the rule set (name and a hash of its files), the catalog (name,
file, hash) and every layer's source, date, stated accuracy and layer-wide values; the report ID
is a hash of all of that and of the projects, so the same inputs give the same ID (and the same
bytes: the run is dated by day, or by ``SOURCE_DATE_EPOCH`` when set, never by the clock time).
When a layer or a catalog was read or prepared, and how long that took, is shown but not hashed:
the same data prepared again, or read again from the same table, gives the same ID.
No absolute path is shown: files are named by their file name.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from maps.report_words import word

PROBLEMS_SHOWN = 30
"""Problems listed per layer or project file in the data-quality section; the rest counted."""


def tool_version() -> str:
    """The installed version of siting-toolkit (``unknown`` when not installed)."""
    try:
        return metadata.version("siting-toolkit")
    except metadata.PackageNotFoundError:
        return "unknown"


def files_hash(paths) -> str:
    """SHA-256 of the readable files (:func:`layers.read.files_sha256`), first 12 hex digits
    (``""`` when none is readable)."""
    from layers.read import files_sha256

    readable = [Path(p) for p in paths if Path(p).is_file()]
    return files_sha256(readable)[:12] if readable else ""


def run_date() -> str:
    """The day of the run (ISO 8601), from ``SOURCE_DATE_EPOCH`` when set (reproducible)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date().isoformat()
    return dt.date.today().isoformat()


def catalog_digest(path) -> str:
    """SHA-256 (hex) of what a catalog file says, for the report ID: its parsed content (not
    its comments nor its layout), without the time each prepared layer was prepared (``at`` of
    ``[layer.prepared]``, written by ``siting prepare``): the same sources prepared again give
    the same digest. ``""`` when the file cannot be read any more."""
    from layers.errors import InputError
    from layers.tomlfile import load_toml

    try:
        raw = load_toml(path, InputError, "catalog")
    except (OSError, InputError):
        return ""
    for entry in raw.get("layer") or []:
        if isinstance(entry, dict) and isinstance(entry.get("prepared"), dict):
            entry["prepared"] = {k: v for k, v in entry["prepared"].items() if k != "at"}
    return hashlib.sha256(json.dumps(raw, sort_keys=True, default=str,
                                     ensure_ascii=False).encode()).hexdigest()


def projects_digest(result) -> str:
    """Hash of the projects as screened: attributes (not the verdicts) and footprints.

    The attributes as text (``astype(str)`` with numpy's and pandas' default options, whatever
    a library set), hashed row by row as ``pandas.util.hash_pandas_object(table, index=False)``
    hashes them, then the footprints' WKB. Each column's row hashes are found without a table
    of texts (:func:`_text_hashes`) and the WKB is hashed piece by piece: the same digest
    (0.7 s instead of 1.0 at 100,000 projects).
    """
    cols = [c for c in result.columns if c != result.geometry.name and not c.startswith(
        ("nearest_",)) and c not in ("verdict", "reasons", "n_prohibited", "n_review",
                                     "n_admitted")]
    h = hashlib.sha256()
    with np.printoptions(legacy=False):  # numpy's numbers written as numpy writes them by default
        h.update(_rows_hash([_text_hashes(result[c]) for c in cols], len(result)).tobytes())
    wkb = shapely.to_wkb(np.asarray(result.geometry.values, dtype=object))
    wkb = wkb[pd.notna(wkb)]
    for start in range(0, len(wkb), _WKB_PIECE):  # no joined copy of every footprint
        h.update(b"".join(wkb[start:start + _WKB_PIECE].tolist()))
    return h.hexdigest()


_WKB_PIECE = 4096
"""Footprints whose WKB is hashed at once."""
_MISSING = np.uint64(2**64 - 1)
"""The hash pandas gives a missing text."""
_TEXT = pd.StringDtype(na_value=np.nan)
"""What ``astype(str)`` makes with pandas' default options."""


def _text_hashes(column: pd.Series) -> np.ndarray:
    """The hashes [uint64] ``pandas.util.hash_array`` gives ``column.astype(str)``, row by row.

    Each distinct value is made text and hashed once where that gives the same texts: numbers
    (by their bits: ``-0.0`` is not ``0.0``; ``str`` of each, as ``astype(str)`` writes them),
    most of a batch's are one value on every project, and objects of one type whose equal
    values are equal texts (texts, as they are; booleans), the missing ones all None.
    """
    if isinstance(column.dtype, pd.StringDtype):  # texts already: pandas hashes each once
        return pd.util.hash_array(column.array)  # (astype(str) is an object column when a
        # library turned pandas' future.infer_string off, which hash_array refuses)
    values = column.to_numpy()
    if column.dtype == np.float64:
        bits, at = np.unique(values.view(np.int64), return_inverse=True)
        numbers = bits.view(np.float64)
        texts = np.array(list(map(str, numbers.tolist())), dtype=object)  # as astype(str)
        texts[np.isnan(numbers)] = None  # which makes NaN a missing text
        return _text_hashes_of(texts)[at.ravel()]
    kind = pd.api.types.infer_dtype(values, skipna=True) if column.dtype == object else ""
    if kind in ("string", "boolean", "empty"):
        codes, distinct = pd.factorize(values)  # a missing value: -1, the last hash
        if np.equal(values[codes < 0], None).all():
            hashes = _text_hashes_of(distinct) if kind == "string" else _hashes(
                pd.Series(distinct, dtype=object))
            return np.append(hashes, _hashes(pd.Series([None], dtype=object)))[codes]
    return _hashes(column)


def _hashes(values: pd.Series) -> np.ndarray:
    """``pandas.util.hash_array(values.astype(str).array)`` (its hashing of Arrow strings
    builds a Python text per distinct text, then hashes them: the same, slower), with pandas'
    text dtype named: ``str`` means objects (missing values as "None") when a library turned
    pandas' ``future.infer_string`` off."""
    return _text_hashes_of(values.astype(_TEXT).to_numpy(dtype=object, na_value=None))


def _text_hashes_of(texts: np.ndarray) -> np.ndarray:
    """The hash of each text of an object array as pandas hashes texts (None: missing)."""
    missing = pd.isna(texts)
    out = np.full(len(texts), _MISSING)
    out[~missing] = pd.util.hash_array(texts[~missing], categorize=False)
    return out


def _rows_hash(columns: list[np.ndarray], n: int) -> np.ndarray:
    """The row hashes [uint64] of a table with these columns' hashes, as
    ``pandas.util.hash_pandas_object(table, index=False)`` combines them (CPython's tuple
    hash)."""
    out = np.full(n, 0x345678, dtype=np.uint64)  # no columns: an empty tuple's hash
    mult = np.uint64(1000003)
    for i, hashes in enumerate(columns):
        out ^= hashes
        out *= mult
        mult += np.uint64(82520 + 2 * (len(columns) - i))
    return out + np.uint64(97531)


def _identity(info: dict, row: dict) -> dict:
    """What names a layer's data in the report ID: its entry, facts and the SHA-256 of its bytes
    (``row``, from :func:`layer_rows`; a PostGIS table read live: service, table, rows and the
    table's fingerprint, :func:`layers.pgstamp.fingerprint`), not when, how fast or from which
    file name it was read (the same data read again, or prepared again, gives the same ID)."""
    out = {k: v for k, v in info.items()  # nor in which language the kind is named
           if k not in ("problems", "path", "path_zh", "read_at", "prepared_at", "label", "seconds",
                        "fingerprint_at", "verified_at")} | {"sha256": row["sha256"]}
    if isinstance(out.get("fingerprint"), dict):
        out["fingerprint"] = {k: v for k, v in out["fingerprint"].items() if k != "at"}
    return out


def layer_rows(result, catalog=None, lang: str = "zh") -> list[dict]:
    """One row per layer the screening read: id, kind label, role (why it is listed besides the
    rules: it sets the coverage area and the districts; else empty), source, date, file (with
    the SHA-256 of its data when ``catalog`` is given: :meth:`layers.catalog.Catalog.digest`),
    features, accuracy [m], layer-wide values, the districts it covers when not everywhere
    (``covers``), usable, problems (texts)."""
    rows = []
    for info in result.attrs.get("layers", []):
        sha = info.get("sha256")
        if sha is None and catalog is not None and any(s.id == info["layer_id"]
                                                       for s in catalog.layers):
            try:
                sha = catalog.digest(info["layer_id"])
            except OSError:  # gone since it was read: the report cannot name its bytes
                sha = None
        path = (lang == "zh" and info.get("path_zh")) or info.get("path") or ""
        defaults = "; ".join(f"{k} = {v}" for k, v in (info.get("defaults") or {}).items())
        acc = info.get("accuracy_m")
        role = info.get("role")
        rows.append({"id": info["layer_id"], "kind": info.get("label") or info["kind"],
                     "role": word(f"role_{role}", lang) if role else "",
                     "source": info.get("source") or "", "date": info.get("date") or "",
                     "file": (Path(str(path)).name if path and "PostGIS" not in str(path)
                              else str(path)) + (f" · SHA-256 {sha[:12]}" if sha else ""),
                     "sha256": sha,
                     "features": info.get("features", ""),
                     "accuracy": "" if acc is None else f"{acc:g} m", "defaults": defaults,
                     "covers": (word("covers_only", lang) + ("、" if lang == "zh" else ", ").join(
                                    info["covers"])
                                if info.get("covers") else ""),
                     "usable": info.get("usable", True),
                     "problems": list(info.get("problems") or [])})
    return rows


def problem_text(problem, lang: str) -> str:
    """A reader's problem as the data-quality table lists it: in ``lang`` first (a problem
    with a severity as the terminal prints it, :func:`layers.hygiene.problem_line`)."""
    from layers.errors import in_lang

    if hasattr(problem, "severity"):
        from layers.hygiene import problem_line

        return problem_line(problem, lang=lang)
    return in_lang(problem, lang)


def report_meta(result, catalog=None, lang: str = "zh", problems=None,
                hits=None, projects=None) -> dict:
    """The report's header and data-quality data.

    Parameters
    ----------
    result : GeoDataFrame
        The result of :func:`geo.screen` (its ``attrs`` carry the layers and rules).
    catalog : layers.catalog.Catalog, optional
        Adds the catalog's name, file, hash, region and the synthetic notice.
    lang : {"zh", "en"}
    problems : list of (str, list), optional
        ``(project file name, reader problems)`` per project file.
    hits : DataFrame, optional
        The screening's hits: their slivers between layers (:data:`geo.coverage.SLIVER`, no
        ``review``) are listed under data quality, one line per project.
    projects : callable, optional
        Gives the projects' part of the report ID, :func:`projects_digest` of ``result`` (the
        default): the writers of one screening share one cached function, so that a process
        writing the report and the workbook hashes the projects once (≈0.7 s at 100,000).

    Returns
    -------
    dict
        ``report_id``, ``tool``, ``ruleset`` (name, files, hash), ``rule_notices`` (what makes
        the rule set softer than the national rules, in ``lang``), ``catalog`` (name, file, hash,
        description) or None, ``synthetic``, ``coverage``, ``working_crs``, ``run_date``,
        ``layers`` (:func:`layer_rows`), ``missing`` (kinds not provided), ``quality``
        (``[(source, [problem texts], more)]`` for every layer and project file, and the
        projects on slivers between layers; ``more``: where the rest is, or "" when every text
        is shown).
    """
    rule_files = [Path(p) for p in result.attrs.get("rule_files", [])]
    ruleset = {"name": result.attrs.get("rules", ""), "files": [p.name for p in rule_files],
               "hash": files_hash(rule_files)}
    # each file with the first digits of what sha256sum prints for it (the hash of several files
    # together, in the report ID, no reviewer can check)
    rule_files_shown = [f"{p.name} SHA-256 {h}" if (h := files_hash([p])) else p.name
                        for p in rule_files]
    cat = None
    synthetic = False
    if catalog is not None:
        region = dict(getattr(catalog, "region", {}) or {})
        synthetic = bool(region.get("synthetic"))
        cat = {"name": region.get("name", ""), "file": Path(catalog.path).name,
               "hash": files_hash([catalog.path]), "description": region.get("description", "")}
    layers = layer_rows(result, catalog, lang)
    crs_name = ""
    if result.attrs.get("working_crs"):
        import pyproj

        from layers.crs import crs_label

        crs_name = crs_label(pyproj.CRS.from_wkt(result.attrs["working_crs"]).name, lang)
    digest = hashlib.sha256(json.dumps({
        "tool": tool_version(), "rules": ruleset,
        "catalog": cat and {k: v for k, v in cat.items() if k != "hash"} | {
            "content": catalog_digest(catalog.path)},
        "layers": [_identity(info, row) for info, row in zip(result.attrs.get("layers", []),
                                                               layers)],
        "projects": projects() if projects else projects_digest(result)}, sort_keys=True,
        default=str, ensure_ascii=False).encode()).hexdigest()
    quality = []
    errors = int((result["verdict"] == "error").sum()) if "verdict" in result else 0
    for name, probs in problems or []:
        texts = [problem_text(p, lang) for p in probs]
        if errors:  # rows the reader could not place or the rules could not judge
            texts.insert(0, word("error_row", lang) if errors == 1 else
                         word("error_rows", lang, n=f"{errors:,}"))
        quality.append((f"{word('project_file', lang)} {name}", texts[:PROBLEMS_SHOWN],
                        _more(len(texts), "more_file", lang)))
    for row in layers:
        quality.append((f"{word('layer', lang)} {row['id']} ({row['kind']})",
                        row["problems"][:PROBLEMS_SHOWN],
                        _more(len(row["problems"]), "more_layer", lang)))
    quality += _slivers(hits, lang)
    coverage = result.attrs.get("coverage") or {}
    return {"report_id": "SR-" + digest[:12].upper(), "tool": tool_version(),
            "ruleset": ruleset, "rule_files": rule_files_shown,
            "rule_notices": rule_notices(result, lang),
            "catalog": cat, "synthetic": synthetic,
            "coverage": coverage.get("label", ""), "working_crs": crs_name,
            "run_date": run_date(), "layers": layers,
            "missing": list(result.attrs.get("missing", [])), "quality": quality,
            "problems_shown": PROBLEMS_SHOWN}


def rule_notices(result, lang: str) -> list[str]:
    """What makes the screening's rule set softer than the national rules (``rule_notices`` of
    ``result.attrs``, see :attr:`geo.rules.RuleSet.notices`), each in ``lang`` only."""
    from layers.errors import halves

    out = []
    for text in result.attrs.get("rule_notices", []):
        en, zh = halves(text)
        out.append(zh if lang == "zh" and zh else en)
    return out


def _slivers(hits, lang: str) -> list[tuple[str, list[str], int]]:
    """The data-quality row of the projects on slivers between layers (none without any)."""
    from geo.coverage import SLIVER, SLIVER_WIDTH_M

    if hits is None or not len(hits):
        return []
    found = hits[hits["rule_id"].to_numpy(dtype=object) == SLIVER.id]
    if found.empty:
        return []
    texts = [f"{pid}: {msg}" for pid, msg in zip(found["project_id"].astype(str),
                                                  found["message"].astype(str), strict=True)]
    return [(word("layer_fit", lang, width=f"{SLIVER_WIDTH_M:g}"), texts[:PROBLEMS_SHOWN],
             _more(len(texts), "more_sliver", lang))]


def _more(n: int, where: str, lang: str) -> str:
    """Where the texts beyond :data:`PROBLEMS_SHOWN` of ``n`` are (the word ``where``), or ""."""
    return word(where, lang, n=f"{n - PROBLEMS_SHOWN:,}") if n > PROBLEMS_SHOWN else ""


def about_rows(meta: dict, lang: str) -> list[tuple[str, str]]:
    """The report header of :func:`report_meta` as (label, value) rows, for a workbook's
    ``about`` sheet: a signed table names the report, the rules and the data it comes from."""
    rows = [(word("report_id", lang), f"{meta['report_id']} ({word('report_id_note', lang)})"),
            (word("tool", lang), f"siting-toolkit {meta['tool']}")]
    rs = meta["ruleset"]
    rows.append((word("ruleset", lang), f"{rs['name']} ({', '.join(meta['rule_files'])})"))
    rows += [(word("rule_notice", lang), text) for text in meta.get("rule_notices", [])]
    if meta["catalog"]:
        c = meta["catalog"]
        rows.append((word("catalog", lang), f"{c['name']} ({c['file']}; SHA-256 {c['hash']})"))
    rows += [(word(k, lang), meta[k]) for k in ("coverage", "working_crs", "run_date") if meta[k]]
    rows += [(f"{word('layer', lang)} {r['id']}", "; ".join(
        str(v) for v in (r["kind"], r["role"], r["source"], r["date"], r["file"]) if v)
        + ("" if r["usable"] else f" ({word('unusable', lang)})")) for r in meta["layers"]]
    if meta["synthetic"]:
        rows.insert(0, (word("demo", lang), word("demo_text", lang)))
    return rows


def admin_names(catalog) -> dict[str, str]:
    """Admin code → name of the catalog's ``admin_boundary`` features (empty without them)."""
    if catalog is None or not catalog.has_kind("admin_boundary"):
        return {}
    names: dict[str, str] = {}
    for spec in catalog.layers:
        if spec.kind != "admin_boundary":
            continue
        gdf, _ = catalog.source(spec.id)
        if "admin_code" not in gdf or "name" not in gdf:
            continue
        for code, name in zip(gdf["admin_code"], gdf["name"], strict=True):
            if code is not None and str(code) and name is not None and str(name):
                names.setdefault(str(code), str(name))
    return names
