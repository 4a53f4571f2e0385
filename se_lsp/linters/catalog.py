"""The linters se-lsp merges in, which of their checks it runs, and what it knows of them.

Only performance-relevant checks run: clippy's `perf` group, clang-tidy's
`performance-*`, staticcheck's SA6 (performance) family, and, for each tool, every
check a built-in rule mirrors (their `RuleInfo.mirrors`, "tool:check"), so a rule and
the check it mirrors can meet on a line and be shown once. go vet has no performance
family; `copylocks` (a copied struct that holds a lock: a copy, and a broken lock) and
`lostcancel` (a context whose timer and goroutine outlive their use) are the two whose
cost is time or memory.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from se_lsp.core.languages import CPP, GO, RUST
from se_lsp.rules import RuleInfo, all_rules

CLIPPY = "clippy"
CLANG_TIDY = "clang-tidy"
STATICCHECK = "staticcheck"
GO_VET = "go vet"


@dataclass(frozen=True)
class Tool:
    name: str  # as shown: the Finding's source, SARIF's driver name
    language: str
    mirror_prefix: str  # the tool's name in a rule's `mirrors` ("clippy:map_entry")
    executables: tuple[str, ...]  # looked up on PATH in this order
    setting: str  # the key under seLsp.linters
    install_hint: str
    home: str  # the tool's documentation (SARIF informationUri)

    def mirror_id(self, check: str) -> str:
        return f"{self.mirror_prefix}:{check}"

    def docs_url(self, check: str) -> str:
        if self.name == CLIPPY:
            return f"https://rust-lang.github.io/rust-clippy/master/index.html#{check}"
        if self.name == CLANG_TIDY:
            group, _, rest = check.partition("-")
            return f"https://clang.llvm.org/extra/clang-tidy/checks/{group}/{rest}.html"
        if self.name == STATICCHECK:
            return f"https://staticcheck.dev/docs/checks/#{check}"
        package = "copylock" if check == "copylocks" else check
        return f"https://pkg.go.dev/golang.org/x/tools/go/analysis/passes/{package}"


TOOLS: dict[str, Tool] = {
    CLIPPY: Tool(
        CLIPPY,
        RUST,
        "clippy",
        ("cargo",),
        "clippy",
        "install it with `rustup component add clippy`",
        "https://doc.rust-lang.org/clippy/",
    ),
    CLANG_TIDY: Tool(
        CLANG_TIDY,
        CPP,
        "clang-tidy",
        ("clang-tidy",),
        "clangTidy",
        "install clang-tidy (Debian: apt-get install clang-tidy)",
        "https://clang.llvm.org/extra/clang-tidy/",
    ),
    STATICCHECK: Tool(
        STATICCHECK,
        GO,
        "staticcheck",
        ("staticcheck", "go-staticcheck"),
        "staticcheck",
        "install it with `go install honnef.co/go/tools/cmd/"
        "staticcheck@latest` (Debian: apt-get install go-staticcheck)",
        "https://staticcheck.dev/",
    ),
    GO_VET: Tool(
        GO_VET,
        GO,
        "govet",
        ("go",),
        "goVet",
        "install Go (Debian: golang-go)",
        "https://pkg.go.dev/cmd/vet",
    ),
}


def qualified(source: str, code: str) -> str:
    """A linter's check named with its tool ("staticcheck:SA6005"); clippy's names say it."""
    return code if code.startswith(source) else f"{source}:{code}"


BY_LANGUAGE: dict[str, tuple[Tool, ...]] = {
    RUST: (TOOLS[CLIPPY],),
    CPP: (TOOLS[CLANG_TIDY],),
    GO: (TOOLS[STATICCHECK], TOOLS[GO_VET]),
}

# Checks that are other names of a performance-* check (clang-tidy reports them twice).
_ALIASES = ("hicpp-",)


@cache
def rules_mirroring() -> dict[str, tuple[RuleInfo, ...]]:
    """Each "tool:check" mapped to the built-in rules that mirror it."""
    table: dict[str, list[RuleInfo]] = {}
    for r in all_rules():
        for m in r.info.mirrors:
            table.setdefault(m, []).append(r.info)
    return {k: tuple(v) for k, v in table.items()}


def rule_for(tool: Tool, check: str, language: str) -> RuleInfo | None:
    """The built-in rule that mirrors this check, preferring one of the file's language."""
    infos = rules_mirroring().get(tool.mirror_id(check), ())
    return next((i for i in infos if i.language == language), infos[0] if infos else None)


def _mirrored(tool: Tool) -> list[str]:
    prefix = tool.mirror_prefix + ":"
    return sorted({m[len(prefix) :] for m in rules_mirroring() if m.startswith(prefix)})


def default_checks(tool: Tool) -> list[str]:
    """What runs when the user names no checks: the tool's performance family + mirrors."""
    mirrored = _mirrored(tool)
    if tool.name == CLIPPY:
        return ["perf", *(m for m in mirrored)]
    if tool.name == CLANG_TIDY:
        extra = [m for m in mirrored if not m.startswith(("performance-", *_ALIASES))]
        return ["performance-*", *extra]
    if tool.name == STATICCHECK:
        return ["SA6*", *(m for m in mirrored if not m.startswith("SA6"))]
    return [
        "copylocks",
        "lostcancel",
        *(m for m in mirrored if m not in ("copylocks", "lostcancel")),
    ]
