"""Body-scoped Rust rules after an edit: an edit inside one function's body re-checks only
that function; an edit to a declaration (a field's type, a `use`) re-checks the file.

Either way the result must equal a full analysis of the new text (tests/test_incremental.py
checks that on random edits of the corpus; these are the cases that decide
which way an edit goes)."""

from __future__ import annotations

from se_lsp.rules.engine import analyze, reanalyze

SOURCE = """\
pub struct Config {
    pub name: String,
}

pub fn named(c: &Config) -> bool {
    c.name.contains("a")
}

pub fn other(words: &[String]) -> usize {
    let mut n = 0;
    for w in words {
        n += w.len();
    }
    n
}
"""


def _keys(findings):
    return sorted((f.code, f.span.start.line) for f in findings)


def test_the_source_has_the_finding_the_cases_rely_on() -> None:
    assert ("rust/single-char-pattern", 5) in _keys(analyze(SOURCE, "rust").findings)


def test_an_edit_inside_a_body_keeps_other_functions_findings() -> None:
    base = analyze(SOURCE, "rust")
    edited = SOURCE.replace("n += w.len();", "n += w.len() + 1;")
    inc = reanalyze(base, edited, "rust")
    assert inc.exact
    assert _keys(inc.findings) == _keys(analyze(edited, "rust").findings)


def test_a_declaration_edit_rechecks_other_functions() -> None:
    """`name` stops being a `String`: the finding in `named` (another item) goes."""
    base = analyze(SOURCE, "rust")
    edited = SOURCE.replace("pub name: String,", "pub name: Name,")
    inc = reanalyze(base, edited, "rust")
    full = analyze(edited, "rust")
    assert ("rust/single-char-pattern", 5) not in _keys(full.findings)
    assert _keys(inc.findings) == _keys(full.findings)


def test_while_typing_a_declaration_edit_leaves_the_result_inexact_until_the_pause() -> None:
    base = analyze(SOURCE, "rust")
    edited = SOURCE.replace("pub name: String,", "pub name: Name,")
    typing = reanalyze(base, edited, "rust", exact=False)
    assert not typing.exact and not typing.stale_in_body
    settled = reanalyze(typing, edited, "rust", exact=True)
    assert settled.exact
    assert _keys(settled.findings) == _keys(analyze(edited, "rust").findings)


def test_while_typing_in_a_body_body_rules_stay_exact() -> None:
    base = analyze(SOURCE, "rust")
    edited = SOURCE.replace("n += w.len();", "n += w.len() * 2;")
    typing = reanalyze(base, edited, "rust", exact=False)
    assert typing.stale_in_body
    settled = reanalyze(typing, edited, "rust", exact=True)
    assert _keys(settled.findings) == _keys(analyze(edited, "rust").findings)


def test_a_use_typed_inside_a_body_counts_as_a_declaration_edit() -> None:
    """The model reads every `use` in the file, also one inside a function: here one that
    makes `String` mean another type, which removes the finding in `named`."""
    source = "mod text {\n    pub struct Name;\n}\n\n" + SOURCE
    base = analyze(source, "rust")
    assert ("rust/single-char-pattern", 9) in _keys(base.findings)
    edited = source.replace("let mut n = 0;", "use text::Name as String;\n    let mut n = 0;")
    full = analyze(edited, "rust")
    assert ("rust/single-char-pattern", 9) not in _keys(full.findings)
    assert _keys(reanalyze(base, edited, "rust").findings) == _keys(full.findings)


def test_a_comment_edit_keeps_other_functions_findings() -> None:
    base = analyze(SOURCE, "rust")
    edited = SOURCE.replace("pub name: String,", "pub name: String, // the name")
    inc = reanalyze(base, edited, "rust")
    assert inc.exact
    assert _keys(inc.findings) == _keys(analyze(edited, "rust").findings)


def test_commenting_out_a_declaration_is_not_a_comment_edit() -> None:
    """`//` typed in front of a field turns code into a comment: a declaration edit."""
    source = SOURCE.replace("pub name: String,", "pub name: Name,\n    // pub name: String,")
    base = analyze(source, "rust")
    commented = source.replace("    pub name: Name,", "    // pub name: Name,")
    assert _keys(reanalyze(base, commented, "rust").findings) == _keys(
        analyze(commented, "rust").findings
    )
    swapped = commented.replace("    // pub name: String,", "    pub name: String,")
    full = analyze(swapped, "rust")
    assert ("rust/single-char-pattern", 6) in _keys(full.findings)
    inc = reanalyze(analyze(commented, "rust"), swapped, "rust")
    assert _keys(inc.findings) == _keys(full.findings)
