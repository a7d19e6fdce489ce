"""``siting check``: one location in, a verdict out on the terminal in seconds.

The location (a point, a WKT geometry, or a GeoJSON file or inline geometry) becomes a one-row
project that :func:`geo.screen` judges exactly as ``siting screen`` would (same rule set, same
verdicts); the command prints the verdict, the reasons with their policy citations and
evidence, and the nearest feature of every layer kind the rules use, or JSON for scripts.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import click

from layers.errors import in_lang
from maps.cli.check_location import COORD_CHOICES, location_frame
from maps.cli.options import lang_option

_T = {
    "verdict": ("结论", "Verdict"), "reasons": ("理由及依据", "Reasons and citations"),
    "none": ("无", "none"), "nearest": ("最近要素距离（{r} m 内）", "Nearest feature (within {r} m)"),
    "inside": ("位于其中", "inside"), "beyond": ("{r} m 内无", "none within {r} m"),
    "not_checked": ("未核查", "not checked"),
    "uncovered": ("图层 {layers} 未覆盖此处（目录中的 covers）：未核查",
                  "not checked: layer {layers} does not cover this place (`covers` in the catalog)"),
    "uncovered_part": ("图层 {layers} 未覆盖项目的 {share}（目录中的 covers）：该部分未核查",
                       "layer {layers} does not cover {share} of the project (`covers` in the "
                       "catalog): that part not checked"),
    "outside_all": ("不列最近要素：项目整体位于图层目录覆盖范围之外，目录在该处没有图层，目录中最近的要素"
                    "未必是该处最近的；仅测量了规则所需的距离（见上文理由）",
                    "nearest features not listed: the project lies wholly outside the catalog's "
                    "coverage, where the catalog has no layers, so its nearest feature need not "
                    "be the nearest there; only the distances the rules need were measured (see "
                    "the reasons above)"),
    "outside_part": ("注意：项目 {share} 位于图层目录覆盖范围之外，该部分附近的要素未经核查",
                     "caution: {share} of the project lies outside the catalog's coverage; "
                     "nothing beyond the coverage was checked"),
    "error_none": ("未测距：项目无法判定，未与任何图层比对", "not measured: the project could not be "
                   "judged, so it was not compared with any layer"),
    "verify": ("须核实", "verify"), "state": ("在本命令中写明", "state it here with"),
    "confidence": ("可信度", "confidence"),
    "overlap": ("重叠", "overlap"), "at": ("距离", "at"), "location": ("位置", "Location"),
    "coords": ("坐标", "Coordinates"),
    "coords_from": ({"--coords": "--coords {s}", "file": "按文件所述", "geojson": "GeoJSON 规定"},
                    {"--coords": "--coords {s}", "file": "as the file states",
                     "geojson": "GeoJSON's own"}),
    "converted": ("已换算为 WGS84", "converted to WGS84"),
    "catalog": ("图层目录", "Catalog"), "rules": ("规则集", "Rule set"),
    "demo": ("演示数据：合成图层，不得用于实际决策", "demo data: synthetic layers, not for real "
             "decisions"),
}


def _t(key: str, lang: str, **kw) -> str:
    text = _T[key][0 if lang == "zh" else 1]
    return text.format(**kw) if kw else text


def check_result(result, hits, lang: str, id_given: bool = True) -> dict:
    """The verdict of a one-project screening as plain data (what ``--json`` prints, with the
    command's ``layer_problems``: what the readers of the catalog's layers found).

    ``id_given``: whether the project id came from the input (else it is a generated one).
    ``missing_layers`` holds why a kind was not checked: not provided, or unusable.
    """
    from geo.coverage import WHOLLY_SHARE
    from geo.facts import attr_hint, blank_columns
    from geo.screen import SEARCH_M
    from maps import style as st

    row = result.iloc[0]
    outside = float(row["outside_share"]) if "outside_share" in result.columns else math.nan
    centre = result.geometry.to_crs(4326).iloc[0].representative_point()
    from geo.rules import SEVERITY

    reasons = []
    h = hits[hits["row"] == 0]
    h = h.assign(_s=-h["outcome"].map(SEVERITY).fillna(0)).sort_values("_s", kind="stable")
    for rule_id, g in h[h["outcome"].isin(["prohibited", "review", "admitted"])].groupby(
            "rule_id", sort=False):
        first = g.iloc[0]
        reasons.append({
            "rule_id": rule_id, "outcome": first["outcome"], "title": first["title"],
            "source": first["source"], "confidence": first["confidence"],
            "message": first["message"],
            "attr_hints": [attr_hint(c) for c in blank_columns(first["message"])],
            "evidence": [{
                "layer_id": r["layer_id"], "kind": r["kind"], "feature_id": r["feature_id"],
                "feature_name": r["feature_name"], **{
                    k: (None if not math.isfinite(float(r[k])) else round(float(r[k]), 3))
                    for k in ("overlap_m2", "overlap_m", "overlap_share", "distance_m")}}
                for _, r in g.iterrows() if r["layer_id"] or r["feature_id"]]})
    uncovered = {}   # kinds whose layers' `covers` leave part of the footprint (geo.covers)
    for _, r in h.iterrows():
        if isinstance(r.get("details"), dict) and "uncovered" in r["details"]:
            uncovered[r["kind"]] = {"layers": r["layer_id"],
                                    "share": round(float(r["details"]["uncovered"]), 4)}
    nearest = {c[len("nearest_"):-len("_m")]: (None if not math.isfinite(float(row[c]))
                                               else round(float(row[c]), 1))
               for c in result.columns if c.startswith("nearest_") and c.endswith("_m")}
    note = ""
    if row["verdict"] == "error" and all(v is None for v in nearest.values()):
        nearest, note = {}, _t("error_none", lang)   # not "none within 2 km": never measured
    elif math.isfinite(outside) and outside >= WHOLLY_SHARE:   # as siting score: no distances
        nearest, note = {}, _t("outside_all", lang)
    elif math.isfinite(outside) and outside > 0:
        note = _t("outside_part", lang, share=f"{outside * 100:.1f}%")
    return {
        "project_id": row["project_id"], "id_given": bool(id_given), "name": row["name"],
        "type": row["type"],
        "industry": row["industry"], "lonlat": [round(centre.x, 6), round(centre.y, 6)],
        "verdict": row["verdict"], "verdict_label": st.verdict_label(row["verdict"], lang),
        "reasons": reasons, "error": row["reasons"] if row["verdict"] == "error" else "",
        "nearest_m": nearest, "nearest_note": note, "search_m": SEARCH_M,
        "uncovered": uncovered,
        "missing_layers": list(result.attrs.get("missing", [])),
        "rules": result.attrs.get("rules", ""),
        "rule_notices": [in_lang(n, lang) for n in result.attrs.get("rule_notices", [])],
    }


def _evidence_text(e: dict, lang: str) -> str:
    from maps import style as st

    kind = st.kind_label(e["kind"], lang) if e["kind"] in st.KIND_STYLES else e["kind"]
    where = " ".join(x for x in (kind, f"({e['layer_id']})" if e["layer_id"] else "",
                                 e["feature_id"], e["feature_name"]) if x)
    if e["overlap_m2"]:
        share = f" ({e['overlap_share'] * 100:.1f}%)" if e["overlap_share"] is not None else ""
        return f"{where}: {_t('overlap', lang)} {e['overlap_m2'] / 1e4:,.2f} ha{share}"
    if e["distance_m"] == 0:
        return f"{where}: {_t('inside', lang)}"
    if e["distance_m"] is not None:
        return f"{where}: {_t('at', lang)} {e['distance_m']:,.0f} m"
    return where


def _width(text: str) -> int:
    """Columns a text takes on a terminal (CJK characters take two)."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _coords_text(data: dict, lang: str) -> str:
    """The line naming the coordinate system the location was read in, e.g. ``坐标: GCJ-02
    （--coords gcj02），已换算为 WGS84 106.898289,27.267726``."""
    read_in = data["coords"]
    system = read_in["system"]
    label = {"wgs84": "WGS84", "gcj02": "GCJ-02", "bd09": "BD-09",
             "cgcs2000": "CGCS2000"}.get(system, system)
    how = _T["coords_from"][0 if lang == "zh" else 1][read_in["from"]].format(s=system)
    text = f"{_t('coords', lang)}: {label}" + (f"（{how}）" if lang == "zh" else f" ({how})")
    if read_in["converted_to"]:
        lon, lat = data["lonlat"]
        text += ("，" if lang == "zh" else ", ") + f"{_t('converted', lang)} {lon:.6f},{lat:.6f}"
    return text


