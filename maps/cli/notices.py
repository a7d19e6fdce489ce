"""What the readers noticed, shown once on stderr, grouped by project file and catalog layer.

Readers record every problem (encoding guessed, datum assumed, geometry repaired, coordinates
converted ...) as a :class:`layers.hygiene.Problem`, and some also raise a
:class:`layers.errors.SitingWarning`. The commands show the problems, grouped, and hold the
warnings back so that Python's warning machinery does not print them a second time; a warning
that no problem carries is shown once as well.
"""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

import click

from layers.errors import SitingWarning, bi
from layers.hygiene import SEVERITY_ZH, Problem, problem_line
from layers.prepared import summary_problems

PER_GROUP = 20
"""Problems shown per file or layer; the rest are counted."""


@contextmanager
def held_warnings() -> Iterator[list[str]]:
    """Hold back the toolkit's warnings raised inside; yield the list their messages go to.

    Other warnings (from libraries) are re-issued unchanged when the block ends. The list is
    filled when the block ends.
    """
    held: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield held
    for w in caught:
        if issubclass(w.category, SitingWarning):
            held.append(str(w.message))
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)


@contextmanager
def then_catalog_problems(catalog, said: set[str], lang: str = "en") -> Iterator[None]:
    """Hold the toolkit's warnings inside; at the end show the problems of catalog layers read
    inside (e.g. to draw a map) that were not shown before (``said``)."""
    held: list[str] = []
    try:
        with held_warnings() as held:
            yield
    finally:
        echo_problems(catalog_problems(catalog), held, said, lang)


def catalog_problems(catalog) -> list[tuple[str, list]]:
    """(name, problems) of every catalog layer this run has read, in catalog order.

    Only layers already read are asked (the catalog caches them), so that showing problems
    never reads, or fails on, a layer the command did not use.
    """
    return [(f"{catalog.path.name}, layer {spec.id!r} ({catalog.provenance(spec.id)['path']})",
             problems + _prepared_more(catalog, spec, problems))
            for spec, problems in catalog.problems_read()]


def _prepared_more(catalog, spec, shown: list) -> list:
    """A note counting a prepared layer's problems that ``siting prepare`` found and printed,
    which a run does not print again (only what it finds anew); none when there are none."""
    if spec.prepared is None:
        return []
    rest = [p for p in summary_problems(catalog.fast_form(spec.id)[1]) if p not in shown]
    if not rest:
        return []
    n, counts = len(rest), Counter(p.severity for p in rest)
    en = ", ".join(f"{k} {s}{'s' if k > 1 else ''}" for s, k in counts.items())
    zh = "，".join(f"{SEVERITY_ZH.get(s, s)} {k}" for s, k in counts.items())
    return [Problem(None, "prepared_problems", bi(
        f"{n} {'more ' if shown else ''}problem{'s' if n > 1 else ''} ({en}) of this prepared "
        f"layer {'were' if n > 1 else 'was'} found by siting prepare (printed then); see the "
        "report's data-quality table, or siting layers on the prepared catalog",
        f"{'另有' if shown else '本图层有'} {n} 个问题（{zh}）已由 siting prepare 发现（当时已显示），"
        "见报告的数据质量表，或对预处理后的图层目录运行 siting layers"), "note")]


def echo_problems(groups: list[tuple[str, list]], held: list[str] = (),
                  said: set[str] | None = None, lang: str = "en") -> set[str]:
    """Print each group's problems once under its name, then held warnings not yet said.

    Parameters
    ----------
    groups : list of (str, list of Problem)
        A project file or catalog layer, and what its reader recorded.
    held : list of str
        Messages of warnings held back by :func:`held_warnings`.
    said : set of str, optional
        Messages already printed (by an earlier call), not repeated; updated.
    lang : {"en", "zh"}
        The language each problem reads in first (:func:`problem_line`).

    Returns
    -------
    set of str
        ``said`` with this call's messages.
    """
    said = set() if said is None else said
    for name, problems in groups:
        fresh = [p for p in problems if p.message not in said]
        said.update(p.message for p in problems)
        if not fresh:
            continue
        click.echo(f"{name}:", err=True)
        for p in fresh[:PER_GROUP]:
            click.echo(f"  {problem_line(p, name, lang)}", err=True)
        if len(fresh) > PER_GROUP:
            more = len(fresh) - PER_GROUP
            click.echo(f"  … {more} more / 另有 {more} 条", err=True)
    for message in dict.fromkeys(held):
        if message not in said:
            click.echo(f"warning: {message}", err=True)
            said.add(message)
    return said


def echo_rule_notices(rule_set, lang: str = "en", err: bool = True) -> None:
    """Print what makes ``rule_set`` softer than the national rules, once, as warnings.

    Parameters
    ----------
    rule_set : geo.rules.RuleSet
        Its ``notices`` (bilingual): the national rules left out, each softening override.
    lang : {"en", "zh"}
        The language each notice reads in first.
    err : bool
        Print on stderr (the default: a command's output stays clean).
    """
    from layers.errors import in_lang

    for notice in dict.fromkeys(rule_set.notices):
        click.echo(f"{'警告' if lang == 'zh' else 'warning'}: {in_lang(notice, lang)}", err=err)
