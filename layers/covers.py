"""A layer's ``covers``: the admin divisions over which its data are complete.

A province often receives a zoning layer (permanent basic farmland, red lines) for some counties
only. Its ``[[layer]]`` entry says so with ``covers = ["520102", "520111"]``: the ``admin_code``
of the catalog's ``admin_boundary`` features where the layer is complete. Elsewhere its rules
were not checked (:mod:`geo.covers` makes them ``review``). A layer without ``covers`` covers the
catalog's whole coverage area. The codes are checked when the catalog loads.
"""

from __future__ import annotations

from layers.errors import CatalogError, InputError


def check_covers(catalog) -> dict[str, str]:
    """The admin codes the layers' ``covers`` may name, with their names (``{}`` when no
    layer has ``covers``: nothing is read).

    Parameters
    ----------
    catalog : layers.catalog.Catalog
        Being loaded: its layer entries; its admin_boundary layers are read from source.

    Returns
    -------
    dict
        Admin code → name (``""`` when the feature has none) of every admin feature.

    Raises
    ------
    CatalogError
        A layer's ``covers`` names a code no admin feature has, or the catalog has no
        ``admin_boundary`` layer to resolve it (or cannot read it); the message names the
        layer, the bad codes and the codes that exist.
    """
    covering = [s for s in catalog.layers if s.covers]
    if not covering:
        return {}
    admin = [s for s in catalog.layers if s.kind == "admin_boundary"]
    if not admin:
        raise CatalogError("\n".join(
            f"{catalog.path}, layer {s.id!r}, key 'covers': the catalog has no admin_boundary "
            "layer whose admin_code could name where the layer's data are complete; add "
            f"one (e.g. the counties) or remove `covers` / {catalog.path}，图层 {s.id!r}：目录中"
            "没有行政区划（admin_boundary）图层，无法解释其 covers" for s in covering))
    names: dict[str, str] = {}
    for spec in admin:
        try:
            gdf, _ = catalog.source(spec.id)
        except InputError as exc:
            raise CatalogError(f"{catalog.path}, key 'covers' of layer(s) "
                               f"{', '.join(s.id for s in covering)}: the admin_boundary "
                               f"layer {spec.id!r} cannot be read, so the codes cannot be "
                               f"checked: {exc}") from None
        codes = gdf["admin_code"].astype(object).where(gdf["admin_code"].notna(), "")
        labels = gdf["name"].astype(object).where(gdf["name"].notna(), "") \
            if "name" in gdf.columns else codes.map(lambda _: "")
        for code, label in zip(codes.astype(str), labels.astype(str), strict=True):
            if code.strip():
                names.setdefault(code.strip(), label.strip())
    errors = []
    for spec in covering:
        bad = [c for c in spec.covers if c not in names]
        if bad:
            known = ", ".join(sorted(names)[:40]) + (" …" if len(names) > 40 else "")
            errors.append(f"{catalog.path}, layer {spec.id!r}, key 'covers': no admin_boundary "
                          f"feature has the code(s) {', '.join(bad)}; the codes that exist "
                          f"are: {known or '(none)'} / {catalog.path}，图层 {spec.id!r} 的 covers "
                          f"中的行政区划代码不存在：{', '.join(bad)}；现有代码：{known or '（无）'}")
    if errors:
        raise CatalogError("\n".join(errors))
    return names


def named(catalog, codes) -> list[str]:
    """Admin codes as messages name them: ``"南明区 (520102)"``, the bare code for one without a
    name."""
    names = catalog.admin_names
    return [f"{names[c]} ({c})" if names.get(c) else c for c in codes]
