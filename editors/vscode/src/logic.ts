/**
 * The extension's decisions, kept free of the `vscode` module so they can be unit tested
 * with node's test runner: which program starts the server, what settings it receives,
 * and what the status bar says.
 */

/** Environment variable through which a key from SecretStorage reaches the server. */
export const SECRET_KEY_ENV = "SE_LSP_API_KEY";

/** Settings under `seLsp.*` that only the extension reads; the server rejects unknown keys. */
export const CLIENT_ONLY_SECTIONS = ["server", "trace"] as const;
/** Server settings sections that run the workspace's toolchain: off when it is untrusted. */
export const TOOLCHAIN_SECTIONS = ["verify", "linters", "measure"] as const;

export interface ServerCommand {
  command: string;
  args: string[];
  /** How the command was chosen, shown in the output channel. */
  source: string;
}

/** The server shipped inside the extension (`bundled/`), if this build has one. */
export interface Bundle {
  /** `bundled/tool/server.py`, run as `python -I server.py`. */
  server: string;
  /** CPython versions whose compiled modules are in `bundled/libs`, e.g. ["3.11", "3.12"]. */
  pythons: string[];
  /** The VS Code platform target the libs were built for, e.g. "linux-x64". */
  target: string;
}

/** What one interpreter said about itself, or why it could not be asked. */
export type PythonInfo =
  | { version: string; implementation: string; hasSeLsp: boolean }
  | { error: string };

export interface ResolveInputs {
  /** `seLsp.server.path` (may be empty). */
  configuredPath: string;
  /** `seLsp.server.args`. */
  configuredArgs: string[];
  /** The interpreter selected in the Python extension; undefined when there is none. */
  pythonInterpreter?: string;
  /** Why there is no selected interpreter (e.g. the Python extension is not installed). */
  pythonInterpreterMissing?: string;
  /** The bundled server, when the .vsix carries one. */
  bundle?: Bundle;
  /** Asks an interpreter for its version and whether it can import se_lsp. */
  probe: (python: string) => PythonInfo;
  /** Full path of a program on PATH, or undefined. */
  which: (program: string) => string | undefined;
  platform?: string;
}

/** The chosen command, or none, and what was tried on the way (for the output and message). */
export interface ServerChoice {
  command?: ServerCommand;
  tried: string[];
}

/** True for `python`, `python3`, `python3.12`, `python.exe`, `pythonw.exe`. */
export function looksLikePython(program: string): boolean {
  const base = (program.split(/[\\/]/).pop() ?? "").toLowerCase().replace(/\.exe$/, "");
  return /^python(w)?(\d+(\.\d+)*)?$/.test(base);
}

/**
 * The server command, in order: `seLsp.server.path`; then for each interpreter (the one
 * selected in the Python extension, `python3` and `python` on PATH) the bundled server if
 * the interpreter is a CPython version it was built for, else `-m se_lsp` if the
 * interpreter has se-lsp installed; then `se-lsp` on PATH (a pipx or uv tool install).
 */
export function resolveServerCommand(inp: ResolveInputs): ServerChoice {
  const extra = inp.configuredArgs ?? [];
  const tried: string[] = [];
  const configured = (inp.configuredPath ?? "").trim();
  if (configured) {
    // A Python interpreter given as the server path runs the module unless args say otherwise.
    const args = looksLikePython(configured) && extra.length === 0 ? ["-m", "se_lsp"] : extra;
    return { command: { command: configured, args, source: "seLsp.server.path" }, tried };
  }
  const candidates: { label: string; path: string }[] = [];
  if (inp.pythonInterpreter) {
    candidates.push({ label: "the Python extension's interpreter", path: inp.pythonInterpreter });
  } else {
    tried.push(`the Python extension's interpreter: ${inp.pythonInterpreterMissing ?? "none"}`);
  }
  for (const name of ["python3", "python"]) {
    const found = inp.which(name);
    if (!found) {
      tried.push(`${name} on PATH: not found`);
    } else if (!candidates.some((c) => c.path === found)) {
      candidates.push({ label: `${name} on PATH`, path: found });
    }
  }
  for (const { label, path } of candidates) {
    const info = inp.probe(path);
    if ("error" in info) {
      tried.push(`${label} (${path}): ${info.error}`);
      continue;
    }
    const bundle = inp.bundle;
    if (bundle && info.implementation === "cpython" && bundle.pythons.includes(info.version)) {
      return {
        command: {
          command: path,
          args: ["-I", bundle.server, ...extra],
          source: `bundled server, ${label} (Python ${info.version})`,
        },
        tried,
      };
    }
    if (info.hasSeLsp) {
      return {
        command: { command: path, args: ["-m", "se_lsp", ...extra], source: label },
        tried,
      };
    }
    const why = bundle
      ? `${info.implementation} ${info.version}, the bundled server needs CPython ` +
        bundle.pythons.join(", ")
      : `Python ${info.version} without se-lsp installed`;
    tried.push(`${label} (${path}): ${why}`);
  }
  const exe = inp.which((inp.platform ?? process.platform) === "win32" ? "se-lsp.exe" : "se-lsp");
  if (exe) {
    return { command: { command: exe, args: extra, source: "se-lsp on PATH" }, tried };
  }
  tried.push("se-lsp on PATH: not found");
  return { tried };
}

