/**
 * The extension's decisions, kept free of the `vscode` module so they can be unit tested
 * with node's test runner: which program starts the server, what settings it receives,
 * and what the status bar says.
 */

/** Environment variable through which a key from SecretStorage reaches the server. */
export const SECRET_KEY_ENV = "SE_LSP_API_KEY";

/** Settings under `seLsp.*` that only the extension reads; the server rejects unknown keys. */
export const CLIENT_ONLY_SECTIONS = ["server", "trace"] as const;

export interface ServerCommand {
  command: string;
  args: string[];
  /** How the command was chosen, shown in the output channel. */
  source: string;
}

export interface ResolveInputs {
  /** `seLsp.server.path` (may be empty). */
  configuredPath: string;
  /** `seLsp.server.args`. */
  configuredArgs: string[];
  /** The interpreter selected in the Python extension, if it is installed and has one. */
  pythonInterpreter?: string;
  /** Whether `python -c "import se_lsp"` succeeds for this interpreter. */
  hasSeLsp: (python: string) => boolean;
  /** Full path of a program on PATH, or undefined. */
  which: (program: string) => string | undefined;
}

/** True for `python`, `python3`, `python3.12`, `python.exe`, `pythonw.exe`. */
export function looksLikePython(program: string): boolean {
  const base = (program.split(/[\\/]/).pop() ?? "").toLowerCase().replace(/\.exe$/, "");
  return /^python(w)?(\d+(\.\d+)*)?$/.test(base);
}

/**
 * The server command, in order: the configured path; the selected Python interpreter if
 * it can import se_lsp; `python3` on PATH if it can; `se-lsp` on PATH. Undefined when none
 * works, so the caller can tell the user how to fix it.
 */
export function resolveServerCommand(inp: ResolveInputs): ServerCommand | undefined {
  const extra = inp.configuredArgs ?? [];
  const configured = (inp.configuredPath ?? "").trim();
  if (configured) {
    // A Python interpreter given as the server path runs the module unless args say otherwise.
    const args = looksLikePython(configured) && extra.length === 0 ? ["-m", "se_lsp"] : extra;
    return { command: configured, args, source: "seLsp.server.path" };
  }
  if (inp.pythonInterpreter && inp.hasSeLsp(inp.pythonInterpreter)) {
    return {
      command: inp.pythonInterpreter,
      args: ["-m", "se_lsp", ...extra],
      source: "selected Python interpreter",
    };
  }
  for (const name of ["python3", "python"]) {
    const found = inp.which(name);
    if (found && inp.hasSeLsp(found)) {
      return { command: found, args: ["-m", "se_lsp", ...extra], source: `${name} on PATH` };
    }
  }
  const exe = inp.which(process.platform === "win32" ? "se-lsp.exe" : "se-lsp");
  if (exe) {
    return { command: exe, args: extra, source: "se-lsp on PATH" };
  }
  return undefined;
}

/** The message shown when no server can be found or started. */
export function cannotStartMessage(detail?: string): string {
  const why = detail ? ` (${detail})` : "";
  return (
    `se-lsp: the language server could not be started${why}. ` +
    "Install it with `pip install se-lsp` in the selected Python environment, " +
    "or set `seLsp.server.path` to the se-lsp executable."
  );
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
