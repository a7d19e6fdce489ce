"""The screening report: a summary and one section per project that a reviewer can sign.

A pure render of what :func:`geo.screen` decided (the checklist's statuses come from
:mod:`geo.checklist`); nothing here recomputes a verdict. The report opens with its header (report
ID, tool version, rule set and catalog with hashes, the demo notice for synthetic data), the
verdict counts, an overview map, the table of projects, the data-quality findings and every
layer's provenance; then each project on its own page (:mod:`maps.report_sections`).

Batches stay usable at any size:

* up to :data:`PAGED_ABOVE` projects everything is one ``report.html``;
* above it ``report.html`` is the summary with an index of pages and ``report/page-0001.html``
  … hold :data:`PAGE_SIZE` projects each (a link ``report.html#project-<id>`` from the map is
  forwarded to its page);
* map images are drawn for at most :data:`IMAGE_LIMIT` projects (:data:`IMAGE_LIMIT_PAGED` in a
  paged report; about 0.13 s each), prohibited first, then review; the report says so. The
  sections are built :data:`CHUNK` projects at a time: memory stays bounded.

Every value from input data is escaped (jinja2 autoescape, :func:`maps.report_html.esc`).
"""

from __future__ import annotations

import gc
import json
import os
from pathlib import Path

import geopandas as gpd
import jinja2
import numpy as np
import pandas as pd
from markupsafe import Markup

from geo.checklist import locations, search_radius
from maps import style as st
from maps.display import drawable, project_anchors
from maps.report_html import badges, cat, each, encoded, esc, radius_text, texts, verdict_css
from maps.report_meta import admin_names, report_meta
from maps.report_reasons import decisive_projects, findings_by_rule
from maps.report_sections import image_uri, reason_words, section_parts, split_hits
from maps.report_words import WORDS, word

TEMPLATE_DIR = Path(__file__).with_name("templates")
PAGED_ABOVE = 300
"""Batches larger than this are written as a summary plus pages."""
PAGE_SIZE = 200
"""Projects per page of a paged report."""
PAGE_NAME = "page-{:04d}.html"
"""The file of page n (from 1) of a paged report, in the folder named after the report."""
PAGE_GLOB = "page-*.html"
"""Every name :data:`PAGE_NAME` gives (what an output folder must leave to siting)."""
IMAGE_LIMIT = 100
"""Most per-project map images in one report (each takes about 0.13 s to draw)."""
IMAGE_LIMIT_PAGED = 30
"""Most map images in a paged report: 100,000 projects are written in about 15 s, and 100
images would add 13 s more for pictures of a few of them."""
CHUNK = 10_000
"""Projects whose sections are built at once (a chunk costs ~55 ms of pandas calls at any size)."""
VERDICTS = ("prohibited", "review", "admitted", "error")
IMAGE_SIZE = (560, 420)
"""Size of a project's map image [px]."""
UNREAD_HIT_COLUMNS = ("project_id", "overlap_m", "tolerance_m2")
"""Columns of the hits no part of the report reads (the sections use ``row``): left out, every
filter of the hits copies fewer columns."""


def _env() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATE_DIR), autoescape=True,
                              trim_blocks=True, lstrip_blocks=True,
                              undefined=jinja2.StrictUndefined)


def _rules(result, rules):
    """The rule set (for titles and distances): given, else reloaded from the result's files."""
    if rules is not None or not result.attrs.get("rule_files"):
        return rules
    from geo.rules import load_rules
    from layers.errors import InputError

    try:
        return load_rules([Path(f) for f in result.attrs["rule_files"]])
    except (InputError, OSError):
        return None


def image_rows(result, limit: int = IMAGE_LIMIT) -> np.ndarray:
    """Positions of the projects that get a map image: every drawable project when there are at
    most ``limit``, else the first ``limit`` in the order prohibited, review, admitted (input
    order within each); projects with an error never."""
    verdict = result["verdict"].astype(str).to_numpy()
    ok = drawable(result.geometry) & (verdict != "error")
    rank = pd.Series(verdict).map({"prohibited": 0, "review": 1, "admitted": 2}).fillna(3)
    order = np.lexsort((np.arange(len(result)), rank.to_numpy()))
    return np.sort(order[ok[order]][:max(int(limit), 0)])


