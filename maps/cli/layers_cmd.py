"""``siting layers``: validate a catalog and report its layers."""

from __future__ import annotations

import json
import sys

import click


@click.command("layers")
@click.argument("catalog", required=False, type=click.Path())
@click.option("--demo", is_flag=True, help="Use the bundled Guiyang demo catalog / 使用贵阳示例数据.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
def layers(catalog: str | None, demo: bool, as_json: bool, lang: str) -> None:
    """Validate CATALOG and report every layer / 检查图层目录.

    Exit 0 when every layer is usable, 2 when any is not.
    """
    import warnings

    from layers.catalog import load_catalog
    from layers.inspect import inspect_catalog

    if demo == bool(catalog):
        raise click.UsageError("give a CATALOG file or --demo (not both)")
    if demo:
        from layers.demo import DEMO_CATALOG

        catalog = str(DEMO_CATALOG)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # every warning is also a reported problem
        report = inspect_catalog(load_catalog(catalog))
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        click.echo(format_report(report, lang))
    if not report["usable"]:
        bad = [e["id"] for e in report["layers"] + report["rasters"] if not e["usable"]]
        click.echo(("不可用图层: " if lang == "zh" else "Unusable layers: ") + ", ".join(bad),
                   err=True)
        sys.exit(2)


def format_report(report: dict, lang: str) -> str:
    """The human-readable text of a catalog inspection."""
    from layers.crs import crs_label

    zh = lang == "zh"
    lines = [f"{'目录' if zh else 'Catalog'}: {report['catalog']}"]
    region = report.get("region") or {}
    if region.get("name"):
        lines.append(f"{'区域' if zh else 'Region'}: {region['name']}")
    if region.get("description"):
        lines.append(f"  {region['description']}")
    lines.append(f"{'工作坐标系' if zh else 'Working CRS'}: "
                 f"{crs_label(report['working_crs'], lang)}")
    lines.append("")
    for e in report["layers"]:
        label = e["label_zh"] if zh else e["label_en"]
        status = ("可用" if zh else "usable") if e["usable"] else ("不可用" if zh else "UNUSABLE")
        lines.append(f"[{status}] {e['id']}  {e['kind']} ({label})")
        if e["features"] is not None:
            lines.append(f"    {'要素数' if zh else 'features'}: {e['features']}    "
                         f"{'源坐标系' if zh else 'source CRS'}: {e['source_crs']}")
        if e["area_m2"] is not None:
            lines.append(f"    {'面积' if zh else 'area'}: {e['area_m2']:,.0f} m² "
                         f"({e['area_ha']:,.2f} ha)")
        if e["bounds_lonlat"]:
            lines.append(f"    {'范围' if zh else 'bounds'} (lon/lat): {e['bounds_lonlat']}")
        if e["source"] or e["date"]:
            lines.append(f"    {'来源' if zh else 'source'}: {e['source']}  {e['date']}")
        if e.get("accuracy_m"):
            lines.append(f"    {'位置精度' if zh else 'positional accuracy'}: {e['accuracy_m']:g} m")
        if e.get("defaults"):
            stated = ", ".join(f"{k} = {_toml(v)}" for k, v in e["defaults"].items())
            lines.append(f"    {'目录设定的默认值' if zh else 'defaults stated in the catalog'}: "
                         + stated)
        if e.get("covers"):
            lines.append(f"    {'仅覆盖（covers，其余区域相关规则需论证）' if zh else 'covers only (its rules give review elsewhere)'}"
                         f": {', '.join(e['covers'])}")
        if e.get("unknown"):
            counts = ", ".join(f"{k} {n}/{e['features']}" for k, n in e["unknown"].items())
            lines.append(f"    {'未知属性（规则将给出需论证）' if zh else 'unknown facts (rules give review)'}"
                         f": {counts}")
        lines.extend(f"    - {_problem(p, lang)}" for p in e["problems"][:20])
        if len(e["problems"]) > 20:
            lines.append(f"    ... {len(e['problems']) - 20} more")
    for r in report["rasters"]:
        label = r["label_zh"] if zh else r["label_en"]
        status = ("可用" if zh else "usable") if r["usable"] else ("不可用" if zh else "UNUSABLE")
        lines.append(f"[{status}] {r['id']}  raster {r['kind']} ({label}) [{r['units']}]")
        if r["width"]:
            lines.append(f"    {r['width']}×{r['height']} px, {'像元' if zh else 'pixel'} "
                         f"{r['pixel_size'][0]:g}×{r['pixel_size'][1]:g}, CRS {r['crs']}")
        if r.get("values"):
            lo, hi = r["valid_range"]
            lines.append(f"    {'数值（抽样）' if zh else 'values (sampled)'}: {r['values'][0]:g}–"
                         f"{r['values'][1]:g} {r['units']}  ({'合理范围' if zh else 'plausible'} "
                         f"{lo:g}–{hi:g})")
        if r["source"] or r["date"]:
            lines.append(f"    {'来源' if zh else 'source'}: {r['source']}  {r['date']}")
        lines.extend(f"    - {_problem(p, lang)}" for p in r["problems"])
    return "\n".join(lines)


def _problem(p: dict, lang: str) -> str:
    """A problem of the inspection as a line: severity, feature, message, the reader's language
    first (:func:`layers.hygiene.problem_line`)."""
    from types import SimpleNamespace

    from layers.hygiene import problem_line

    return problem_line(SimpleNamespace(feature=p.get("feature") or None,
                                        severity=p["severity"], message=p["message"]), lang=lang)


def _toml(value) -> str:
    """A stated default as the catalog would write it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return f"{value:g}" if isinstance(value, float) else str(value)
