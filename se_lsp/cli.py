"""Command line: `se-lsp` (stdio server), `se-lsp serve`, `se-lsp check`, `se-lsp rules`."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from se_lsp import __version__

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report it

CHECK_EPILOG = """\
output formats (--format):
  text   one line per finding, path:line:col: severity rule-id title
         (1-based, columns in code points; a linter's check is named with its
         tool, e.g. staticcheck:SA6005)
  json   {"findings": [{path, line, column, end_line, end_column, severity, code,
         source, title, category, fix}, ...]}; a built-in finding a linter also
         reported has "also": [{source, code}]
  sarif  SARIF 2.1.0, for code-scanning dashboards: se-lsp's findings in one run,
         each linter's in a run under the linter's own name

Linters: clippy, clang-tidy (with a compile_commands.json), staticcheck and go vet
run when installed, restricted to their performance checks; where a built-in rule
and the check it mirrors flag the same line, one finding names both. A missing
tool is one line on stderr. --no-linters leaves them out.

Findings go to stdout; problems, progress and the closing line "N findings in M
of K files" go to stderr.

exit status:
  0  checked, no findings
  1  checked, at least one finding
  2  usage error: a path that does not exist, no Rust/C++/Go file to check, an
     unreadable or invalid --config file, or --agent with no endpoint or with a
     function the agent could not review (each reason on stderr)

