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
