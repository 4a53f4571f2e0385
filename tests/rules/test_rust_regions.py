"""What the Rust rule set says about regions of a file: cold code becomes hints.

The fixtures check which findings exist (and tests/rules/fixtures/rust/suppressions.rs,
test_code*.rs cover allow attributes and test code); this checks severities, which
fixtures do not record: code that runs once or only on failure is reported as a hint.
"""

from __future__ import annotations

from se_lsp.core.findings import Severity
from se_lsp.rules import analyze

SOURCE = """\
use std::sync::LazyLock;

static NAMES: LazyLock<bool> = LazyLock::new(|| {
    let k = "x";
    k == "a".to_string()
});

fn parse(x: &str) -> Result<u32, String> {
    let hot = x == "hot".to_string();
    let n: u32 = x.parse().map_err(|e| {
        let cold = x == "cold".to_string();
        format!("bad {e} {cold}")
    })?;
    match x.parse::<u32>() {
        Ok(v) => Ok(v + u32::from(hot)),
        Err(_) => {
            let arm = x == "arm".to_string();
            Err(format!("{n} {arm}"))
        }
    }
}

fn check(x: &str) {
    if x.is_empty() {
        panic!("empty: {}", format!("{} long", x.len()));
    }
    println!("busy: {}", format!("{} long", x.len()));
    assert!(
        !x.is_empty(),
        "{}",
        format!("failed: {}", x.len())
    );
    assert!(x != "inline", "{}", format!("{} long", x.len()));
}

fn main() {
    let s = String::new();
    let setup = s == "setup".to_string();
    for line in ["a"] {
        let busy = line == "loop".to_string();
        let _ = (setup, busy);
    }
    check("x");
    let _ = parse("1");
}
"""


def _severities() -> dict[str, Severity]:
    """The severity of each finding, by the word in its line's first string literal."""
    found = {}
    for f in analyze(SOURCE, "rust").findings:
        if f.code in ("rust/cmp-owned", "rust/format-in-format-args"):
            line = SOURCE.splitlines()[f.span.start.line]
            word = line.split('"')[1].split(":")[0]
            found[word] = f.severity
    return found


def test_hot_code_keeps_its_severity() -> None:
    sev = _severities()
    assert sev["hot"] == Severity.WARNING
    assert sev["loop"] == Severity.WARNING
    assert sev["busy"] == Severity.WARNING
    assert sev["inline"] == Severity.WARNING  # a one-line assertion: its check is hot


def test_cold_code_is_a_hint() -> None:
    sev = _severities()
    for word in ("a", "cold", "arm", "empty", "setup", "failed"):
        assert sev[word] == Severity.HINT, (word, sev)


def test_every_case_is_found() -> None:
    assert set(_severities()) == {
        "a",
        "hot",
        "cold",
        "arm",
        "empty",
        "busy",
        "setup",
        "loop",
        "failed",
        "inline",
    }


def test_a_rule_may_call_its_own_case_negligible() -> None:
    """format-push-string outside a loop saves one allocation: a hint, in a loop info."""
    source = """\
pub fn render(names: &[String]) -> String {
    let mut out = String::new();
    out.push_str(&format!("{} names", names.len()));
    for n in names {
        out.push_str(&format!("{n};"));
    }
    out
}
"""
    sev = {
        f.span.start.line: f.severity
        for f in analyze(source, "rust").findings
        if f.code == "rust/format-push-string"
    }
    assert sev == {2: Severity.HINT, 4: Severity.INFO}
