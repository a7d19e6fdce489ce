"""Options shared by several commands, defined once."""

from __future__ import annotations

import shutil
from pathlib import Path

import click

lang_option = click.option(
    "--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
    help="Language of labels, reports and maps / 报告语言.",
)
overwrite_option = click.option(
    "--overwrite", is_flag=True, help="Replace existing output / 覆盖已有输出."
)


def prepare_out_dir(out: Path, overwrite: bool) -> Path:
    """Create the output folder, refusing to touch a non-empty one without ``--overwrite``.

    Raises
    ------
    click.BadParameter
        When ``out`` exists, is not empty and ``overwrite`` is false.
    """
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        if not overwrite:
            raise click.BadParameter(
                f"{out} exists and is not empty; pass --overwrite to replace it", param_hint="--out"
            )
        if out.is_dir():
            shutil.rmtree(out)
        else:
            out.unlink()
    out.mkdir(parents=True, exist_ok=True)
    return out
