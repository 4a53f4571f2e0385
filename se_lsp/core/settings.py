"""Settings, in layers: defaults < .se-lsp.yaml < editor settings < environment.

`.se-lsp.yaml` lives in the workspace, so anyone who can put a file in a cloned
repository controls it: it may only choose rules, severities and exclusions,
never where code is sent. Endpoint, model and key come only from the editor's
settings or the environment. Invalid values never stop the server: each problem
becomes a message naming the key and its source, and the default applies.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from se_lsp.core.findings import Severity
from se_lsp.core.languages import LANGUAGES

PROJECT_FILE = ".se-lsp.yaml"

RuleSetting = Literal["on", "off", "error", "warning", "info", "hint"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class ProjectSettings(_Model):
    """What `.se-lsp.yaml` may hold: rule choices and exclusions only."""

    languages: dict[str, bool] = Field(default_factory=dict)
    rules: dict[str, RuleSetting | bool] = Field(default_factory=dict)
    exclude: list[str] = Field(default_factory=list)


class BuiltinSettings(_Model):
    enable: bool = True
    languages: dict[str, bool] = Field(default_factory=dict)
    rules: dict[str, RuleSetting | bool] = Field(default_factory=dict)
    debounce_ms: int = Field(default=200, alias="debounceMs", ge=0, le=10_000)
    time_budget_ms: int = Field(default=5_000, alias="timeBudgetMs", ge=100, le=600_000)
    max_file_kb: int = Field(default=2_048, alias="maxFileKb", ge=1, le=1_000_000)


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


class EditorSettings(_Model):
    """The `seLsp` section of the editor's settings (initializationOptions or configuration)."""

    builtin: BuiltinSettings = Field(default_factory=BuiltinSettings)
    agent: AgentSettings = Field(default_factory=AgentSettings)
    limits: LimitSettings = Field(default_factory=LimitSettings)
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
    def exclude(self) -> list[str]:
        return [*self.project.exclude, *self.editor.exclude]


def _describe(err: ValidationError, source: str) -> list[str]:
    out = []
    for e in err.errors():
        key = ".".join(str(p) for p in e["loc"])
        out.append(f"{source}: invalid setting '{key}': {e['msg']}; using the default")
    return out


def _validate_dropping_bad_keys(
    model: type[_Model], data: dict[str, Any], source: str, problems: list[str]
) -> Any:
    """Validate `data`; drop each offending key (reporting it) so the rest still applies."""
    for _ in range(32):
        try:
            return model.model_validate(data)
        except ValidationError as err:
            problems.extend(_describe(err, source))
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
    """Validate the `seLsp` settings object an editor sent."""
    problems: list[str] = []
    if raw is None:
        return EditorSettings(), problems
    if isinstance(raw, dict) and "seLsp" in raw and isinstance(raw["seLsp"], dict):
        raw = raw["seLsp"]
    if not isinstance(raw, dict):
        problems.append(f"{source}: expected an object for 'seLsp'; using the defaults")
        return EditorSettings(), problems
    settings = _validate_dropping_bad_keys(EditorSettings, _deep_copy(raw), source, problems)
    return settings, problems


def load_project_settings(root: Path | None) -> tuple[ProjectSettings, list[str]]:
    """Read `.se-lsp.yaml` at `root`, if there is one."""
    problems: list[str] = []
    if root is None:
        return ProjectSettings(), problems
    path = root / PROJECT_FILE
    if not path.is_file():
        return ProjectSettings(), problems
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
    for forbidden in ("agent", "baseUrl", "base_url", "apiKey", "api_key", "model", "endpoint"):
        if forbidden in data:
            problems.append(
                f"{path}: '{forbidden}' is ignored: endpoints, models and keys are read only "
                "from your editor settings or environment, never from files in the workspace"
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
    return Settings(editor=editor, project=project, problems=[*problems, *project_problems])


def _deep_copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _deep_copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_deep_copy(v) for v in value]
    return value


def _short(err: Exception) -> str:
    return str(err).splitlines()[0] if str(err) else type(err).__name__
