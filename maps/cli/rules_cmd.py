"""``siting rules``: print the effective rules of one or more rule sets as a table."""

from __future__ import annotations

import click

from layers.errors import InputError
from maps.cli.options import lang_option


@click.command("rules")
@click.argument("rulesets", nargs=-1)
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV instead of a text table.")
@click.option("--markdown", is_flag=True,
              help="Print the Markdown table of docs/rules.md (id, outcome, layer, source).")
@lang_option
def rules(rulesets: tuple[str, ...], as_csv: bool, markdown: bool, lang: str) -> None:
    """Print the effective rules / 显示生效规则: id, outcome, layer, title, source.

    \b
    siting rules                         the bundled national rules
    siting rules national guizhou.toml   national, extended by a province file
    """
    from geo.rules import load_rules
    from maps.cli.notices import echo_rule_notices

    try:
        rule_set = load_rules(list(rulesets) or None)
    except InputError as exc:
        raise click.UsageError(str(exc)) from None
    if markdown:
        from geo.rulesdoc import rules_markdown

        click.echo(rules_markdown(rule_set), nl=False)
        echo_rule_notices(rule_set, lang)
        return
    frame = rule_set.to_frame(lang)[["id", "outcome", "relation", "layer", "confidence",
                                     "title", "source"]]
    if as_csv:
        from maps.cli.tables import safe_frame

        click.echo(safe_frame(frame).to_csv(index=False), nl=False)
        echo_rule_notices(rule_set, lang)  # on stderr: the CSV stays clean
        return
    click.echo(f"{rule_set.name}: {len(rule_set)} rules ({', '.join(f.name for f in rule_set.files)})")
    for row in frame.itertuples(index=False):
        click.echo(f"{row.id:34} {row.outcome:10} {row.relation:22} {row.layer}")
        click.echo(f"{'':34} {row.title} [{row.confidence}]")
        click.echo(f"{'':34} {row.source}")
    echo_rule_notices(rule_set, lang, err=False)
