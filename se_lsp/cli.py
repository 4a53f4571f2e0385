"""Command line: `se-lsp` (stdio server), `se-lsp serve`, `se-lsp check`, `se-lsp rules`."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from se_lsp import __version__

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2


class UsageError(Exception):
    """A mistake by the user: printed as one line, exit code 2, never a traceback."""


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="se-lsp",
        description="A systems-performance reviewer for Rust, C++ and Go. "
        "With no command, runs the language server over stdio.",
    )
    p.add_argument("--version", action="version", version=f"se-lsp {__version__}")
    sub = p.add_subparsers(dest="command")

    serve = sub.add_parser("serve", help="run the language server (stdio by default)")
    serve.add_argument("--stdio", action="store_true", help="use stdin/stdout (the default)")
    serve.add_argument("--tcp", metavar="HOST:PORT", help="listen on TCP, for debugging")

    check = sub.add_parser("check", help="analyse files and directories, print findings")
    check.add_argument("paths", nargs="+", metavar="PATH")
    check.add_argument("--format", choices=("text", "json", "sarif"), default="text")
    check.add_argument(
        "--config", metavar="FILE", help="a .se-lsp.yaml to use instead of the nearest one"
    )
    check.add_argument(
        "--agent",
        action="store_true",
        help="also send every function to the LLM agent (endpoint from OPENAI_BASE_URL, "
        "SE_LSP_MODEL, OPENAI_API_KEY); progress on stderr",
    )

    check.add_argument(
        "--no-linters",
        action="store_true",
        help="do not run clippy, clang-tidy, staticcheck and go vet (they run when installed)",
    )

    rules = sub.add_parser("rules", help="list the built-in rules")
    rules.add_argument("--format", choices=("text", "json", "markdown"), default="text")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command is None or args.command == "serve":
            return _serve(getattr(args, "tcp", None))
        if args.command == "check":
            return _check(args.paths, args.format, args.config, args.agent, not args.no_linters)
        if args.command == "rules":
            return _rules(args.format)
    except UsageError as err:
        print(f"se-lsp: {err}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return EXIT_ERROR
    except BrokenPipeError:
        # The reader went away (`se-lsp check . | head`): stop quietly, like other tools.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_ERROR
    return EXIT_ERROR


def _serve(tcp: str | None) -> int:
    import logging

    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    from se_lsp.lsp.server import server

    if tcp:
        host, _, port = tcp.rpartition(":")
        if not host or not port.isdigit():
            raise UsageError(f"--tcp expects HOST:PORT, got '{tcp}'")
        server.start_tcp(host, int(port))
    else:
        from se_lsp.lsp.stdio import serve_stdio

        serve_stdio(server)
    return EXIT_CLEAN


# -- check -------------------------------------------------------------------


def _iter_files(paths: Sequence[str]) -> Iterator[Path]:
    from se_lsp.core.languages import EXTENSIONS

    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise UsageError(f"no such file or directory: {raw}")
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file() and child.suffix.lower() in EXTENSIONS:
                    if not any(part.startswith(".") for part in child.relative_to(path).parts):
                        yield child
        elif path.suffix.lower() in EXTENSIONS:
            yield path
        else:
            raise UsageError(
                f"{raw}: not a Rust, C++ or Go file (extensions: {', '.join(sorted(EXTENSIONS))})"
            )


def _check(
    paths: Sequence[str], fmt: str, config: str | None, agent: bool = False, linters: bool = True
) -> int:
    from se_lsp.rules.batch import check_files

    inputs = list(_iter_files(paths))
    results, problems = check_files(inputs, Path(config) if config else None)
    if linters:
        from se_lsp.linters.batch import add_linter_findings

        results, notes = add_linter_findings(results)
        for note in notes:
            print(f"se-lsp: {note}", file=sys.stderr)
    if agent:
        results, more = _check_agent(inputs, results, Path(config) if config else None)
        problems += more
    for problem in problems:
        print(f"se-lsp: {problem}", file=sys.stderr)
    records = [r for _, rs in results for r in rs]
    if fmt == "json":
        print(json.dumps({"findings": records}, indent=2, ensure_ascii=False))
    elif fmt == "sarif":
        from se_lsp.report import to_sarif

        print(json.dumps(to_sarif(records), indent=2, ensure_ascii=False))
    else:
        from se_lsp.linters.catalog import TOOLS, qualified

        for r in records:
            code = qualified(r["source"], r["code"]) if r["source"] in TOOLS else r["code"]
            print(f"{r['path']}:{r['line']}:{r['column']}: {r['severity']} {code} {r['title']}")
        n = len(records)
        files = len(results)
        print(
            f"{n} finding{'s' if n != 1 else ''} in {files} file{'s' if files != 1 else ''}",
            file=sys.stderr,
        )
    return EXIT_FINDINGS if records else EXIT_CLEAN


def _check_agent(
    files: list[Path],
    results: list[tuple[Path, list[dict[str, Any]]]],
    config: Path | None,
) -> tuple[list[tuple[Path, list[dict[str, Any]]]], list[str]]:
    """Add the agent's findings to the built-in ones (same record shape)."""
    import asyncio

    from se_lsp.agent.batch import review_files
    from se_lsp.agent.client import AgentError
    from se_lsp.core.settings import resolve

    root = config.parent if config else Path.cwd()
    settings = resolve(None, root)

    def say(line: str) -> None:
        print(f"se-lsp: {line}", file=sys.stderr, flush=True)

    try:
        found, problems = asyncio.run(review_files(files, settings, root, say))
    except AgentError as err:
        raise UsageError(str(err)) from None
    merged = [(path, [*records, *found.get(path, [])]) for path, records in results]
    return merged, problems


# -- rules -------------------------------------------------------------------


def rules_json() -> dict[str, Any]:
    from se_lsp.rules import all_rules

    return {
        "rules": [
            {
                "id": r.info.id,
                "language": r.info.language,
                "title": r.info.title,
                "severity": r.info.severity.value,
                "category": r.info.category,
                "fix": r.info.has_fix,
                "mirrors": list(r.info.mirrors),
            }
            for r in all_rules()
        ]
    }


def _rules(fmt: str) -> int:
    if fmt == "json":
        print(json.dumps(rules_json(), indent=2))
    elif fmt == "markdown":
        from se_lsp.rules.docs import rules_markdown

        sys.stdout.write(rules_markdown())
    else:
        for r in rules_json()["rules"]:
            fix = "fix" if r["fix"] else "   "
            mirrors = ", ".join(r["mirrors"])
            print(f"{r['id']:<34} {r['severity']:<8} {fix} {r['title']}  [{mirrors}]")
    return EXIT_CLEAN


if __name__ == "__main__":
    raise SystemExit(main())
