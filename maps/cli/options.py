"""Options shared by several commands, defined once."""

from __future__ import annotations

import click

lang_option = click.option(
    "--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
    help="Language of labels, reports and maps / 报告语言.",
)
overwrite_option = click.option(
    "--overwrite", is_flag=True,
    help="Replace output that siting wrote before (other files stay) / 覆盖本工具先前的输出.")


class AtLeast(click.ParamType):
    """A whole number of at least ``least``, refused in both languages with what the option
    does by default (click's ``IntRange`` says only "0 is not in the range x>=1", in English).

    Parameters
    ----------
    least : int
    default_en, default_zh : str
        What leaving the option out does, e.g. "leave it out to use every core".
    """

    name = "integer"

    def __init__(self, least: int, default_en: str = "", default_zh: str = ""):
        self.least, self.default_en, self.default_zh = least, default_en, default_zh

    def convert(self, value, param, ctx):
        try:
            number = value if isinstance(value, int) else int(str(value).strip())
        except ValueError:
            number = None
        if number is None or number < self.least:
            tail_en = f"; {self.default_en}" if self.default_en else ""
            tail_zh = f"；{self.default_zh}" if self.default_zh else ""
            self.fail(f"{value!r} is not a whole number of at least {self.least}{tail_en} / "
                      f"{value!r} 不是不小于 {self.least} 的整数{tail_zh}", param, ctx)
        return number


BASEMAPS = ("osm", "tianditu", "amap", "none")


def basemap_options(f):
    """``--basemap`` (osm default, tianditu, amap, none) and ``--tianditu-key`` for map output."""
    f = click.option("--tianditu-key", default=None, envvar="TIANDITU_KEY",
                     help="Your Tianditu key (or $TIANDITU_KEY); written into the HTML / "
                          "天地图密钥.")(f)
    return click.option(
        "--basemap", type=click.Choice(BASEMAPS), default="osm", show_default=True,
        help="Basemap of map.html: OpenStreetMap, 天地图 (needs --tianditu-key), 高德 (GCJ-02: "
             "layers are shifted to line up), or none / 底图.")(f)


def check_basemap(basemap: str, tianditu_key: str | None) -> None:
    """Refuse ``--basemap tianditu`` without a key (click.BadParameter, exit code 2)."""
    if basemap == "tianditu" and not tianditu_key:
        raise click.BadParameter("--basemap tianditu needs your key (--tianditu-key or "
                                 "$TIANDITU_KEY, from https://console.tianditu.gov.cn)",
                                 param_hint="--tianditu-key")