def compact_png(png: bytes, size: tuple[int, int] | None = None) -> bytes:
    """The PNG with a 256-colour palette (no dithering): a map image of flat fills and lines
    keeps its colours (the fills are the palette's most frequent colours) at about a third of
    the bytes, so that pages with many images still open fast. ``png``: a PNG, or with ``size``
    (width, height) [px] its RGBA pixels (``fmt="rgba"`` of :mod:`maps.static_map`: no PNG
    encoded only to be decoded here)."""
    import io

    from PIL import Image

    image = Image.open(io.BytesIO(png)) if size is None else Image.frombuffer(
        "RGBA", size, png, "raw", "RGBA", 0, 1)
    out = io.BytesIO()
    image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT,
                                  dither=Image.Dither.NONE).save(out, format="PNG", optimize=True)
    return out.getvalue()


def project_images(result, catalog, rows, lang: str) -> dict[int, str]:
    """Map image (``data:`` URI) of each project at ``rows``: the footprint over the layers of the
    kinds the screening read (and the admin boundary), in the web map's colours."""
    from maps.static_map import frame_box, layers_around, render_footprints

    kinds = list(result.attrs.get("kinds") or []) + ["admin_boundary"]
    boxes = np.array([frame_box(result.geometry.iloc[int(i)].bounds, IMAGE_SIZE) for i in rows])
    catalog = catalog.near(boxes, result.crs)  # only the features in some image are read

    def items():  # each footprint with the layers around it, read as it is drawn
        for i in rows:
            fp = gpd.GeoDataFrame(geometry=result.geometry.iloc[[int(i)]].values, crs=result.crs)
            yield fp, layers_around(catalog, fp, kinds, size_px=IMAGE_SIZE), str(
                result["verdict"].iloc[int(i)])

    drawn = render_footprints(items(), lang, "rgba", size_px=IMAGE_SIZE)
    return {int(i): image_uri(compact_png(rgba, IMAGE_SIZE)) for i, rgba in zip(rows, drawn)}


def overview_image(result, catalog, lang: str, points: bool = False) -> str:
    """The overview map of every project (``data:`` URI); ``points`` draws each project as a
    marker (for large batches: fast)."""
    from maps.static_map import render_overview

    shown = result[drawable(result.geometry)][["verdict", result.geometry.name]]
    if points:
        shown = shown.set_geometry(shown.geometry.representative_point())
    ref = None
    if catalog is not None and catalog.has_kind("admin_boundary"):
        frames = [catalog.read(s.id, result.crs) for s in catalog.layers
                  if s.kind == "admin_boundary"]
        frames = [f.gdf for f in frames if f.usable]
        ref = pd.concat(frames, ignore_index=True) if frames else None
    size = (900, 600)
    return image_uri(compact_png(render_overview(gpd.GeoDataFrame(shown, crs=result.crs), ref,
                                                 lang, "rgba", size_px=size), size))


def project_rows(result, hits, lang: str, start: int, stop: int, names: dict,
                 anchors=None, reasons=None) -> list[str]:
    """Rows of the table of projects ``start``..``stop`` (``hits``: theirs, ``row`` counted from
    ``start``): id (linked to its section: ``anchors``, those of
    :func:`maps.display.project_anchors` over the whole result, default computed over
    ``result``), name, type, district, verdict badge and the main reasons in words
    (``reasons``, theirs, when built for all projects at once:
    :func:`maps.report_sections.split_hits`)."""
    from geo import vocabulary

    res = result.iloc[start:stop]
    h = hits
    ids = texts(res["project_id"])
    if anchors is None:
        anchors = project_anchors(result["project_id"].astype(str))[start:stop]
    code = texts(res["admin_code"].fillna("")) if "admin_code" in res else \
        np.full(len(res), "", dtype=object)
    return list(cat('<tr><td><a href="#', np.asarray(anchors, dtype=object), '">',
                    esc(ids), "</a></td><td>", esc(res["name"]), "</td><td>",
                    esc(each(res["type"], lambda v: vocabulary.label("type", v, lang))),
                    "</td><td>", esc(each(code, lambda c: names.get(c, c))), "</td><td>",
                    badges(texts(res["verdict"]), lang), "</td><td>",
                    reason_words(res, h, lang) if reasons is None else reasons,
                    "</td></tr>\n"))