Binary and non-UTF-8 files are named on stderr and skipped. Files excluded by the
project file, or of a language it turns off, are skipped and counted.
"""

TERMINAL_NOTE = (
    "se-lsp is a language server: an editor starts it and talks LSP over stdin/stdout. "
    "To check files from a shell, run `se-lsp check PATH...` (see `se-lsp --help`). "
    "Ctrl-C quits.\n"
)


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

    check = sub.add_parser(
        "check",
        help="analyse files and directories, print findings",
        description="Run the built-in analyzer, the installed linters (clippy, clang-tidy, "
        "staticcheck, go vet: their performance checks, merged in) and with --agent the LLM "
        "agent over Rust, C++ and Go files, like a linter.",
        epilog=CHECK_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    check.add_argument(
        "paths",
        nargs="+",
        metavar="PATH",
        help="files or directories (in a directory, hidden folders, vendor/, node_modules/, "
        "third_party/, build output with a CACHEDIR.TAG and git-ignored files are left out)",
    )
    check.add_argument("--format", choices=("text", "json", "sarif"), default="text")
    check.add_argument(
        "--config",
        metavar="FILE",
        help="a project file (.se-lsp.yaml syntax) to use instead of the nearest .se-lsp.yaml; "
        "its exclusions are relative to its folder",
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
    check.add_argument(
        "--allow-host",
        action="append",
        default=[],
        metavar="HOST",
        help="with --agent: allow sending code to HOST (needed for any host but this machine; "
        "or SE_LSP_ALLOW_HOSTS)",
    )

    agents = sub.add_parser("agents", help="list the agents: name, source file, prompt size")
    agents.add_argument("dirs", nargs="*", metavar="DIR", help="extra agent directories")
    agents.add_argument("--format", choices=("text", "json"), default="text")

    rules = sub.add_parser("rules", help="list the built-in rules")
    rules.add_argument("--format", choices=("text", "json", "markdown"), default="text")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    status = EXIT_ERROR
    try:
        if args.command is None or args.command == "serve":
            return _serve(getattr(args, "tcp", None))
        if args.command == "check":
            status, records, closing = _prepare_check(
                args.paths, args.config, args.agent, args.allow_host, not args.no_linters
            )
            _print_check(records, args.format)
            _say(closing)
            return status
        if args.command == "rules":
            status = EXIT_CLEAN
            return _rules(args.format)
        if args.command == "agents":
            return _agents(args.dirs, args.format)
    except UsageError as err:
        print(f"se-lsp: {err}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`se-lsp check . | head`): stop quietly, with the status the
        # findings imply. Later writes (and the final flush) go nowhere instead of failing.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return status
    return EXIT_ERROR


def _serve(tcp: str | None) -> int:
    import logging

    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    if tcp:
        host, _, port = tcp.rpartition(":")
        if not host or not port.isdigit():
            raise UsageError(f"--tcp expects HOST:PORT, got '{tcp}'")
    from se_lsp.lsp.server import server

    if tcp:
        server.start_tcp(host, int(port))
    else:
        from se_lsp.lsp.stdio import serve_stdio

        if sys.stdin.isatty():
            _typed_in_a_terminal()
        serve_stdio(server)
    return EXIT_CLEAN


def _typed_in_a_terminal() -> None:
    """Someone ran `se-lsp` by hand: say what it is, and let one Ctrl-C end it at once.

    The server's reader thread sits in a blocking read of the terminal; a normal interpreter
    exit waits for it (the first Ctrl-C seems ignored) and a second Ctrl-C aborts with
    "Fatal Python error". Nothing is at stake in a session typed at a terminal, so exit now.
    """
    import signal

    sys.stderr.write(TERMINAL_NOTE)
    sys.stderr.flush()
    signal.signal(signal.SIGINT, lambda *_: os._exit(EXIT_INTERRUPTED))


# -- check -------------------------------------------------------------------


def _prepare_check(
    paths: Sequence[str],
    config: str | None,
    agent: bool,
    allow_hosts: Sequence[str] = (),
    linters: bool = True,
) -> tuple[int, list[dict[str, Any]], str]:
    """Find, read and analyse the files; print the problems met on stderr.

    Returns the exit status, the records to print and the summary line, so a closed pipe
    while printing still ends with the status the findings imply.
    """
    from se_lsp.core.sources import SourceError, find_sources
    from se_lsp.report import summary
    from se_lsp.rules.batch import check_files

    try:
        found = find_sources(paths)
    except SourceError as err:
        raise UsageError(str(err)) from None
    if not found:
        raise UsageError(f"no Rust, C++ or Go files in {' '.join(paths)}")
    project = _load_config(Path(config)) if config else None
    run = check_files(found, project)
    for problem in run.problems:
        _say(problem)
    if not run.results:
        reasons = sorted({why for _, why in run.skipped})
        raise UsageError(
            f"nothing to check: {len(found)} file{'s' if len(found) != 1 else ''} found, "
            f"all skipped ({'; '.join(reasons)})"
        )
    results = run.results
    if linters:
        from se_lsp.linters.batch import add_linter_findings

        results, notes = add_linter_findings(results)
        for note in notes:
            _say(note)
    if agent:
        results = _check_agent(results, project, allow_hosts)
    records = [r for _, rs in results for r in rs]
    with_findings = sum(1 for _, rs in results if rs)
    closing = summary(len(records), with_findings, len(results), len(run.skipped))
    return (EXIT_FINDINGS if records else EXIT_CLEAN), records, closing


def _print_check(records: list[dict[str, Any]], fmt: str) -> None:
    from se_lsp.report import write_findings

    write_findings(records, fmt, sys.stdout)


def _say(line: str) -> None:
    """One line on stderr, naming the program once."""
    print(line if line.startswith("se-lsp") else f"se-lsp: {line}", file=sys.stderr, flush=True)


def _load_config(path: Path) -> tuple[Path, Any]:
    """The folder and settings of a project file named with --config; any error is exit 2."""
    from se_lsp.core.settings import load_project_file

    if not path.is_file():
        raise UsageError(f"--config {path}: no such file")
    project, problems = load_project_file(path)
    if problems:
        for problem in problems:
            _say(problem.removesuffix("; using the defaults").removesuffix("; using the default"))
        raise UsageError(f"--config {path}: fix the errors above; nothing was checked")
    return path.parent, project


def _check_agent(
    results: list[tuple[Path, list[dict[str, Any]]]],
    project: tuple[Path, Any] | None,
    allow_hosts: Sequence[str] = (),
) -> list[tuple[Path, list[dict[str, Any]]]]:
    """Add the agent's findings to the built-in ones (same record shape).

    Exit 2 when the review failed for any function: a CI gate must not pass on a review
    that did not happen.
    """
    import asyncio

    from se_lsp.agent.batch import review_files
    from se_lsp.agent.client import AgentError
    from se_lsp.core.settings import resolve

    if project is not None:
        root = project[0]
        settings = resolve(None, None)
        settings.project = project[1]
    else:
        root = Path.cwd()
        settings = resolve(None, root)
    files = [path for path, _ in results]
    try:
        found, problems, failed = asyncio.run(
            review_files(files, settings, root, _say, allow_hosts=allow_hosts)
        )
    except AgentError as err:
        raise UsageError(str(err)) from None
    for problem in problems:
        _say(problem)
    if failed:
        for failure in failed:
            _say(failure)
        n = len(failed)
        raise UsageError(
            f"the agent could not review {n} function{'s' if n != 1 else ''} (reasons above)"
        )
    return [(path, [*records, *found.get(path, [])]) for path, records in results]


def _agents(dirs: Sequence[str], fmt: str) -> int:
    from se_lsp.agent.listing import agent_rows, agents_text

    data = agent_rows(dirs, Path.cwd())
    for problem in data["problems"]:
        _say(problem)
    print(json.dumps(data, indent=2) + "\n" if fmt == "json" else agents_text(data), end="")
    return EXIT_CLEAN


# -- rules -------------------------------------------------------------------


def _rules_json() -> dict[str, Any]:
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
    import json

    if fmt == "json":
        print(json.dumps(_rules_json(), indent=2))
    elif fmt == "markdown":
        from se_lsp.rules.docs import rules_markdown

        sys.stdout.write(rules_markdown())
    else:
        from se_lsp.report import rules_table

        sys.stdout.write(rules_table(_rules_json()["rules"]))
    sys.stdout.flush()
    return EXIT_CLEAN


if __name__ == "__main__":
    raise SystemExit(main())
