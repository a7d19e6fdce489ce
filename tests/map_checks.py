"""What a planner sees on a map page, measured in the browser: result markers and their pixels,
control rectangles. Used by the browser tests of the screening, siting and catalog maps."""

from __future__ import annotations

import io

import numpy as np

# The L.Map object of a folium page, whatever folium named its variable.
MAP_JS = "Object.keys(window).filter(k => k.startsWith('map_') && window[k] instanceof L.Map)"


def result_markers(page, prop: str) -> list[dict]:
    """Circle markers on the map whose feature has ``prop`` (``verdict``, ``class``): value,
    fill colour, feature geometry type, id and position in the page [px]."""
    return page.evaluate(f"""(prop) => {{
        const map = window[{MAP_JS}[0]];
        const box = map.getContainer().getBoundingClientRect();
        const out = [];
        map.eachLayer(l => {{
            if (!(l instanceof L.CircleMarker) || !l.feature) return;
            const p = l.feature.properties;
            if (!(prop in p)) return;
            const c = map.latLngToContainerPoint(l.getLatLng());
            out.push({{value: p[prop], fill: l.options.fillColor, id: p.id,
                       type: l.feature.geometry.type, x: box.x + c.x, y: box.y + c.y,
                       inside: c.x >= 0 && c.y >= 0 && c.x < box.width && c.y < box.height}});
        }});
        return out;
    }}""", prop)


def pixels(page) -> np.ndarray:
    """A screenshot of the page as an (h, w, 3) array of 0-255 values."""
    import matplotlib.image

    data = page.screenshot(type="png")
    return (matplotlib.image.imread(io.BytesIO(data), format="png")[..., :3] * 255).round()


def rgb(hex_colour: str) -> np.ndarray:
    h = hex_colour.lstrip("#")
    return np.array([int(h[i:i + 2], 16) for i in (0, 2, 4)], dtype=float)


def marker_shows(img: np.ndarray, marker: dict, markers: list[dict], radius: float = 8,
                 tolerance: float = 30) -> bool:
    """Whether the screenshot shows a marker's colour at its centre (at least 5 of the 25
    pixels around it), or the colour of a marker drawn over it (one within two radii)."""
    x, y = int(round(marker["x"])), int(round(marker["y"]))
    seen = img[y - 2:y + 3, x - 2:x + 3].reshape(-1, 3)  # the centre, not the outline
    near = [m["fill"] for m in markers
            if (m["x"] - marker["x"]) ** 2 + (m["y"] - marker["y"]) ** 2 <= (2 * radius) ** 2]
    return any((np.abs(seen - rgb(c)).max(axis=1) <= tolerance).sum() >= 5 for c in near)


def control_boxes(page) -> dict[str, dict]:
    """Page rectangles of the layer control, the legend and every other Leaflet control."""
    return page.evaluate("""() => {
        const out = {};
        document.querySelectorAll('.leaflet-control').forEach((el, i) => {
            const r = el.getBoundingClientRect();
            if (!r.width || !r.height) return;
            let name = el.classList.contains('leaflet-control-layers') ? 'layers'
                : el.classList.contains('siting-legend') ? 'legend' : 'control-' + i;
            out[name] = {x: r.x, y: r.y, w: r.width, h: r.height, cls: el.className};
        });
        return out;
    }""")


def under_control(page, markers: list[dict]) -> list[dict]:
    """The markers whose centre lies under a map control (legend, toolbar, minimap ...)."""
    boxes = control_boxes(page).values()
    return [m for m in markers if any(b["x"] <= m["x"] <= b["x"] + b["w"]
                                      and b["y"] <= m["y"] <= b["y"] + b["h"] for b in boxes)]


def intersect(a: dict, b: dict) -> bool:
    """Whether two page rectangles overlap (touching edges do not count)."""
    return (a["x"] < b["x"] + b["w"] and b["x"] < a["x"] + a["w"]
            and a["y"] < b["y"] + b["h"] and b["y"] < a["y"] + a["h"])


def assert_controls_apart(page) -> None:
    """Legend and layer control never overlap: collapsed, and expanded by hovering."""
    for state in ("collapsed", "expanded"):
        if state == "expanded":
            page.locator(".leaflet-control-layers").hover()
            page.wait_for_timeout(300)
            assert "leaflet-control-layers-expanded" in page.locator(
                ".leaflet-control-layers").get_attribute("class")
        boxes = control_boxes(page)
        assert "legend" in boxes and "layers" in boxes, boxes
        assert not intersect(boxes["legend"], boxes["layers"]), (state, boxes)
    page.mouse.move(5, 400)  # collapse again
    page.wait_for_timeout(300)


def save_artifact(page, name: str) -> None:
    """Keep a screenshot under tests/artifacts/ for a person to look at."""
    from browser import ARTIFACTS

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), type="png")