def _table(rows: list[str], lang: str) -> Markup:
    head = (f"<table class=\"projects\"><tr><th>{word('id', lang)}</th><th>{word('name', lang)}"
            f"</th><th>{word('type', lang)}</th><th>{word('district', lang)}</th><th>"
            f"{word('verdict', lang)}</th><th>{word('reasons', lang)}</th></tr>\n")
    return Markup(head + "".join(rows) + "</table>")


def _hits_of(hits: pd.DataFrame, start: int, stop: int) -> pd.DataFrame:
    """The hits of projects ``start``..``stop``, their ``row`` counted from ``start``."""
    rows = hits["row"].to_numpy(dtype=np.int64)
    ordered = len(rows) < 2 or (rows[1:] >= rows[:-1]).all()
    lo, hi = np.searchsorted(rows, [start, stop]) if ordered else (0, len(hits))
    h = hits.iloc[lo:hi]
    h = h[(h["row"] >= start) & (h["row"] < stop)]
    return h.assign(row=h["row"].to_numpy() - start)


def _objects(frame):
    """The frame with its text columns as Python objects: every slice and filter of the sections
    then moves pointers, not Arrow strings (pandas 3 stores text as Arrow; converting it once
    costs less than the conversions each operation would make)."""
    text = [c for c, dtype in frame.dtypes.items() if isinstance(dtype, pd.StringDtype)]
    return frame.astype(dict.fromkeys(text, object)) if text else frame


def _light(result):
    """The result with only the ``attrs`` the sections read (pandas copies ``attrs`` deeply on
    every operation: the layers' problem lists would cost seconds at 100,000 projects)."""
    work = result.copy(deep=False)
    work.attrs = {"kinds": result.attrs.get("kinds"), "search_m": result.attrs.get("search_m"),
                  "coverage": result.attrs.get("coverage"),
                  "layers": [{"kind": i["kind"], "usable": i.get("usable", True)}
                             for i in result.attrs.get("layers", [])]}
    return _objects(work)  # its attrs light first: the conversion copies them per column


def render_chunk(result, hits, lang, start, images, names, rules, anchors, loc=None,
                 built=None):
    """(start, section parts (:func:`maps.report_sections.section_parts`), table rows) of the
    projects of ``result`` (a slice beginning at position ``start``; ``hits`` theirs, ``row``
    counted from ``start``; ``images`` by absolute position; ``anchors`` theirs, from
    :func:`maps.display.project_anchors` over the whole result: a duplicated id's anchor
    depends on the rows before the slice; ``loc`` their :func:`geo.checklist.locations`,
    default computed; ``built`` their parts of :func:`maps.report_sections.split_hits`)."""
    n = len(result)
    own = {i - start: uri for i, uri in images.items() if start <= i < start + n}
    return (start, section_parts(result, hits, lang, 0, n, own, names, rules, anchors, loc,
                                 built),
            project_rows(result, hits, lang, 0, n, names, anchors, built and built["reasons"]))


def _chunks(result, hits, lang, stop, images, names, rules, step, anchors):
    """(start, section parts, table rows) for ranges of ``step`` projects up to ``stop``
    (the projects' locations, and the parts the rules not checked make, built once: a
    transformation, or a scan of all their hits, per chunk costs more)."""
    loc = locations(result.iloc[:stop]) if stop else None
    hits, built = split_hits(result.iloc[:stop], hits, lang, rules)
    for a in range(0, stop, step):
        b = min(a + step, stop)
        own = {i: uri for i, uri in images.items() if a <= i < b}
        yield render_chunk(result.iloc[a:b], _hits_of(hits, a, b), lang, a, own, names, rules,
                           anchors[a:b], loc.iloc[a:b] if loc is not None else None,
                           built and {k: v[a:b] for k, v in built.items()})


