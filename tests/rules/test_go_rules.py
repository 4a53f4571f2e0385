"""Go rules beyond what fixture marks check: severities in cold and test code, columns,
the semantic model's answers, robustness on half-typed and hostile input."""

from __future__ import annotations

import re
import threading
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from se_lsp.core.findings import Severity
from se_lsp.core.positions import LineIndex, Pos
from se_lsp.rules import analyze
from se_lsp.rules.engine import Context, parse
from se_lsp.rules.go.model import GoModel
from tests.rules.edits import reanalysis_mismatches
from tests.rules.markers import FIXTURES

ROOT = Path(__file__).resolve().parents[2]


def findings(src: str, **kw: object) -> list[tuple[int, str, Severity]]:
    return [(f.span.start.line + 1, f.code, f.severity) for f in analyze(src, "go", **kw).findings]  # type: ignore[arg-type]


COLD = """package main

import (
	"fmt"
	"regexp"
)

var banner = fmt.Sprintf("%s", "v1")

func init() {
	for _, p := range []string{"a"} {
		regexp.MatchString(`x`, p)
	}
}

func check(lines []string) error {
	for _, l := range lines {
		if ok, err := regexp.MatchString(`y`, l); err != nil {
			for range lines {
				regexp.MatchString(`z`, l)
			}
			return err
		} else if ok {
			return nil
		}
	}
	return fmt.Errorf("no match in %s", fmt.Sprintf("%s", lines[0]))
}

func main() {
	for _, a := range []string{"x"} {
		regexp.MatchString(`w`, a)
	}
}
"""


def test_cold_code_findings_are_hints() -> None:
    got = findings(COLD)
    by_line = {line: sev for line, _, sev in got}
    # package-level initialiser, init(), an `if err != nil` body: hints at most
    assert by_line[8] == Severity.HINT  # redundant-sprintf in `var banner`
    assert by_line[12] == Severity.HINT  # regexp in a loop in init()
    assert by_line[20] == Severity.HINT  # inside `if ... err != nil {`
    assert by_line[27] == Severity.HINT  # the error being returned
    # ordinary code keeps its severity, and so does main's loop
    assert by_line[18] == Severity.WARNING
    assert by_line[32] == Severity.WARNING


def test_main_setup_before_its_loop_is_cold() -> None:
    src = COLD.replace(
        "func main() {\n",
        'func main() {\n\tfor range []int{1} {\n\t\tregexp.MatchString(`v`, "")\n\t}\n',
    )
    sevs = {line: sev for line, _, sev in findings(src)}
    # the first loop of main is not set-up: it is the program's work
    assert sevs[32] == Severity.WARNING


TEST_IN_PLAIN_FILE = """package p

import (
	"regexp"
	"testing"
)

func TestMatch(t *testing.T) {
	for _, s := range []string{"a"} {
		regexp.MatchString(`x`, s)
	}
}

func Work(lines []string) {
	for _, s := range lines {
		regexp.MatchString(`x`, s)
	}
}
"""


def test_test_functions_in_a_plain_file_are_test_code() -> None:
    assert [line for line, _, _ in findings(TEST_IN_PLAIN_FILE, test_code="off")] == [16]
    assert [(line, sev) for line, _, sev in findings(TEST_IN_PLAIN_FILE, test_code="hint")] == [
        (10, Severity.HINT),
        (16, Severity.WARNING),
    ]


def test_columns_are_code_points_after_non_ascii_text() -> None:
    src = (
        "package p\n\nfunc f(names []string) {\n"
        '\tfor _, n := range names { ключ := "日本😀"; defer println(n); _ = ключ }\n}\n'
    )
    (f,) = analyze(src, "go").findings
    line = src.splitlines()[3]
    assert f.code == "go/defer-in-loop"
    assert f.span.start == Pos(3, line.index("defer"))
    assert f.span.end == Pos(3, line.index("; _ = ключ"))


def test_example_file_shows_its_planted_problems_and_nothing_else() -> None:
    src = (ROOT / "examples" / "filter.go").read_text(encoding="utf-8")
    lines = src.splitlines()

    def line_of(needle: str) -> int:
        return next(n for n, ln in enumerate(lines) if needle in ln)

    got = {(f.span.start.line, f.code) for f in analyze(src, "go").findings}
    assert got == {
        (line_of("regexp.MatchString"), "go/regexp-in-loop"),
        (line_of("strings.ToLower"), "go/equal-fold"),
        (line_of("var trimmed []string"), "go/prealloc"),
        (line_of("w.Write("), "go/write-sprintf"),
    }


