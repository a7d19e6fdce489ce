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
    """Print the effective rules / 显示生效规则: id, outcome, layer, title, source, the files
    that defined and changed each rule, the keys they changed, its conditions, and the rules a
    file switched off.

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
    frame = rule_set.to_frame(lang)
    if as_csv:
        from maps.cli.tables import safe_frame

        click.echo(safe_frame(frame).to_csv(index=False), nl=False)
        echo_rule_notices(rule_set, lang)  # on stderr: the CSV stays clean
        return
    zh = lang == "zh"
    off = len(rule_set.disabled)
    click.echo(f"{rule_set.name}: {len(rule_set)} {'条规则' if zh else 'rules'}"
               + (f", {off} {'条已停用' if zh else 'switched off'}" if off else "")
               + f" ({', '.join(f.name for f in rule_set.files)})")
    labels = _LABELS["zh" if zh else "en"]
    for row in frame.itertuples(index=False):
        head = f"{row.id:34} {row.outcome:10} {row.relation:22} {row.layer}"
        click.echo(head if row.enabled else f"{head}  [{labels['off']}]")
        click.echo(f"{'':34} {row.title} [{row.confidence}]")
        click.echo(f"{'':34} {row.source}")
        for key in ("file", "changed", "conditions"):  # files: where not the first alone
            if getattr(row, key) and (key != "file" or row.file != rule_set.files[0].name):
                click.echo(f"{'':34} {labels[key]}: {getattr(row, key)}")
    echo_rule_notices(rule_set, lang, err=False)


_LABELS = {"en": {"file": "files", "changed": "changed", "conditions": "conditions",
                  "off": "switched off: not applied"},
           "zh": {"file": "文件", "changed": "改写", "conditions": "条件",
                  "off": "已停用：不适用"}}