_TABLE, _SECTIONS = "\0siting-table\0", "\0siting-sections\0"
"""Stand-ins for a page's table and sections while its template is rendered (the templates hold
no NUL; the input's texts on a page, its ids and the header, come before both, so the last of
each is the template's own)."""


def _write_page(path: Path, html: str, table: str, sections: bytes) -> None:
    """Write a page rendered with the stand-ins :data:`_TABLE` and :data:`_SECTIONS`, with
    ``table`` and ``sections`` (UTF-8, :func:`maps.report_html.encoded`) in their places, line
    ends as a text file's: the sections (about 2 MB a page) are not copied into the page."""
    rest, tail = html.rsplit(_SECTIONS, 1)
    head, middle = rest.rsplit(_TABLE, 1)
    with open(path, "wb") as f:
        for part in (head.encode(), table.encode(), middle.encode(), sections, tail.encode()):
            f.write(part if os.linesep == "\n" else part.replace(b"\n", os.linesep.encode()))


def _context(result, lang, meta, n_images) -> dict:
    counts = result["verdict"].astype(str).value_counts()
    n = len(result)
    note = (word("images_none", lang) if n_images == 0 else word("images_all", lang)
            if n_images >= n else word("images_limited", lang, limit=n_images, n=n))
    return {"lang": lang, "m": meta, "W": {k: st.pick(v, lang) for k, v in WORDS.items()},
            "verdict_css": Markup(verdict_css()), "total": n,
            "counts": [{"verdict": v, "label": st.verdict_label(v, lang),
                        "count": int(counts.get(v, 0))} for v in VERDICTS],
            "images_note": note,
            "dq_text": word("dq_text", lang, n=meta["problems_shown"]),
            "checklist_text": word("checklist_text", lang, r=radius_text(search_radius(result)))}


def write_report(result, hits: pd.DataFrame, path: str | Path, lang: str = "zh", catalog=None,
                 problems=None, rules=None, image_limit: int | None = None,
                 page_size: int = PAGE_SIZE, paged_above: int = PAGED_ABOVE,
                 projects=None) -> list[Path]:
    """Write the report: ``path`` (e.g. ``report.html``), and when the batch has more than
    ``paged_above`` projects, its pages in the folder beside it named after it
    (``report/page-0001.html`` …).

    Parameters
    ----------
    result, hits
        The two tables of :func:`geo.screen`.
    path : path
        The report (summary) file.
    lang : {"zh", "en"}
    catalog : layers.catalog.Catalog, optional
        Needed for map images, district names and the catalog in the header.
    problems : list of (str, list of Problem), optional
        The project files' reader problems, shown under data quality.
    rules : RuleSet, optional
        Default: reloaded from ``result.attrs["rule_files"]``.
    image_limit : int, optional
        Most map images; 0 draws none. Default :data:`IMAGE_LIMIT`, or
        :data:`IMAGE_LIMIT_PAGED` when the report is paged.
    page_size, paged_above : int
        Projects per page, and the batch size above which the report is paged.
    projects : callable, optional
        The projects' part of the report ID (:func:`maps.report_meta.report_meta`).

    Returns
    -------
    list of Path
        The files written, the summary first.
    """
    gc.freeze()  # the tables given (millions of objects) stay out of every collection
    try:
        return _write_report(result, hits, Path(path), lang, catalog, problems, rules,
                             image_limit, page_size, paged_above, projects)
    finally:
        gc.unfreeze()


