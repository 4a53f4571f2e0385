"""Settings, in layers: defaults < .se-lsp.yaml < editor settings < environment.

`.se-lsp.yaml` lives in the workspace, so anyone who can put a file in a cloned
repository controls it: it may only choose rules, severities and exclusions,
never where code is sent. Endpoint, model and key come only from the editor's
settings or the environment. Invalid values never stop the server: each problem
becomes a message naming the key and its source, and the default applies.
"""

from __future__ import annotations

import difflib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from se_lsp.core.findings import Severity
from se_lsp.core.languages import LANGUAGES

PROJECT_FILE = ".se-lsp.yaml"
# Keys a project file may never set (it lives in the workspace, which anyone can fill).
FORBIDDEN_IN_PROJECT = (
    "agent",
    "baseUrl",
    "base_url",
    "apiKey",
    "api_key",
    "apiKeyEnv",
    "api_key_env",
    "localOnly",
    "local_only",
    "agentsDirs",
    "agents_dirs",
    "model",
    "endpoint",
    "server",
)

RuleSetting = Literal["on", "off", "error", "warning", "info", "hint"]
# What the built-in rules do in test code (`_test.go`, `#[cfg(test)]`, `tests/`...).
TestCodeSetting = Literal["off", "hint", "on"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class ProjectSettings(_Model):
    """What `.se-lsp.yaml` may hold: rule choices and exclusions only."""

    languages: dict[str, bool] = Field(default_factory=dict)
    rules: dict[str, RuleSetting | bool] = Field(default_factory=dict)
    exclude: list[str] = Field(default_factory=list)
    test_code: TestCodeSetting | None = Field(default=None, alias="testCode")


class BuiltinSettings(_Model):
    enable: bool = True
    languages: dict[str, bool] = Field(default_factory=dict)
    rules: dict[str, RuleSetting | bool] = Field(default_factory=dict)
    debounce_ms: int = Field(default=200, alias="debounceMs", ge=0, le=10_000)
    time_budget_ms: int = Field(default=5_000, alias="timeBudgetMs", ge=100, le=600_000)
    max_file_kb: int = Field(default=2_048, alias="maxFileKb", ge=1, le=1_000_000)
    test_code: TestCodeSetting | None = Field(default=None, alias="testCode")


class AgentSettings(_Model):
    enable: bool = True
    base_url: str | None = Field(default=None, alias="baseUrl")
    model: str | None = None
    api_key_env: str | None = Field(default=None, alias="apiKeyEnv")
    agents_dirs: list[str] = Field(default_factory=list, alias="agentsDirs")
    agents: list[str] = Field(default_factory=list)
    max_concurrent: int = Field(default=2, alias="maxConcurrent", ge=1, le=32)
    timeout_seconds: float = Field(default=60.0, alias="timeoutSeconds", gt=0, le=3600)
    local_only: bool = Field(default=False, alias="localOnly")
    temperature: float | None = Field(default=None, ge=0, le=2)
    max_output_tokens: int = Field(default=4096, alias="maxOutputTokens", ge=64, le=200_000)
    cache: bool = True


class LimitSettings(_Model):
    max_selection_lines: int = Field(default=400, alias="maxSelectionLines", ge=1)
    max_selection_bytes: int = Field(default=32_000, alias="maxSelectionBytes", ge=64)


class VerifySettings(_Model):
    """Compile-checking fixes before they are offered (se_lsp/verify)."""

    enabled: bool = True
    timeout_ms: int = Field(default=30_000, alias="timeoutMs", ge=100, le=600_000)


class LinterToolSettings(_Model):
    enabled: bool = True
    # The tool's checks to run; empty: its performance family and every mirrored check.
    checks: list[str] = Field(default_factory=list)


class LinterSettings(_Model):
    """The linters merged in on save and in `se-lsp check` (se_lsp/linters)."""

    enabled: bool = True
    timeout_ms: int = Field(default=120_000, alias="timeoutMs", ge=1_000, le=3_600_000)
    clippy: LinterToolSettings = Field(default_factory=LinterToolSettings)
    clang_tidy: LinterToolSettings = Field(default_factory=LinterToolSettings, alias="clangTidy")
    staticcheck: LinterToolSettings = Field(default_factory=LinterToolSettings)
    go_vet: LinterToolSettings = Field(default_factory=LinterToolSettings, alias="goVet")

    def tool(self, setting: str) -> LinterToolSettings:
        """The settings of one tool by its key under seLsp.linters ("clangTidy")."""
        for name, info in type(self).model_fields.items():
            if setting in (name, info.alias):
                value = getattr(self, name)
                assert isinstance(value, LinterToolSettings)
                return value
        raise KeyError(setting)


class MeasureSettings(_Model):
    """ "Measure this change": benchmark runs after the user confirms (se_lsp/measure)."""

    enabled: bool = True
    runs: int = Field(default=12, ge=3, le=200)
    timeout_ms: int = Field(default=120_000, alias="timeoutMs", ge=1_000, le=3_600_000)
    memory_mb: int = Field(default=2048, alias="memoryMb", ge=64, le=262_144)


class EditorSettings(_Model):
    """The `seLsp` section of the editor's settings (initializationOptions or configuration)."""

    builtin: BuiltinSettings = Field(default_factory=BuiltinSettings)
    agent: AgentSettings = Field(default_factory=AgentSettings)
    limits: LimitSettings = Field(default_factory=LimitSettings)
    verify: VerifySettings = Field(default_factory=VerifySettings)
    linters: LinterSettings = Field(default_factory=LinterSettings)
    measure: MeasureSettings = Field(default_factory=MeasureSettings)
    exclude: list[str] = Field(default_factory=list)
    log_level: Literal["error", "warning", "info", "debug"] = Field(
        default="warning", alias="logLevel"
    )
    log_file: str | None = Field(default=None, alias="logFile")


@dataclass
class Settings:
    """The effective settings after all layers, plus the problems met on the way."""

    editor: EditorSettings = field(default_factory=EditorSettings)
    project: ProjectSettings = field(default_factory=ProjectSettings)
    problems: list[str] = field(default_factory=list)
    project_file: str | None = None  # the .se-lsp.yaml read, if any

    # -- built-in rules -----------------------------------------------------

    def _rule_setting(self, rule_id: str) -> RuleSetting | bool | None:
        # Editor settings are the user's own choice and win over the project file.
        if rule_id in self.editor.builtin.rules:
            return self.editor.builtin.rules[rule_id]
        return self.project.rules.get(rule_id)

    def language_enabled(self, language: str) -> bool:
        if not self.editor.builtin.enable:
            return False
        if language in self.editor.builtin.languages:
            return self.editor.builtin.languages[language]
        return self.project.languages.get(language, True)

    def rule_enabled(self, rule_id: str, language: str) -> bool:
        if not self.language_enabled(language):
            return False
        setting = self._rule_setting(rule_id)
        return setting not in ("off", False)

    def severity(self, rule_id: str, default: Severity) -> Severity:
        setting = self._rule_setting(rule_id)
        if isinstance(setting, str) and setting not in ("on", "off"):
            return Severity(setting)
        return default

    @property
    def test_code(self) -> TestCodeSetting:
        """Editor setting, else the project's, else "off": tests are quiet by default."""
        return self.editor.builtin.test_code or self.project.test_code or "off"

    @property
    def exclude(self) -> list[str]:
        return [*self.project.exclude, *self.editor.exclude]


# -- reading what clients really send ----------------------------------------------------


def _model_of(annotation: Any) -> Any:
    """The settings model or dict type a field holds, if it holds one."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if get_origin(annotation) is dict:
        return dict
    return None


def _accepts_none(annotation: Any) -> bool:
    return annotation is None or type(None) in get_args(annotation)


def _as_sent(model: type[BaseModel], data: dict[str, Any]) -> dict[str, Any]:
    """Settings as clients send them, made into what the model reads.

    Neovim sends an empty Lua table as `[]`, so `[]` where an object belongs is an
    empty object; `null` for a setting that cannot be null means "not set".
    """
    out = dict(data)
    for name, info in model.model_fields.items():
        for key in {name, info.alias} - {None}:
            assert key is not None
            if key not in out:
                continue
            value = out[key]
            target = _model_of(info.annotation)
            if value is None and not _accepts_none(info.annotation):
                del out[key]
            elif value == [] and target is not None:
                out[key] = {}
            elif isinstance(value, dict) and target is not None and target is not dict:
                out[key] = _as_sent(target, value)
    return out


def _user_key(data: Any, loc: tuple[int | str, ...]) -> tuple[list[str], Any]:
    """The part of a pydantic error location that names keys the user wrote, and the value.

    pydantic adds its own parts (`literal['on','off']`, `bool`) after the user's keys
    when a union fails; those are not the user's words.
    """
    keys: list[str] = []
    node = data
    for part in loc:
        if isinstance(node, dict) and part in node:
            keys.append(str(part))
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            keys.append(str(part))
            node = node[part]
        else:
            break
    return keys, node


def _aliases(model: type[BaseModel]) -> list[str]:
    return [info.alias or name for name, info in model.model_fields.items()]


def _nested_model(model: type[BaseModel], keys: list[str]) -> type[BaseModel] | None:
    current: Any = model
    for key in keys:
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return None
        match = next(
            (info for name, info in current.model_fields.items() if key in (name, info.alias)),
            None,
        )
        if match is None:
            return None
        current = _model_of(match.annotation)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _describe(
    err: ValidationError, data: Any, model: type[BaseModel], prefix: str, source: str
) -> list[str]:
    """One line per wrong key, in the user's own key names."""
    seen: dict[str, str] = {}
    for e in err.errors():
        keys, value = _user_key(data, tuple(e["loc"]))
        name = prefix + ".".join(keys)
        if name in seen:
            continue
        if e["type"] == "extra_forbidden":
            parent = _nested_model(model, keys[:-1])
            close = difflib.get_close_matches(keys[-1], _aliases(parent), 1) if parent else []
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            seen[name] = f"{source}: unknown setting '{name}'{hint}; ignored"
            continue
        shown = json.dumps(value)[:60] if _is_json(value) else type(value).__name__
        why = e["msg"].removeprefix("Input should be ").removeprefix("Value error, ")
        seen[name] = f"{source}: '{name}' is {shown}, but it should be {why}; using the default"
    return list(seen.values())


def _is_json(value: Any) -> bool:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True


def _validate_dropping_bad_keys(
    model: type[_Model], data: dict[str, Any], source: str, problems: list[str], prefix: str = ""
) -> Any:
    """Validate `data`; drop each offending key (reporting it once) so the rest still applies."""
    data = _as_sent(model, data)
    original = _deep_copy(data)
    for _ in range(32):
        try:
            return model.model_validate(data)
        except ValidationError as err:
            for line in _describe(err, original, model, prefix, source):
                if line not in problems:
                    problems.append(line)
            for e in err.errors():
                _drop(data, e["loc"])
    return model()


def _drop(data: Any, loc: tuple[int | str, ...]) -> None:
    """Remove the innermost dict key on `loc` that exists in `data`."""
    node = data
    parents: list[tuple[Any, int | str]] = []
    for part in loc:
        if isinstance(node, dict) and part in node:
            parents.append((node, part))
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            parents.append((node, part))
            node = node[part]
        else:
            break
    if parents:
        container, key = parents[-1]
        if isinstance(container, dict):
            container.pop(key, None)
        elif isinstance(container, list) and isinstance(key, int):
            container.pop(key)


def parse_editor_settings(raw: Any, source: str = "settings") -> tuple[EditorSettings, list[str]]:
    """Validate the `seLsp` settings object an editor sent (wrapped in `seLsp` or not)."""
    problems: list[str] = []
    if raw is None or raw == []:
        return EditorSettings(), problems
    if isinstance(raw, dict) and "seLsp" in raw:
        raw = raw["seLsp"]
        if raw is None or raw == []:
            return EditorSettings(), problems
    if not isinstance(raw, dict):
        problems.append(f"{source}: expected an object for 'seLsp'; using the defaults")
        return EditorSettings(), problems
    settings = _validate_dropping_bad_keys(
        EditorSettings, _deep_copy(raw), source, problems, prefix="seLsp."
    )
    return settings, problems


def load_project_settings(root: Path | None) -> tuple[ProjectSettings, list[str]]:
    """Read `.se-lsp.yaml` at `root`, if there is one."""
    if root is None or not (root / PROJECT_FILE).is_file():
        return ProjectSettings(), []
    return load_project_file(root / PROJECT_FILE)


def load_project_file(path: Path) -> tuple[ProjectSettings, list[str]]:
    """Read a project file by its path (`.se-lsp.yaml`, or `se-lsp check --config FILE`)."""
    problems: list[str] = []
    try:
        import yaml  # only projects with a .se-lsp.yaml pay for it at start-up

        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as err:
        problems.append(f"{path}: cannot be read ({_short(err)}); using the defaults")
        return ProjectSettings(), problems
    if data is None:
        return ProjectSettings(), problems
    if not isinstance(data, dict):
        problems.append(f"{path}: expected a mapping at the top level; using the defaults")
        return ProjectSettings(), problems
    for forbidden in FORBIDDEN_IN_PROJECT:
        if forbidden in data:
            problems.append(
                f"{path}: '{forbidden}' is ignored: where code is sent, with which key, by "
                "which agents and what runs are read only from your editor settings or "
                "environment, never from files in the workspace"
            )
            data.pop(forbidden)
    settings = _validate_dropping_bad_keys(ProjectSettings, data, str(path), problems)
    for lang in settings.languages:
        if lang not in LANGUAGES:
            problems.append(f"{path}: unknown language '{lang}' under 'languages' (ignored)")
    return settings, problems


def apply_environment(settings: EditorSettings, env: os._Environ[str] | dict[str, str]) -> None:
    """The environment fills what the editor left unset (endpoint, model)."""
    agent = settings.agent
    if agent.base_url is None and env.get("OPENAI_BASE_URL"):
        agent.base_url = env["OPENAI_BASE_URL"]
    if agent.model is None and env.get("SE_LSP_MODEL"):
        agent.model = env["SE_LSP_MODEL"]


def resolve(
    raw_editor: Any, root: Path | None, env: os._Environ[str] | dict[str, str] | None = None
) -> Settings:
    """All layers combined into effective settings."""
    editor, problems = parse_editor_settings(raw_editor)
    project, project_problems = load_project_settings(root)
    apply_environment(editor, os.environ if env is None else env)
    found = root / PROJECT_FILE if root is not None else None
    return Settings(
        editor=editor,
        project=project,
        problems=[*problems, *project_problems],
        project_file=str(found) if found is not None and found.is_file() else None,
    )


def _deep_copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _deep_copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_deep_copy(v) for v in value]
    return value


def _short(err: Exception) -> str:
    return str(err).splitlines()[0] if str(err) else type(err).__name__