/** The message shown when no way to run the server was found, naming what was tried. */
export function noServerMessage(tried: string[], bundle?: Bundle): string {
  const need = bundle
    ? `The extension carries the server; it needs CPython ${pythonRange(bundle.pythons)}. `
    : "This build of the extension carries no server. ";
  const fix = bundle
    ? "Install Python 3.11 or newer (or select one with 'Python: Select Interpreter'), " +
      "or set `seLsp.server.path` to an se-lsp executable."
    : "Set `seLsp.server.path` to an se-lsp executable (from a checkout: `pipx install .`).";
  return `se-lsp: no way to run the language server was found. ${need}Tried: ${tried.join("; ")}. ${fix}`;
}

/** The message shown when the chosen command did not start. */
export function cannotStartMessage(command: ServerCommand, detail: string): string {
  return (
    `se-lsp: the language server did not start (${detail}). ` +
    `Command: ${[command.command, ...command.args].join(" ")} (${command.source}). ` +
    "See 'se-lsp: Show Output' for its messages, or set `seLsp.server.path`."
  );
}

function pythonRange(versions: string[]): string {
  if (versions.length <= 1) {
    return versions.join("");
  }
  return `${versions[0]} to ${versions[versions.length - 1]}`;
}

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

function isObject(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function deepCopy<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

export interface MappingContext {
  /** Whether the workspace is trusted; an untrusted one gets the built-in analyzer only. */
  trusted: boolean;
  /** Whether a key from SecretStorage is handed to the server in SECRET_KEY_ENV. */
  hasSecretKey: boolean;
}

/**
 * The `seLsp` section as the server should see it: without client-only keys, with the
 * agent off in an untrusted workspace, and with `agent.apiKeyEnv` pointing at the stored
 * key when the user did not name a variable of their own.
 */
export function toServerSettings(raw: unknown, ctx: MappingContext): JsonObject {
  const out: JsonObject = isObject(raw) ? deepCopy(raw) : {};
  for (const key of CLIENT_ONLY_SECTIONS) {
    delete out[key];
  }
  const agent: JsonObject = isObject(out.agent) ? out.agent : {};
  if (!ctx.trusted) {
    agent.enable = false;
    // Compile checks, linters and benchmarks run the workspace's own build (cargo runs
    // build scripts and proc macros): not in a restricted workspace.
    for (const key of TOOLCHAIN_SECTIONS) {
      const section: JsonObject = isObject(out[key]) ? out[key] : {};
      section.enabled = false;
      out[key] = section;
    }
  } else if (ctx.hasSecretKey && (agent.apiKeyEnv === undefined || agent.apiKeyEnv === null)) {
    agent.apiKeyEnv = SECRET_KEY_ENV;
  }
  if (Object.keys(agent).length > 0 || isObject(out.agent)) {
    out.agent = agent;
  }
  return out;
}

/** The environment of the server process: the editor's, plus the stored key if any. */
export function serverEnvironment(
  base: NodeJS.ProcessEnv,
  secretKey: string | undefined,
  trusted: boolean,
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base };
  delete env[SECRET_KEY_ENV];
  if (secretKey && trusted) {
    env[SECRET_KEY_ENV] = secretKey;
  }
  return env;
}

export type AgentState = "idle" | "analyzing" | "error" | "stopped" | "restricted";

/** Status bar text and tooltip for the agent state and the configured model. */
export function statusText(
  state: AgentState,
  model: string | null | undefined,
  detail?: string,
): { text: string; tooltip: string } {
  const icon: Record<AgentState, string> = {
    idle: "$(check)",
    analyzing: "$(sync~spin)",
    error: "$(error)",
    stopped: "$(debug-stop)",
    restricted: "$(shield)",
  };
  const label: Record<AgentState, string> = {
    idle: "idle",
    analyzing: "analyzing",
    error: "error",
    stopped: "stopped",
    restricted: "built-in only",
  };
  const shownModel = model ? model : "model from environment";
  const text =
    state === "restricted"
      ? `${icon[state]} se-lsp: ${label[state]}`
      : `${icon[state]} se-lsp: ${label[state]} · ${shownModel}`;
  const lines = [`se-lsp agent: ${label[state]}`];
  if (state === "restricted") {
    lines.push("Restricted workspace: the LLM agent is off, built-in rules only.");
  } else {
    lines.push(`Model: ${shownModel}`);
  }
  if (detail) {
    lines.push(detail);
  }
  return { text, tooltip: lines.join("\n") };
}

/** Tracks work-done progress tokens from the server: analyzing while any is active. */
export class ProgressTracker {
  private readonly active = new Set<string>();