def _write_report(result, hits, path, lang, catalog, problems, rules, image_limit, page_size,
                  paged_above, projects) -> list[Path]:
    st.check_lang(lang)
    rules = _rules(result, rules)
    meta = report_meta(result, catalog, lang, problems, hits, projects)
    names = admin_names(catalog)
    n = len(result)
    if image_limit is None:
        image_limit = IMAGE_LIMIT if n <= paged_above else IMAGE_LIMIT_PAGED
    rows = image_rows(result, image_limit) if catalog is not None else np.array([], dtype=int)
    images = project_images(result, catalog, rows, lang) if len(rows) else {}
    ctx = _context(result, lang, meta, len(rows))
    overview = overview_image(result, catalog, lang, points=n > paged_above) \
        if catalog is not None and n else ""
    env = _env()
    work = _light(result)
    hits = _objects(hits.drop(columns=list(UNREAD_HIT_COLUMNS), errors="ignore"))
    anchors = project_anchors(result["project_id"].astype(str))  # unique: ids may repeat
    findings, more_findings = findings_by_rule(hits, lang)
    ctx |= {"findings": findings, "more_findings": word("more_findings", lang, n=more_findings)
            if more_findings else ""}
    paged = n > paged_above
    where = np.repeat(np.array([f"{path.stem}/{PAGE_NAME.format(i + 1)}#" if paged else "#" for
                                i in range(-(-n // page_size))], dtype=object), page_size)[:n] + anchors
    decisive = decisive_projects(result, hits, where, lang)
    for g in decisive:
        g["title"] = word("decisive_group", lang, label=g["label"], n=g["total"])
        g["more_text"] = word("decisive_more", lang, n=g["more"]) if g["more"] else ""
    ctx |= {"decisive": decisive, "decisive_text": word("decisive_text", lang)}
    if not paged:
        parts = list(_chunks(work, hits, lang, n, images, names, rules, max(n, 1), anchors))
        html = env.get_template("screening_report.html.j2").render(
            **ctx, overview=overview, pages=None, pages_text="", anchors_json="",
            table=_table([r for _, _, t in parts for r in t], lang),
            sections=Markup(b"".join(encoded(s) for _, s, _ in parts).decode()))
        path.write_text(html, encoding="utf-8")
        return [path]
    folder = path.parent / path.stem
    folder.mkdir(parents=True, exist_ok=True)
    starts = list(range(0, n, page_size))
    hrefs = [PAGE_NAME.format(i + 1) for i in range(len(starts))]
    written = []
    page_tpl = env.get_template("screening_page.html.j2")
    base = env.get_template("_screening_base.html.j2").module  # the same on every page
    shared = {"style": base.style(ctx["verdict_css"]), "header": base.header(meta, ctx["W"])}
    ids = result["project_id"].astype(str).to_numpy()
    step = page_size * max(CHUNK // page_size, 1)
    for a, sections, table in _chunks(work, hits, lang, n, images, names, rules, step,
                                      anchors):
        for p0 in range(a, a + len(table), page_size):
            i, b = p0 // page_size, min(p0 + page_size, n)
            html = page_tpl.render(
                **ctx, **shared, page_of=word("page_of", lang, i=i + 1, n=len(starts)),
                prev=hrefs[i - 1] if i else None,
                next=hrefs[i + 1] if i + 1 < len(starts) else None, first=ids[p0],
                last=ids[b - 1], table=Markup(_TABLE), sections=Markup(_SECTIONS))
            page = folder / hrefs[i]
            _write_page(page, html, _table(table[p0 - a:b - a], lang),
                        encoded(sections, p0 - a, b - a))
            written.append(page)
    verdict = result["verdict"].astype(str).to_numpy()
    pages = [{"number": i + 1, "href": f"{folder.name}/{hrefs[i]}", "first": ids[a],
              "last": ids[min(a + page_size, n) - 1], "start": a + 1,
              "stop": min(a + page_size, n),
              "counts": [int((verdict[a:a + page_size] == v).sum()) for v in VERDICTS]}
             for i, a in enumerate(starts)]
    forward = json.dumps({"anchors": anchors.tolist(), "size": page_size,
                          "pages": [p["href"] for p in pages]}, ensure_ascii=True)
    html = env.get_template("screening_report.html.j2").render(
        **ctx, overview=overview, pages=pages, table="", sections="",
        pages_text=word("pages_text", lang, n=n, pages=len(starts), size=page_size),
        anchors_json=Markup(forward.replace("</", "<\\/")))
    path.write_text(html, encoding="utf-8")
    return [path, *written]


def render_report(result, hits: pd.DataFrame, lang: str = "zh", catalog=None, problems=None,
                  rules=None, image_limit: int | None = None) -> str:
    """The whole report as one HTML string (not paged; for small batches and notebooks)."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "report.html"
        write_report(result, hits, out, lang, catalog, problems, rules, image_limit,
                     paged_above=max(len(result), PAGED_ABOVE))
        return out.read_text(encoding="utf-8")