def print_check(data: dict, lang: str, catalog_path: Path, demo: bool) -> None:
    """Print :func:`check_result` for a person on a terminal."""
    from geo.coverage import WHOLLY_SHARE
    from maps import style as st

    colour = {"prohibited": "red", "review": "yellow", "admitted": "blue"}.get(data["verdict"])
    head = " ".join(x for x in (data["project_id"] if data["id_given"] else "", data["name"]) if x)
    click.echo(f"{head + ' ' if head else ''}({data['type']}{', ' + data['industry'] if data['industry'] else ''}) "
               f"@ {data['lonlat'][0]:.6f},{data['lonlat'][1]:.6f}")
    click.echo(_coords_text(data, lang))
    click.echo(f"{_t('verdict', lang)}: " + click.style(data["verdict_label"], fg=colour,
                                                          bold=True))
    click.echo(f"{_t('reasons', lang)}:")
    if data["error"]:  # why it could not be judged (e.g. outside the catalog's region)
        click.echo(f"  {data['error']}")
    elif not data["reasons"]:
        click.echo(f"  {_t('none', lang)}")
    for r in data["reasons"]:
        label = st.verdict_label(r["outcome"], lang)
        click.echo(f"  [{label}] {r['rule_id']}: {r['title']}")
        click.echo(f"      {r['source']} · {_t('confidence', lang)} {r['confidence']}")
        for e in r["evidence"][:5]:
            click.echo(f"      - {_evidence_text(e, lang)}")
        if len(r["evidence"]) > 5:
            click.echo(f"      - … +{len(r['evidence']) - 5}")
        if r["outcome"] != "admitted" and r["message"]:
            click.echo(f"      {_t('verify', lang)}: {r['message']}")
        for hint in r.get("attr_hints", []):
            click.echo(f"      {_t('state', lang)}: {hint}")
    click.echo(_t("nearest", lang, r=f"{data['search_m']:,.0f}") + ":")
    width = max([_width(st.kind_label(k, lang)) for k in data["nearest_m"]] + [0])
    for kind, d in data["nearest_m"].items():
        text = (_t("beyond", lang, r=f"{data['search_m']:,.0f}") if d is None else
                _t("inside", lang) if d == 0 else f"{d:,.0f} m")
        gap = data.get("uncovered", {}).get(kind)
        if gap and (d is None or gap["share"] >= WHOLLY_SHARE):  # no "none within": not measured
            text = _t("uncovered", lang, layers=gap["layers"])
        elif gap:
            text += "；" if lang == "zh" else "; "
            text += _t("uncovered_part", lang, layers=gap["layers"],
                       share=f"{gap['share'] * 100:.1f}%")
        label = st.kind_label(kind, lang)
        click.echo(f"  {label}{' ' * (width - _width(label))}  {text}")
    if data["nearest_note"]:
        click.echo(f"  {data['nearest_note']}")
    for missing in data["missing_layers"]:
        click.echo(f"  {_t('not_checked', lang)}: {missing}")
    click.echo(f"{_t('catalog', lang)}: {catalog_path} · {_t('rules', lang)}: {data['rules']}")
    if demo:
        click.echo(click.style(_t("demo", lang), fg="yellow"))