# -- the model -----------------------------------------------------------------------------

MODEL_SRC = """package p

import (
	"bytes"
	f "fmt"
	"iter"
	"maps"
	"strings"
	"time"
)

type row struct {
	name string
	vals [4]float64
	*bytes.Buffer
}

type rows []row

var table = map[string]*row{}

func work(rs rows, ch <-chan int, seq iter.Seq[string], n int, s string) {
	a := strings.Split(s, ",")
	b := f.Sprintf("%d", n)
	c := rs[0].vals
	d := table["x"].Buffer
	e := time.Since(time.Now())
	v, ok := table["y"]
	for i, r := range rs {
		_, _ = i, r
	}
	for k, p := range table {
		_, _ = k, p
	}
	for x := range ch {
		_ = x
	}
	for x := range seq {
		_ = x
	}
	for x := range maps.Keys(table) {
		_ = x
	}
	for i := range n {
		_ = i
	}
	for i, r := range s {
		_, _ = i, r
	}
	string := func() int { return 0 }
	_, _, _, _, _, _, _, _ = a, b, c, d, e, v, ok, string
}
"""


def _model(src: str) -> tuple[GoModel, bytes]:
    source = src.encode()
    ctx = Context("go", source, parse("go", source), LineIndex(src))
    _keep.append(ctx)  # the model holds its context weakly
    return GoModel(ctx), source


_keep: list[Context] = []


def test_model_types_of_short_declarations() -> None:
    m, source = _model(MODEL_SRC)
    types = {}
    for name in ("a", "b", "c", "d", "e", "v", "ok", "string"):
        hit = re.search(rf"(?<![\w]){name}(?= :=|, \w+ :=)".encode(), source)
        assert hit is not None, name
        pos = hit.start() - 1
        ident = m.root.descendant_for_byte_range(pos + 1, pos + 1 + len(name))
        assert ident is not None
        d = m.declaration(ident)
        assert d is not None, name
        types[name] = str(m.decl_type(d))
    assert types == {
        "a": "[]string",
        "b": "string",
        "c": "[4]float64",
        "d": "*bytes.Buffer",
        "e": "time.Duration",
        "v": "*row",
        "ok": "bool",
        "string": "func() int",
    }


def test_model_knows_what_a_range_ranges_over() -> None:
    m, _ = _model(MODEL_SRC)
    clauses = []
    stack = [m.root]
    while stack:
        node = stack.pop()
        if node.type == "range_clause":
            clauses.append(node)
        stack.extend(node.named_children)
    clauses.sort(key=lambda c: c.start_byte)
    kinds = [(m.range_info(c).kind, str(m.range_info(c).value)) for c in clauses]
    assert kinds == [
        ("slice", "row"),
        ("map", "*row"),
        ("chan", "None"),
        ("func", "None"),
        ("func", "None"),
        ("int", "None"),
        ("string", "rune"),
    ]


def test_model_sizes_follow_padding_and_embedded_pointers() -> None:
    m, _ = _model(MODEL_SRC)
    from se_lsp.rules.go.types import named

    # name 16, vals 32, *bytes.Buffer 8
    assert m.size_of(named("", "row")) == 56
    assert m.size_of(named("", "rows")) == 24


PACKAGE_SRC = """package p

import (
	f "fmt"
	"strings"
)

const (
	first = iota
	append
	copy // a comment
)

type List[T any] struct{ items []T }

func len(x int) int { return x }

var (
	cap, new = 1, 2
)

func use() {}
"""


def test_package_names_found_without_the_whole_table() -> None:
    """An edit pass asks about a few names; each answer must be the full table's."""
    for name in (
        "f",
        "strings",
        "first",
        "append",
        "copy",
        "List",
        "len",
        "cap",
        "new",
        "use",
        "fmt",
        "string",
        "make",
    ):
        lazy, _ = _model(PACKAGE_SRC)
        got = lazy.package_decl(name)
        full, _ = _model(PACKAGE_SRC)
        want = full.package.get(name)
        assert (got and (got.kind, got.path)) == (want and (want.kind, want.path)), name
    m, _ = _model(PACKAGE_SRC)
    assert m.package_decl("append") is not None and m.package_decl("make") is None


