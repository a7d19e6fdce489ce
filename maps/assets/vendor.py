"""Re-create the vendored browser assets under ``maps/assets`` from the npm registry.

``MANIFEST.toml`` beside this script is the single description of what is vendored: npm package,
version, the files taken from its tarball, how a few files are derived, the licence, and the CDN
URLs folium uses for each entry file. This script is a maintenance tool; tests never run it (they
only check the committed files against the sha256 in the manifest).

Usage, from the repository root (needs ``npm`` on PATH and access to the npm registry)::

    .venv/bin/python maps/assets/vendor.py           # fetch, write files, refresh sha256/bytes
    .venv/bin/python maps/assets/vendor.py --check   # fetch and compare with the committed files

Each package is fetched with ``npm pack <name>@<version>`` into a temporary folder (npm checks the
registry's integrity hash) and the listed files are read straight from the tarball. Derived files:

- ``glyphicons``: the ``Glyphicons Halflings`` @font-face (WOFF2 only) and the ``.glyphicon*``
  rules extracted from bootstrap 3's ``dist/css/bootstrap.css``;
- ``fontawesome-woff2``: Font Awesome's ``all.min.css`` with @font-face rules reduced to the Free
  solid and regular faces, WOFF2 only (the other faces would duplicate ~1 MB of inlined fonts);
- ``folium-rotate``: folium's ``leaflet.awesome.rotate.css`` (``.fa-rotate-1`` ... ``-360``).

To upgrade a package: edit its version (and URLs) in MANIFEST.toml, run this script, run the tests.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import json
import re
import subprocess
import sys
import tarfile
import tempfile
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent
MANIFEST = HERE / "MANIFEST.toml"

MIT_TEXT = """{holder}

Permission is hereby granted, free of charge, to any person obtaining
a copy of this software and associated documentation files (the
"Software"), to deal in the Software without restriction, including
without limitation the rights to use, copy, modify, merge, publish,
distribute, sublicense, and/or sell copies of the Software, and to
permit persons to whom the Software is furnished to do so, subject to
the following conditions:

The above copyright notice and this permission notice shall be
included in all copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND,
EXPRESS OR IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF
MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND
NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE
LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION
OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION
WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
"""


class Tarball:
    """Read members of an npm tarball without extracting it to disk."""

    def __init__(self, path: Path) -> None:
        self._tf = tarfile.open(path, "r:gz")
        first = self._tf.getmembers()[0].name
        self.root = first.split("/", 1)[0]

    def read(self, rel: str) -> bytes:
        member = self._tf.extractfile(f"{self.root}/{rel}")
        if member is None:
            raise SystemExit(f"{rel!r} is not a file in the tarball")
        return member.read()


def npm_pack(spec: str, dest: Path) -> tuple[Tarball, str]:
    """``npm pack spec`` into dest; return the tarball and its registry integrity string."""
    out = subprocess.run(
        ["npm", "pack", spec, "--json", "--loglevel=error", "--pack-destination", str(dest)],
        check=True,
        capture_output=True,
        text=True,
    )
    info = json.loads(out.stdout)[0]
    return Tarball(dest / info["filename"]), info["integrity"]


# ---- derived files -------------------------------------------------------------------------

def derive_glyphicons(source: bytes) -> bytes:
    css = source.decode("utf-8")
    banner = re.match(r"/\*!.*?\*/", css, re.S).group(0)
    rules = []
    for m in re.finditer(r"([^{}]+)\{([^{}]*)\}", css):
        selectors = [s.strip() for s in m.group(1).split(",")]
        if all(s.startswith(".glyphicon") for s in selectors):
            rules.append(",\n".join(selectors) + " {" + m.group(2).rstrip() + "\n}")
    if len(rules) < 200:
        raise SystemExit(f"only {len(rules)} glyphicon rules found; has bootstrap.css changed?")
    face = (
        '@font-face {\n  font-family: "Glyphicons Halflings";\n'
        '  src: url("../fonts/glyphicons-halflings-regular.woff2") format("woff2");\n}'
    )
    note = (
        "/* Glyphicons Halflings rules extracted from bootstrap 3 dist/css/bootstrap.css by "
        "maps/assets/vendor.py (WOFF2 only). */"
    )
    return ("\n".join([banner, note, face, *rules]) + "\n").encode("utf-8")


def derive_fontawesome_woff2(source: bytes) -> bytes:
    css = source.decode("utf-8")
    kept = 0

    def face(m: re.Match[str]) -> str:
        nonlocal kept
        block = m.group(0)
        if 'font-family:"Font Awesome 6 Free"' not in block:
            return ""
        woff2 = re.search(r'url\([^)]*\.woff2\) format\("woff2"\)', block).group(0)
        kept += 1
        return re.sub(r"src:[^;}]*", "src:" + woff2, block)

    out = re.sub(r"@font-face\{[^}]*\}", face, css)
    if kept != 2:
        raise SystemExit(f"expected 2 Font Awesome 6 Free faces, kept {kept}")
    note = (
        "/* Derived by maps/assets/vendor.py: @font-face rules reduced to the Font Awesome 6 Free "
        "solid and regular faces, WOFF2 only. */\n"
    )
    return (note + out).encode("utf-8")


def derive_folium_rotate(_source: bytes | None) -> bytes:
    head = (
        "/* folium's leaflet.awesome.rotate.css (MIT, Folium developers), regenerated by "
        "maps/assets/vendor.py */\n"
    )
    rule = (
        ".fa-rotate-{n}{{-ms-transform:rotate({n}deg); -webkit-transform:rotate({n}deg); "
        "transform:rotate({n}deg);}}"
    )
    return (head + "\n".join(rule.format(n=n) for n in range(1, 361)) + "\n").encode("utf-8")


DERIVE = {
    "glyphicons": derive_glyphicons,
    "fontawesome-woff2": derive_fontawesome_woff2,
    "folium-rotate": derive_folium_rotate,
}


# ---- licences ------------------------------------------------------------------------------

def dist_licence(dist: str) -> bytes:
    """The licence file of an installed Python distribution (e.g. folium)."""
    files = importlib.metadata.distribution(dist).files or []
    for f in files:
        if "licen" in f.name.lower():
            return Path(f.locate()).read_bytes()
    raise SystemExit(f"no licence file found in the installed {dist} distribution")


def licence_of(pkg: dict, tarball: Tarball | None, tmp: Path) -> tuple[str, bytes]:
    """Return (file name under the package folder, content) of a package's licence."""
    if "licence_text" in pkg:
        if pkg["licence_text"] != "MIT":
            raise SystemExit(f"{pkg['id']}: only licence_text = 'MIT' is supported")
        return "LICENSE", MIT_TEXT.format(holder=pkg["licence_holder"]).encode("utf-8")
    if "licence_dist" in pkg:
        return "LICENSE.txt", dist_licence(pkg["licence_dist"])
    if "licence_from" in pkg:
        tarball, _ = npm_pack(pkg["licence_from"], tmp)
    name = pkg["licence_file"]
    return Path(name).name, tarball.read(name)


