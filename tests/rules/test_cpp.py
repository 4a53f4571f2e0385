"""C++ specifics the fixtures cannot say: fixes that compile, spans, test and cold code, and
analysis that stays bounded on hostile text."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from se_lsp.core.findings import Severity
from se_lsp.core.positions import Pos
from se_lsp.rules import analyze, rules_for
from se_lsp.rules.cpp import is_test_path
from se_lsp.rules.engine import reanalyze
from tests.rules.edits import reanalysis_mismatches
from tests.rules.markers import FIXTURES, expectations, fixed_path, fixture_files

CPP = fixture_files("cpp")


def _gxx_flags(path: Path) -> list[str] | None:
    """The `// g++: <flags>` header of a fixture: it is a whole translation unit that compiles."""
    for line in path.read_text(encoding="utf-8").splitlines()[:12]:
        if line.startswith("// g++:"):
            return line.split(":", 1)[1].split()
    return None


COMPILED = [p for p in CPP if _gxx_flags(p) is not None]


@pytest.mark.skipif(shutil.which("g++") is None, reason="needs g++")
@pytest.mark.parametrize("path", COMPILED, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_fixture_and_its_fixed_file_compile(path: Path) -> None:
    """The cases are real C++, and every quick fix applied to them keeps them compiling."""
    flags = _gxx_flags(path)
    assert flags is not None
    targets = [path]
    if fixed_path(path).exists():
        targets.append(fixed_path(path))
    for target in targets:
        done = subprocess.run(
            ["g++", *flags, "-fsyntax-only", "-x", "c++", str(target)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, f"{target.name}:\n{done.stderr}"


def test_most_fixtures_compile() -> None:
    """Fixtures are self-contained C++ unless they test what only a fragment can show."""
    assert len(COMPILED) >= 25, [p.name for p in CPP if p not in COMPILED]


def test_every_rule_has_flagged_and_clean_cases() -> None:
    flagged: dict[str, int] = {}
    for path in CPP:
        for _, rule_id in expectations(path.read_text(encoding="utf-8")).flagged:
            flagged[rule_id] = flagged.get(rule_id, 0) + 1
    for r in rules_for("cpp"):
        assert flagged.get(r.info.id, 0) >= 3, f"{r.info.id} has too few fixture cases"


def test_enum_span_covers_the_head_only() -> None:
    src = "// Ünïcode\nenum class Étape { Un, Deux };\nstruct S { Étape e; };\n"
    (f,) = [f for f in analyze(src, "cpp").findings if f.code == "cpp/enum-size"]
    assert f.span.start == Pos(1, 0)
    assert f.span.end == Pos(1, len("enum class Étape"))


def test_fix_columns_after_non_ascii_text_are_code_points() -> None:
    src = 'int f(const std::string& größe) { return größe.find("/") + 0; }\n'
    (f,) = [f for f in analyze(src, "cpp").findings if f.code == "cpp/faster-string-find"]
    col = src.index('"/"')
    assert f.span.start == Pos(0, col) and f.span.end == Pos(0, col + 3)
    assert f.fix is not None and f.fix.new_text == "'/'"


# -- test code and cold code -----------------------------------------------------------------

_TESTS = """\
#include <string>
#include <vector>
static std::size_t hot(const std::vector<std::string>& names) {
    std::size_t n = 0;
    for (auto name : names) n += name.size();
    return n;
}
TEST(Names, Length) {
    std::vector<std::string> names;
    for (auto name : names) (void)name.size();
}
TEST_CASE("names") {
    std::vector<std::string> names;
    SECTION("copy") {
        for (auto name : names) (void)name.size();
    }
}
static void BM_Names(benchmark::State& state) {
    std::vector<std::string> names;
    for (auto _ : state) {
        for (auto name : names) (void)name.size();
    }
}
class NamesTest : public ::testing::Test {
    void check(const std::vector<std::string>& names) {
        for (auto name : names) (void)name.size();
    }
};
"""


@pytest.mark.parametrize(("mode", "want"), [("off", 1), ("hint", 5), ("on", 5)])
def test_test_bodies_follow_the_test_code_setting(mode: str, want: int) -> None:
    found = [f for f in analyze(_TESTS, "cpp", test_code=mode).findings]
    copies = [f for f in found if f.code == "cpp/for-range-copy"]
    assert len(copies) == want
    hot = [f for f in copies if f.span.start.line == 4]
    assert hot and hot[0].severity == Severity.WARNING
    if mode == "hint":
        assert all(f.severity == Severity.HINT for f in copies if f.span.start.line != 4)


@pytest.mark.parametrize(
    ("path", "test"),
    [
        ("src/db/table_test.cc", True),
        ("src/db/table_unittest.cpp", True),
        ("tests/parse.cpp", True),
        ("benchmarks/copy.cc", True),
        ("src/test_helpers.cpp", True),
        ("re2/testing/regexp_generator.cc", True),
        ("src/canon_perftest.cc", True),
        ("absl/container/internal/hash_policy_testing.h", True),
        ("src/cord_test_util.h", True),
        ("src/status_test_common.h", True),
        ("src/file_mock.h", True),
        ("test_util/testharness.cc", True),
        ("src/mockingbird.cc", False),
        ("src/testing_ground.cc", False),
        ("src/db/table.cc", False),
        ("src/contest/entry.cpp", False),
        ("include/attest.h", False),
    ],
)
def test_test_files_by_path(path: str, test: bool) -> None:
    assert is_test_path(path) is test


_COLD = """\
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>
static const std::vector<std::string> kNames = {"a"};
static std::size_t size_of(const std::vector<std::string>& v) {
    static const std::string label = std::string("x") + "y";
    std::size_t n = 0;
    for (auto s : v) n += s.size();
    if (v.empty()) {
        for (auto s : v) n += s.size();
        throw std::runtime_error("empty");
    }
    try {
        n += 1;
    } catch (const std::exception& e) {
        for (auto s : v) n += s.size();
    }
    return n + label.size();
}
int main(int argc, char** argv) {
    std::vector<std::string> args(argv, argv + argc);
    for (auto a : args) std::cout << a.size() << std::endl;
    std::cout << size_of(args) << std::endl;
    return 0;
}
"""


_CHECKS = """\
#include <iostream>
#include <string>
void report(const std::string& s, int n) {
    GTEST_CHECK_(n > 0) << "bad " << s << std::endl;
    LOG(ERROR) << "failed: " << s << std::endl;
    LOG(INFO) << "done: " << s << std::endl;
    std::cout << s << std::endl;
}
"""


def test_failure_messages_are_cold() -> None:
    found = [f for f in analyze(_CHECKS, "cpp").findings if f.code == "cpp/avoid-endl"]
    severity = {f.span.start.line: f.severity for f in found}
    assert severity == {
        3: Severity.HINT,
        4: Severity.HINT,
        5: Severity.WARNING,
        6: Severity.WARNING,
    }


_CERR = """\
#include <iostream>
void report(int n) {
    std::cerr << "failed " << n << std::endl;
    std::cout << "done " << n << std::endl;
}
"""


def test_generated_files_are_left_alone() -> None:
    code = "#include <string>\nint f(std::string s) { return s.size(); }\n"
    assert [f.code for f in analyze(code, "cpp", path="src/a.cc").findings] == [
        "cpp/unnecessary-value-param"
    ]
    for path in ("gen/schema.pb.h", "gen/schema.pb.cc", "gen/schema_generated.h"):
        assert analyze(code, "cpp", path=path).findings == []
    stamped = "// Generated by the protocol buffer compiler.  DO NOT EDIT!\n" + code
    assert analyze(stamped, "cpp", path="src/a.cc").findings == []


def test_endl_on_unit_buffered_cerr_is_a_hint() -> None:
    found = [f for f in analyze(_CERR, "cpp").findings if f.code == "cpp/avoid-endl"]
    assert {f.span.start.line: f.severity for f in found} == {
        2: Severity.HINT,
        3: Severity.WARNING,
    }


_MOVES = """\
#include <string>
#include <utility>
struct Rec {
    Rec(Rec&& o) noexcept : count(std::move(o.count)), name(std::move(o.name)) {}
    int count;
    std::string name;
};
void keep(std::string s);
void send(const std::string& s) { keep(std::move(s)); }
void look(const std::string& s);
void peek(std::string s) { look(std::move(s)); }
"""


def test_moving_a_trivially_copyable_value_is_a_hint() -> None:
    # Removing that std::move changes no cost; moving a const string still copies it.
    found = [f for f in analyze(_MOVES, "cpp").findings if f.code == "cpp/move-const-arg"]
    assert {f.span.start.line: f.severity for f in found} == {
        3: Severity.HINT,
        8: Severity.WARNING,
        10: Severity.HINT,
    }


def test_cold_code_is_a_hint_at_most() -> None:
    found = analyze(_COLD, "cpp").findings
    by_line = {(f.span.start.line, f.code): f.severity for f in found}
    # The hot loop of a helper keeps its severity...
    assert by_line[(8, "cpp/for-range-copy")] == Severity.WARNING
    # ...an error branch, a catch block, and main's set-up are hints.
    assert by_line[(10, "cpp/for-range-copy")] == Severity.HINT
    assert by_line[(16, "cpp/for-range-copy")] == Severity.HINT
    assert by_line[(23, "cpp/avoid-endl")] == Severity.HINT
    # A loop in main is the program's work, not its set-up.
    assert by_line[(22, "cpp/for-range-copy")] == Severity.WARNING
    assert by_line[(22, "cpp/avoid-endl")] == Severity.WARNING


# -- re-analysis after edits ------------------------------------------------------------------

_TWO_FUNCTIONS = """\
#include <string>
#include <vector>
struct Row {
    std::string name;
};
struct Key {
    int id;
};
void use(const Row&);
void use(const Key&);
void rows(const std::vector<Row>& all) {
    for (auto r : all) use(r);
}
void keys(const std::vector<Key>& all) {
    for (auto k : all) use(k);
}
"""


def _copies(findings: list) -> list[int]:
    return [f.span.start.line for f in findings if f.code == "cpp/for-range-copy"]


def test_an_edit_inside_a_body_is_rechecked_there_with_the_files_declarations() -> None:
    # Only Row, declared outside the edited function, says that copying `r` costs.
    base = analyze(_TWO_FUNCTIONS, "cpp")
    assert _copies(base.findings) == [11]
    edited = _TWO_FUNCTIONS.replace("use(r);", "use(r);  // typed")
    typing = reanalyze(base, edited, "cpp", exact=False)
    assert not typing.exact and typing.stale_in_body and typing.stale is not None
    for result in (
        reanalyze(typing, edited, "cpp", exact=True),
        reanalyze(base, edited, "cpp", exact=True),
    ):
        assert result.exact
        assert _copies(result.findings) == _copies(analyze(edited, "cpp").findings) == [11]


def test_an_edit_to_a_declaration_rechecks_every_function() -> None:
    # Key gains a std::string: copying it in `keys` becomes expensive, far from the edit.
    base = analyze(_TWO_FUNCTIONS, "cpp")
    edited = _TWO_FUNCTIONS.replace("    int id;", "    std::string id;")
    typing = reanalyze(base, edited, "cpp", exact=False)
    assert not typing.stale_in_body
    for result in (
        reanalyze(typing, edited, "cpp", exact=True),
        reanalyze(base, edited, "cpp", exact=True),
    ):
        assert result.exact
        assert _copies(result.findings) == _copies(analyze(edited, "cpp").findings) == [11, 14]


def test_reanalysis_of_every_fixture_matches_a_full_analysis() -> None:
    """Edits anywhere (bodies, declarations, broken code), checked both ways the server
    re-analyses: one exact pass, and typing passes settled by an exact one."""
    words = [" const ", " std::string ", "&", " auto "]
    mismatches = reanalysis_mismatches("cpp", "cpp-body-scope", "    int typed_now = 1;", words)
    assert not mismatches, mismatches[:5]


# -- hostile text stays bounded ----------------------------------------------------------------

_PIECES = st.sampled_from(
    [
        "//",
        "/*",
        "*/",
        '"',
        "'",
        "\\",
        'R"(',
        ')"',
        "::",
        "<",
        ">",
        "std::",
        "endl",
        "find(",
        "noexcept",
        "for (auto x : v) {",
        "}",
        "{",
        "(",
        ")",
        ";",
        "\n",
        " ",
        "#define X ",
        "#if 0\n",
        "template <typename T>",
        "struct S {",
        "std::vector<std::vector<std::vector<int>>>",
        "std::move(",
        "size() == 0",
        "push_back(",
        "0.5f",
        "sqrt(",
        "é",
        "😀",
        "enum : int { a };",
        "enum class E {",
    ]
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.lists(_PIECES, min_size=1, max_size=400))
def test_pathological_text_is_analysed_in_bounded_time(pieces: list[str]) -> None:
    text = "".join(pieces)
    start = time.perf_counter()
    analyze(text, "cpp", test_code="on")
    # A hang guard, not a timing target: a few hundred pieces take milliseconds.
    assert time.perf_counter() - start < 10


@pytest.mark.parametrize(
    ("unit", "count"),
    [
        ("// ", 20000),
        ('"\\', 20000),
        ("'\\'", 20000),
        ("<", 20000),
        ("::", 20000),
        ('find("a") ', 5000),
        # Many unterminated `/*` cost tree-sitter-cpp 0.23 itself quadratic time to parse
        # (2,000 take ~6 s in its parser alone); the rules add nothing measurable.
        ("/* ", 300),
    ],
)
def test_long_runs_of_comment_and_quote_characters_stay_bounded(unit: str, count: int) -> None:
    """The shapes that made a regular expression backtrack in another language's rules."""
    text = "void f() {\n" + (unit * count) + "\n}\n"
    start = time.perf_counter()
    analyze(text, "cpp")
    assert time.perf_counter() - start < 10, unit
