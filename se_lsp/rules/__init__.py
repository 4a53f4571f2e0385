"""The built-in tree-sitter analyzer: the engine, a package per language, the registry."""

from se_lsp.rules.engine import Analysis, Rule, RuleInfo, RuleSet, analyze
from se_lsp.rules.registry import all_rules, rule_info, rules_for

__all__ = [
    "Analysis",
    "Rule",
    "RuleInfo",
    "RuleSet",
    "all_rules",
    "analyze",
    "rule_info",
    "rules_for",
]