  update(token: string | number, kind: "begin" | "report" | "end"): boolean {
    const key = String(token);
    if (kind === "begin") {
      this.active.add(key);
    } else if (kind === "end") {
      this.active.delete(key);
    }
    return this.busy;
  }

  get busy(): boolean {
    return this.active.size > 0;
  }

  clear(): void {
    this.active.clear();
  }
}

/** The argument of the server command `se-lsp.optimize`. */
export function optimizeArgument(
  uri: string,
  range: { start: { line: number; character: number }; end: { line: number; character: number } },
  agent = "systems-engineer",
): { uri: string; range: typeof range; agent: string } {
  return { uri, range, agent };
}

/** How a review ended, from the result of `se-lsp.optimize`: the state and words to show. */
export function reviewOutcome(result: unknown): { state: AgentState; detail?: string } {
  if (!isObject(result)) {
    return { state: "idle" };
  }
  if (typeof result.error === "string") {
    return { state: "error", detail: `Last review failed: ${result.error}` };
  }
  if (result.cancelled === true) {
    return { state: "idle", detail: "Last review cancelled." };
  }
  if (typeof result.message === "string") {
    return { state: "idle", detail: `Last review: ${result.message}` };
  }
  return { state: "idle" };
}

/**
 * Settings that decide where code goes or what runs. package.json declares them
 * `"scope": "machine"`, so VS Code applies only user (or remote machine) values; the
 * extension reads them through `inspect()` as well and never takes a workspace's value.
 */
export const USER_ONLY_SETTINGS = [
  "server.path",
  "server.args",
  "agent.baseUrl",
  "agent.apiKeyEnv",
  "agent.localOnly",
  "agent.agentsDirs",
] as const;
export type UserOnlySetting = (typeof USER_ONLY_SETTINGS)[number];

/** The parts of `WorkspaceConfiguration.inspect()` that matter here. */
export interface Inspected<T> {
  defaultValue?: T;
  globalValue?: T;
  workspaceValue?: T;
  workspaceFolderValue?: T;
}

/** The user's value, else the default: a workspace's value never counts. */
export function userValue<T>(inspected: Inspected<T> | undefined): T | undefined {
  if (inspected === undefined) {
    return undefined;
  }
  return inspected.globalValue !== undefined ? inspected.globalValue : inspected.defaultValue;
}

/** The file in which a workspace tried to set a user-only setting, if it did. */
export function workspaceAttempt<T>(
  inspected: Inspected<T> | undefined,
  files: { workspace?: string; folder?: string },
): string | undefined {
  if (inspected?.workspaceFolderValue !== undefined) {
    return files.folder ?? files.workspace ?? "the folder settings";
  }
  if (inspected?.workspaceValue !== undefined) {
    return files.workspace ?? files.folder ?? "the workspace settings";
  }
  return undefined;
}

/** The one notice for a user-only setting a workspace tried to set. */
export function ignoredSettingNotice(key: UserOnlySetting, file: string): string {
  return (
    `se-lsp ignores seLsp.${key} in ${file}: where your code is sent and which program ` +
    "runs come only from your user settings, never from a workspace."
  );
}

/** `agent.*` user-only values placed into the settings sent to the server. */
export function withUserOnly(
  settings: unknown,
  values: Partial<Record<UserOnlySetting, unknown>>,
): JsonObject {
  const out: JsonObject = isObject(settings) ? deepCopy(settings) : {};
  const agent: JsonObject = isObject(out.agent) ? out.agent : {};
  for (const key of USER_ONLY_SETTINGS) {
    if (!key.startsWith("agent.")) {
      continue;
    }
    const name = key.slice("agent.".length);
    const value = values[key];
    if (value === undefined) {
      delete agent[name];
    } else {
      agent[name] = value as Json;
    }
  }
  if (Object.keys(agent).length > 0 || isObject(out.agent)) {
    out.agent = agent;
  }
  return out;
}

/**
 * The user-only settings a settings object (a parsed .vscode/settings.json, or the
 * `settings` of a .code-workspace file) sets, flat ("seLsp.agent.baseUrl") or nested.
 */
export function userOnlyKeysIn(settings: unknown): UserOnlySetting[] {
  if (!isObject(settings)) {
    return [];
  }
  const found: UserOnlySetting[] = [];
  for (const key of USER_ONLY_SETTINGS) {
    const parts = ["seLsp", ...key.split(".")];
    // Any split of the dotted name into nested keys: {"seLsp.agent": {"baseUrl": …}} too.
    const present = (node: unknown, rest: string[]): boolean => {
      if (rest.length === 0) {
        return true;
      }
      if (!isObject(node)) {
        return false;
      }
      for (let n = 1; n <= rest.length; n++) {
        const name = rest.slice(0, n).join(".");
        if (name in node && present(node[name], rest.slice(n))) {
          return true;
        }
      }
      return false;
    };
    if (present(settings, parts)) {
      found.push(key);
    }
  }
  return found;
}