@click.command("check")
@click.option("--point", help="Longitude,latitude [°], e.g. 106.71,26.58, with --coords / "
              "经度,纬度（须加 --coords）.")
@click.option("--wkt", help="A WKT geometry in longitude/latitude, with --coords / WKT 几何"
              "（须加 --coords）.")
@click.option("--geojson", help="A GeoJSON (or any project) file, or inline GeoJSON text.")
@click.option("--catalog", type=click.Path(path_type=Path), help="Catalog TOML / 图层目录.")
@click.option("--demo", is_flag=True, help="Check against the bundled Guiyang demo catalog.")
@click.option("--type", "ptype", help="Project type (pv, wind, industrial ...) / 项目类型.")
@click.option("--industry", help="Industry (steel, chemical ...) / 行业.")
@click.option("--name", help="Project name / 项目名称.")
@click.option("--attr", "attrs", multiple=True, metavar="KEY=VALUE",
              help="Another project attribute, e.g. --attr two_high=yes (repeatable).")
@click.option("--coords", type=click.Choice(COORD_CHOICES),
              help="What the coordinates are, required with --point and --wkt: wgs84 (GPS), "
              "gcj02 (AMap/Tencent), bd09 (Baidu), cgcs2000 / 坐标系，--point、--wkt 必填："
              "GPS 为 wgs84，高德/腾讯为 gcj02，百度为 bd09.")