# -- robustness ----------------------------------------------------------------------------


def _analyze_or_hang(text: str, seconds: float = 30.0) -> None:
    """Analyse `text` on a thread; a hang (not slowness) fails the test."""
    error: list[BaseException] = []

    def run() -> None:
        try:
            analyze(text, "go")
        except BaseException as e:
            error.append(e)

    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(seconds)
    assert not t.is_alive(), f"analysis did not finish in {seconds}s on {text[:200]!r}"
    assert not error, error[0]


def test_rules_survive_half_typed_code() -> None:
    """Editors send every keystroke: truncated or damaged files must not crash a rule."""
    src = (FIXTURES / "go" / "corpus" / "notify.go").read_text(encoding="utf-8")
    step = max(1, len(src) // 60)
    for cut in range(0, len(src), step):
        analyze(src[:cut], "go")
        analyze(src[:cut] + src[cut + 25 :], "go")


_PIECES = [
    "//", "/*", "*/", "`", '"', "'", "\\", "fmt.", "append(", "string(", "[]byte(", "range ",
    "for {", "}", "{", ")", "(", ":=", "=", "+=", "!= nil", "err", "defer ", "strings.ToLower(",
    "日本", "😀", "\n", "\t", " ", "x", "0", "[]rune(", "make([]int, 0)", "var ", "type T ",
]  # fmt: skip


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.sampled_from(_PIECES), max_size=400), st.integers(0, 3))
def test_pathological_comments_and_strings_stay_bounded(pieces: list[str], where: int) -> None:
    """Unterminated comments and strings, long runs of `//`, code-like text in strings."""
    junk = "".join(pieces)
    base = (FIXTURES / "go" / "corpus" / "logscan.go").read_text(encoding="utf-8")
    lines = base.splitlines()
    at = len(lines) * where // 4
    variants = [
        "\n".join([*lines[:at], junk, *lines[at:]]),
        "\n".join([*lines[:at], "// " + junk.replace("\n", " "), *lines[at:]]),
        "\n".join([*lines[:at], "var s = `" + junk.replace("`", "'") + "`", *lines[at:]]),
    ]
    for text in variants:
        _analyze_or_hang(text)


def test_long_lines_of_slashes_and_quotes() -> None:
    for piece in ("/", "//", '"', "`", "/*", "\\", "fmt.", "append", "[]rune"):
        _analyze_or_hang("package p\n\nfunc f() {\n\t" + piece * 20000 + "\n}\n")
        _analyze_or_hang("package p\n\n// " + piece * 20000 + "\nfunc g() {}\n")
    # Calls nested thousands deep: every question about a node's parent costs time in
    # proportion to the depth in tree-sitter, so this is quadratic, but it ends.
    for piece in ("fmt.Sprintf(", "append(x, "):
        _analyze_or_hang("package p\n\nfunc f() {\n\t" + piece * 2000 + "\n}\n")


def test_prealloc_names_types_the_way_the_file_imports_them() -> None:
    """A package imported under another name is spelled with that name, so the suggested
    `make` compiles as written (read on badger: `fbs "github.com/google/flatbuffers/go"`)."""
    src = (
        'package table\n\nimport fbs "github.com/google/flatbuffers/go"\n\n'
        "func offsets(b *fbs.Builder, n []int) []fbs.UOffsetT {\n"
        "\tvar out []fbs.UOffsetT\n"
        "\tfor _, x := range n {\n\t\tout = append(out, fbs.UOffsetT(x))\n\t}\n"
        "\treturn out\n}\n"
    )
    (title,) = [f.title for f in analyze(src, "go").findings if f.code == "go/prealloc"]
    assert "make([]fbs.UOffsetT, 0, len(n))" in title


def test_reanalysis_of_every_fixture_matches_a_full_analysis() -> None:
    """Go rules are body-scoped: edits anywhere (bodies, declarations, broken code) must
    give what a full analysis gives, after one exact pass and after typing then settling."""
    words = [" string ", " []byte ", "&", " int64 "]
    assert not reanalysis_mismatches("go", "go-body-scope", "\ttypedNow := 1", words)
