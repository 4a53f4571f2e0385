"""Which rules exist: one explicit rule set per language, loaded on first use.

The language packages are imported only when a rule is first asked for, so the server
answers `initialize` before it pays for them.
"""

from __future__ import annotations

from functools import cache

from se_lsp.rules.engine import Rule, RuleInfo, RuleSet


@cache
def _rulesets() -> dict[str, RuleSet]:
    from se_lsp.rules import cpp, go, rust

    return {rs.language: rs for rs in (rust.RULESET, cpp.RULESET, go.RULESET)}


def ruleset(language: str) -> RuleSet:
    found = _rulesets().get(language)
    if found is None:
        raise ValueError(f"no rules for language {language!r}")
    return found


def rules_for(language: str) -> list[Rule]:
    return list(ruleset(language).rules)


def all_rules() -> list[Rule]:
    return [r for lang in sorted(_rulesets()) for r in _rulesets()[lang].rules]


@cache
def _infos() -> dict[str, RuleInfo]:
    infos: dict[str, RuleInfo] = {}
    for r in all_rules():
        if r.info.id in infos:
            raise ValueError(f"rule {r.info.id} is listed twice")
        infos[r.info.id] = r.info
    return infos


def rule_info(rule_id: str) -> RuleInfo | None:
    return _infos().get(rule_id)
