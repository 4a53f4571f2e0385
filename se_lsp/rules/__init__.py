"""The built-in tree-sitter analyzer: one module per language plus the engine."""

from se_lsp.rules.engine import Analysis, Rule, RuleInfo, all_rules, analyze, rule_info, rules_for

__all__ = ["Analysis", "Rule", "RuleInfo", "all_rules", "analyze", "rule_info", "rules_for"]
