"""Where the server's log goes: quiet by default, a debug log file when asked for.

Editors keep a language server's stderr in their own log, and Neovim records each
stderr line as an ERROR, so stderr carries warnings and errors only (the default
level is `warning`; `seLsp.logLevel` changes it). pygls logs every message it sends
at INFO, whole (hover texts, agent replies, 20 MB documents): its loggers stay at
WARNING unless the user asks for a debug log (`seLsp.logLevel: debug`, or a
`seLsp.logFile`) or a verbose trace (`$/setTrace`), and any record is cut to a few
thousand characters. With `seLsp.logFile` set, everything from DEBUG up also goes to
that file; with a trace on, pygls's message log goes to the client as `$/logTrace`.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from pathlib import Path

LEVELS = {
    "error": logging.ERROR,
    "warning": logging.WARNING,
    "info": logging.INFO,
    "debug": logging.DEBUG,
}
MAX_RECORD_CHARS = 4000
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

_installed: list[logging.Handler] = []


class _Shorten(logging.Filter):
    """Cut a long record (a message body logged whole) to MAX_RECORD_CHARS."""

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        if len(text) > MAX_RECORD_CHARS:
            record.msg = (
                f"{text[:MAX_RECORD_CHARS]}… ({len(text) - MAX_RECORD_CHARS} more characters)"
            )
            record.args = None
        return True


class _Trace(logging.Handler):
    """pygls's message log, sent to the client as `$/logTrace` while a trace is on."""

    def __init__(self, send: Callable[[str], None]) -> None:
        super().__init__(logging.DEBUG)
        self._send = send

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self._send(record.getMessage())
        except Exception:  # a trace must never break the server
            pass


def configure(
    level: str = "warning",
    log_file: str | None = None,
    trace: str = "off",
    send_trace: Callable[[str], None] | None = None,
) -> list[str]:
    """Set up the handlers for these settings; the problems met (an unwritable file)."""
    problems: list[str] = []
    root = logging.getLogger()
    for handler in _installed:
        root.removeHandler(handler)
        logging.getLogger("pygls").removeHandler(handler)
        handler.close()
    _installed.clear()
    for handler in list(root.handlers):  # e.g. a basicConfig made before settings arrived
        root.removeHandler(handler)
    shorten = _Shorten()
    stderr = logging.StreamHandler(sys.stderr)
    stderr.setLevel(LEVELS.get(level, logging.WARNING))
    stderr.setFormatter(logging.Formatter("se-lsp %(levelname)s %(name)s: %(message)s"))
    stderr.addFilter(shorten)
    handlers: list[logging.Handler] = [stderr]
    debug = level == "debug"
    if log_file:
        path = Path(log_file).expanduser()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            to_file = logging.FileHandler(path, encoding="utf-8")
        except OSError as err:
            problems.append(f"seLsp.logFile: cannot write {path} ({err.strerror or err})")
        else:
            to_file.setLevel(logging.DEBUG)
            to_file.setFormatter(logging.Formatter(FORMAT))
            to_file.addFilter(shorten)
            handlers.append(to_file)
            debug = True
    for handler in handlers:
        root.addHandler(handler)
        _installed.append(handler)
    root.setLevel(logging.DEBUG if debug else stderr.level)
    pygls = logging.getLogger("pygls")
    verbose = trace == "verbose" and send_trace is not None
    pygls.setLevel(logging.DEBUG if debug else logging.INFO if verbose else logging.WARNING)
    if verbose and send_trace is not None:
        tracer = _Trace(send_trace)
        tracer.addFilter(shorten)
        tracer.addFilter(lambda record: record.levelno < logging.WARNING)
        pygls.addHandler(tracer)
        _installed.append(tracer)
    return problems