# ---- main ----------------------------------------------------------------------------------

def build(manifest: dict, tmp: Path) -> tuple[dict[Path, bytes], dict]:
    """Fetch every package; return {destination: content} and the manifest with fresh hashes."""
    outputs: dict[Path, bytes] = {}
    for pkg in manifest["package"]:
        tarball = None
        if pkg.get("source") != "generated":
            spec = f"{pkg['npm']}@{pkg['version']}"
            print(f"npm pack {spec}", file=sys.stderr)
            tarball, integrity = npm_pack(spec, tmp)
            pkg["integrity"] = integrity
        lic_name, lic = licence_of(pkg, tarball, tmp)
        pkg["licence_path"] = f"{pkg['id']}/{lic_name}"
        outputs[HERE / pkg["id"] / lic_name] = lic
        for f in pkg["file"]:
            if "derive" in f:
                source = tarball.read(f["from"]) if "from" in f else None
                data = DERIVE[f["derive"]](source)
            else:
                data = tarball.read(f["path"])
            f["sha256"] = hashlib.sha256(data).hexdigest()
            f["bytes"] = len(data)
            outputs[HERE / pkg["id"] / f["path"]] = data
    return outputs, manifest


def _toml_value(v: object) -> str:
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, list):
        if sum(len(x) for x in v) < 80:
            return "[" + ", ".join(_toml_value(x) for x in v) + "]"
        return "[\n" + "".join(f"    {_toml_value(x)},\n" for x in v) + "]"
    raise TypeError(v)


PKG_KEYS = ["id", "npm", "source", "version", "integrity", "licence", "licence_file",
            "licence_from", "licence_text", "licence_holder", "licence_dist", "licence_path",
            "match", "note"]
FILE_KEYS = ["path", "from", "derive", "urls", "aliases", "sha256", "bytes"]


def dump_manifest(manifest: dict) -> str:
    header = MANIFEST.read_text(encoding="utf-8").split("\n\n", 1)[0]
    lines = [header, ""]
    lines += [f"{k} = {_toml_value(manifest[k])}" for k in ("folium", "branca")]
    for pkg in manifest["package"]:
        lines += ["", "[[package]]"]
        lines += [f"{k} = {_toml_value(pkg[k])}" for k in PKG_KEYS if k in pkg]
        for f in pkg["file"]:
            lines += ["", "[[package.file]]"]
            lines += [f"{k} = {_toml_value(f[k])}" for k in FILE_KEYS if k in f]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--check", action="store_true", help="compare only, write nothing")
    args = parser.parse_args(argv)
    manifest = tomllib.loads(MANIFEST.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as tmp:
        outputs, manifest = build(manifest, Path(tmp))
    text = dump_manifest(manifest)
    if args.check:
        stale = [p for p, data in outputs.items() if not p.is_file() or p.read_bytes() != data]
        if MANIFEST.read_text(encoding="utf-8") != text:
            stale.append(MANIFEST)
        for p in stale:
            print(f"differs: {p.relative_to(HERE)}", file=sys.stderr)
        return 1 if stale else 0
    for p, data in outputs.items():
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    MANIFEST.write_text(text, encoding="utf-8")
    total = sum(len(d) for d in outputs.values())
    print(f"wrote {len(outputs)} files, {total / 1e6:.2f} MB", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