@click.option("--rules", "rules", multiple=True, help="Rule set name or file (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@lang_option
def check(point, wkt, geojson, catalog, demo, ptype, industry, name, attrs, coords, rules,
          as_json, lang) -> None:
    """Check ONE location against the zoning: verdict, reasons, nearest layers / 单点快速审查.

    \b
    siting check --point 106.71,26.58 --coords wgs84 --type pv --catalog catalog.toml
    siting check --point 106.716,26.577 --coords gcj02 --type wind --demo
    siting check --wkt "POLYGON((...))" --coords wgs84 --type industrial --demo --json
    siting check --geojson parcel.geojson --type pv --catalog catalog.toml
    """
    if demo == bool(catalog):
        raise click.UsageError("give --catalog or --demo (not both) / 请指定 --catalog 或 --demo")
    from geo.rules import load_rules
    from geo.screen import screen
    from layers.catalog import load_catalog
    from layers.errors import InputError
    from maps.cli import notices

    defaults = {"type": ptype, "industry": industry, "name": name}
    for item in attrs:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"{item!r} is not KEY=VALUE", param_hint="--attr")
        defaults[key.strip()] = value.strip()
    if not defaults["type"] and not (geojson and Path(geojson).is_file()):  # a file may say it
        from geo.projects import TYPES

        raise click.UsageError(f"Missing option '--type': the project type ({', '.join(TYPES)}) "
                               "decides which rules apply / 缺少项目类型：请用 --type 指定")
    if demo:
        from layers.demo import DEMO_CATALOG

        catalog = Path(DEMO_CATALOG)
    elif not catalog.is_file():
        raise click.BadParameter(f"{catalog}: file not found / 文件不存在",
                                 param_hint="--catalog")
    try:
        with notices.held_warnings() as held:
            project, read_in = location_frame(point, wkt, geojson, coords, defaults)
            cat = load_catalog(catalog)
            rule_set = load_rules(list(rules) or None)
            result, hits = screen(project, cat, rule_set, lang=lang)
    except InputError as exc:
        raise click.UsageError(str(exc)) from None
    # what the layers' readers found, as siting screen shows it: a prepared layer whose source
    # or [[layer]] entry changed since is unusable, and its problem names the file and the fix
    problems = notices.catalog_problems(cat)
    notices.echo_problems(problems, held, lang=lang)
    notices.echo_rule_notices(rule_set, lang)
    data = check_result(result, hits, lang, "project_id" in defaults or bool(
        geojson and Path(geojson).is_file()))
    data["coords"] = read_in
    data["layer_problems"] = [{"layer": name, "problems": [p.to_dict() for p in found]}
                              for name, found in problems if found]
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))
    else:
        print_check(data, lang, catalog, demo)
