"""cargo's and rustc's JSON messages (`--message-format=json`, `--error-format=json`).

The fields are the documented ones (cargo book, "External tools"; rustc book, "JSON
output"); everything else is ignored so newer toolchains still parse.
"""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import BaseModel, ConfigDict, ValidationError


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore")


class TextLine(_Model):
    text: str = ""


class DiagnosticSpan(_Model):
    file_name: str
    byte_start: int
    byte_end: int
    line_start: int
    line_end: int
    column_start: int
    column_end: int
    is_primary: bool
    suggested_replacement: str | None = None
    suggestion_applicability: str | None = None
    label: str | None = None


class DiagnosticCode(_Model):
    code: str


class Diagnostic(_Model):
    message: str
    code: DiagnosticCode | None = None
    level: str
    spans: list[DiagnosticSpan] = []
    children: list[Diagnostic] = []
    rendered: str | None = None

    @property
    def is_error(self) -> bool:
        return self.level.startswith("error")

    def primary(self) -> DiagnosticSpan | None:
        return next((s for s in self.spans if s.is_primary), self.spans[0] if self.spans else None)


class CargoMessage(_Model):
    reason: str
    message: Diagnostic | None = None
    success: bool | None = None
    manifest_path: str | None = None


def cargo_messages(stdout: str) -> Iterator[CargoMessage]:
    """The messages of `cargo ... --message-format=json`, one JSON object per line."""
    for line in stdout.splitlines():
        if not line.startswith("{"):
            continue
        try:
            yield CargoMessage.model_validate_json(line)
        except ValidationError:
            continue


def rustc_diagnostics(stderr: str) -> Iterator[Diagnostic]:
    """The diagnostics of `rustc --error-format=json`, one JSON object per line."""
    for line in stderr.splitlines():
        if not line.startswith("{"):
            continue
        try:
            yield Diagnostic.model_validate_json(line)
        except ValidationError:
            continue


def first_error_line(stderr: str) -> str:
    """cargo's own complaint (a broken manifest, a missing dependency) for a message."""
    for line in stderr.splitlines():
        stripped = line.strip()
        if stripped.startswith("error"):
            return stripped
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
    return lines[-1] if lines else "cargo failed without saying why"
