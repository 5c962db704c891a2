/**
 * `padded-cell run`: resolves what a plugin may use (flags, policy file,
 * manifest), makes the cell, calls `main(caps)`, and turns the outcome into
 * output and an exit code.
 *
 * Invariants:
 * 1. The plugin gets at most the union of the policy entry and the allow
 *    flags, intersected with its manifest's wants if it has one; every deny
 *    (flag or policy) still wins.
 * 2. A limit that cannot be enforced is refused, not ignored: --memory,
 *    --cpu or --timeout (from flags or a policy) with
 *    --isolation=compartment is bad usage, --memory with --isolation=worker
 *    too (a worker cannot contain memory), and so is a cell that came back
 *    at another isolation level than the one asked for. When a limit is
 *    given and no isolation named, the cell runs in a process, where every
 *    limit holds.
 * 3. What is printed about a failing plugin comes only from own data
 *    properties (`code`, `message`) read without running guest getters,
 *    bounded in length; never a stack.
 * 4. --timeout ends the run whatever the plugin does: the command exits
 *    with the limit code when it passes (the wall enforces it; a
 *    compartment run takes no --timeout, invariant 2).
 * 5. The audit file (read and write) and the policy file (write) are denied
 *    to the cell when they lie inside its `/`, so it cannot forge the
 *    record a policy is generated from, or rewrite its own policy.
 *
 * It does not parse flags (see `cli-args.ts`) and does not print help.
 */
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { basename, relative, resolve, sep } from "node:path";
import { CellError } from "@padded-cell/membrane";
import { cliExitCodes, exitCodeFor, type CliExitCode } from "./cli-exit-codes.js";
import type { GrantFlag, GrantFlagKind, RunArgs } from "./cli-args.js";
import { cliDenialMessage } from "./cli-hints.js";
import { makeTerminalPrompt } from "./cli-prompt.js";
import { terminalSafe } from "./cli-escape.js";
import {
  createHost,
  emptyGrants,
  grantSet,
  intersectGrants,
  makeAccessAuditFile,
  makePolicyGrants,
  parseDuration,
  parseSize,
  pluginFolder,
  pluginPolicy,
  readManifest,
  readPolicyFile,
  unionGrants,
  type CellLimits,
  type GrantSet,
  type Isolation,
  type NotGiven,
  type PluginPolicy,
} from "@padded-cell/host";

/** Where the command writes. */
export interface CliIo {
  /** Results and the cell's console output. */
  readonly stdout: NodeJS.WritableStream;
  /** Messages of padded-cell and the cell's console errors. */
  readonly stderr: NodeJS.WritableStream;
  /** The working directory: the cell's `/`, and the base of relative paths. */
  readonly cwd: string;
  /** Where answers to prompts come from; without it, or when it is not a terminal, nothing is asked. */
  readonly stdin?: NodeJS.ReadableStream & { readonly isTTY?: boolean };
}

/** The default file of `--audit` without a value. */
export const DEFAULT_AUDIT_FILE = "padded-cell.audit.jsonl";

const CELL_NAME = /^[\w.@/-][\w .@/-]{0,99}$/;
const MAX_SHOWN = 2000;

const usage = (message: string): CellError => new CellError("CLI_USAGE", message);

/** Reads an own data property without running getters or proxy traps of a plain object (invariant 3). */
const ownString = (value: unknown, key: string): string | undefined => {
  if ((typeof value !== "object" && typeof value !== "function") || value === null)
    return undefined;
  try {
    const desc = Object.getOwnPropertyDescriptor(value, key);
    return desc !== undefined && "value" in desc && typeof desc.value === "string"
      ? desc.value.slice(0, MAX_SHOWN)
      : undefined;
  } catch {
    return undefined;
  }
};

/**
 * The frames of a plugin's error, one line each, relative to the plugin's
 * folder (`at main (./index.js:3:12)`): the lines of its stack after
 * "name: message", so no line of the message (which the plugin wrote, and
 * which the line above already showed escaped) can pass for a frame.
 */
const pluginFramesOf = (error: unknown): string[] => {
  if (!(error instanceof Error)) return [];
  const { stack, name, message } = error;
  const head = `${name}: ${message}`;
  if (typeof stack !== "string" || !stack.startsWith(head)) return [];
  return stack
    .slice(head.length)
    .split("\n")
    .filter((line) => line.trim().startsWith("at "))
    .map((line) => terminalSafe(line.trim()).replaceAll("file:///plugin/", "./"));
};

const describe = (error: unknown): { code: string | undefined; message: string } => {
  if (typeof error === "string")
    return { code: undefined, message: terminalSafe(error.slice(0, MAX_SHOWN)) };
  const code = ownString(error, "code");
  const message = ownString(error, "message") ?? "(no message)";
  return {
    code: code === undefined ? undefined : terminalSafe(code),
    message: terminalSafe(message),
  };
};

/**
 * `--allow-net=host` (no port) is every port of that host, as in Deno: TCP
 * to any port, and fetch over http (80) and https (443), since fetch takes
 * only exact host:port entries. Added after grantSet, which would drop
 * them as covered by the host-only entry.
 */
const HOST_ONLY = /^(\[[0-9a-f:.]+\]|[a-z0-9-]+(\.[a-z0-9-]+)*)$/i;
const withPorts = (entry: string): string[] =>
  HOST_ONLY.test(entry) && !/^[0-9.]+\/\d+$/.test(entry)
    ? [entry, `${entry}:80`, `${entry}:443`]
    : [entry];

const flagsToSet = (
  flags: Partial<Record<GrantFlagKind, GrantFlag>>,
  cwd: string,
  imports: readonly string[] = [],
): GrantSet => {
  const list = (kind: GrantFlagKind, all: string): string[] => {
    const f = flags[kind];
    if (f === undefined) return [];
    return f.all ? [all] : [...f.values];
  };
  return grantSet(
    {
      fs: { read: list("read", "."), write: list("write", ".") },
      net: list("net", "*"),
      env: list("env", "*"),
      run: list("run", ""),
      imports,
    },
    cwd,
  );
};

/** The packages a plugin folder's package.json depends on (for a bare --allow-import and --allow-all). */
const dependenciesOf = (folder: string): string[] => {
  try {
    const pkg = JSON.parse(readFileSync(resolve(folder, "package.json"), "utf8")) as unknown;
    const deps = (pkg as { dependencies?: unknown }).dependencies;
    return typeof deps === "object" && deps !== null ? Object.keys(deps) : [];
  } catch {
    return [];
  }
};

/** `--allow-import=pkg` allows the package and its subpaths; `pkg/sub` exactly that subpath. */
const importEntry = (name: string): string => {
  const bare = name.startsWith("@") ? name.split("/").length === 2 : !name.includes("/");
  return bare ? `${name}/*` : name;
};

const notGivenLine = (plugin: string, n: NotGiven, policy: string | undefined): string =>
  `padded-cell: plugin "${plugin}" wanted ${n.kind} ${n.entry}, which ${policy === undefined ? "the flags do not grant" : `neither the flags nor the policy ${policy} allow`}` +
  (n.narrowedTo.length > 0 ? `; it gets only ${n.narrowedTo.join(", ")}` : "") +
  ".\n";

const cellNameOf = (text: string): string => {
  const cleaned = text.replace(/[^\w.@/-]/g, "-").slice(0, 100);
  return CELL_NAME.test(cleaned) ? cleaned : "plugin";
};

/**
 * Runs a plugin as `padded-cell run` does and resolves to the exit code.
 *
 * @example
 * ```ts
 * const code = await runPlugin(parsed, { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd() });
 * ```
 */
export async function runPlugin(args: RunArgs, io: CliIo): Promise<CliExitCode> {
  const { cwd } = io;
  const say = (text: string): void => void io.stderr.write(`padded-cell: ${text}\n`);

  const given_ = resolve(cwd, args.entry);
  const shown = JSON.stringify(args.entry);
  if (!existsSync(given_)) throw usage(`The entry ${shown} is not a file.`);
  // A plugin folder names its entry in its manifest.
  const isFolder = statSync(given_).isDirectory();
  const folder = isFolder
    ? given_
    : pluginFolder(given_, relative(cwd, given_).startsWith("..") ? resolve(given_, "..") : cwd);
  const found = readManifest(folder, cwd);
  const entry = isFolder ? resolve(folder, found?.manifest.entry ?? "") : given_;
  if (relative(folder, entry).startsWith("..") || !existsSync(entry) || !statSync(entry).isFile()) {
    throw usage(
      isFolder
        ? `The plugin folder ${shown} has no manifest "entry" naming a file inside it.`
        : `The entry ${shown} is not a file.`,
    );
  }
  const name = found?.manifest.name ?? cellNameOf(basename(folder));

  let policy: PluginPolicy = harden({ allow: emptyGrants(), deny: emptyGrants(), limits: {} });
  if (args.policy !== undefined) {
    const doc = readPolicyFile(resolve(cwd, args.policy), args.policy);
    if (!Object.hasOwn(doc.plugins, name)) {
      say(
        `the policy ${args.policy} has no entry for plugin "${name}": it gets only what the flags grant.`,
      );
    }
    policy = pluginPolicy(doc, name, cwd, args.policy);
  }

  // Invariant 1: (policy ∪ flags) ∩ wants; denies kept apart and enforced by every capability.
  const allFlags: RunArgs["allow"] = args.allowAll
    ? { read: { all: true }, write: { all: true }, net: { all: true }, env: { all: true } }
    : {};
  if (args.allowAll) {
    say(
      "--allow-all: the plugin may read and write the whole working directory, reach any public address, read every environment variable and import every package it depends on. Use it only for code you trust.",
    );
  }
  const importFlags =
    args.allowAll || args.imports === true ? dependenciesOf(folder) : [...(args.imports ?? [])];
  const allowed = unionGrants(
    policy.allow,
    flagsToSet({ ...args.allow, ...allFlags }, cwd, importFlags.map(importEntry)),
  );
  // Invariant 5: the cell can neither read nor forge its own audit, nor rewrite its policy.
  const auditFile =
    args.audit === undefined
      ? undefined
      : resolve(cwd, args.audit === true ? DEFAULT_AUDIT_FILE : args.audit);
  const own = (file: string | undefined): string[] =>
    file !== undefined && !relative(cwd, file).startsWith("..") ? [file] : [];
  const policyFile = args.policy === undefined ? undefined : resolve(cwd, args.policy);
  const deny = unionGrants(
    unionGrants(policy.deny, flagsToSet(args.deny, cwd)),
    grantSet({ fs: { read: own(auditFile), write: [...own(auditFile), ...own(policyFile)] } }, cwd),
  );
  let given = allowed;
  if (found?.manifest.wants !== undefined) {
    const result = intersectGrants(grantSet(found.manifest.wants, cwd), allowed);
    given = result.given;
    for (const n of result.notGiven) io.stderr.write(notGivenLine(name, n, args.policy));
  }

  const limits: { -readonly [K in keyof CellLimits]: CellLimits[K] } = { ...policy.limits };
  if (args.memory !== undefined) limits.memoryMb = Math.ceil(parseSize(args.memory) / 2 ** 20);
  if (args.cpu !== undefined) limits.cpuMs = parseDuration(args.cpu);
  if (args.timeout !== undefined) limits.wallMs = parseDuration(args.timeout);
  if (args.maxOutput !== undefined) limits.maxOutputBytes = parseSize(args.maxOutput);
  // Invariant 2: a compartment shares the host's thread, so it can enforce none of these.
  const threadLimits = [
    limits.memoryMb === undefined ? undefined : "--memory",
    limits.cpuMs === undefined ? undefined : "--cpu",
    limits.wallMs === undefined ? undefined : "--timeout",
  ].filter((f) => f !== undefined);
  // Any limit asked for and no isolation named: a process, which enforces them all.
  const isolation = (args.isolation ??
    policy.isolation ??
    (threadLimits.length > 0 ? "process" : "compartment")) as Isolation;
  if (isolation === "compartment" && threadLimits.length > 0) {
    throw usage(
      `${threadLimits.join(", ")} cannot be enforced at --isolation=compartment (the plugin shares padded-cell's thread, so a busy loop or a memory bomb would stop it too): use --isolation=process (the default when a limit is given) or --isolation=worker, or drop the limit.`,
    );
  }
  if (isolation === "worker" && limits.memoryMb !== undefined) {
    // Invariant 2: an allocation bomb in a worker thread can abort the host.
    throw usage(
      "--memory needs --isolation=process (a worker thread shares the host's process and cannot contain its memory).",
    );
  }

  let auditFailures = (): number => 0;
  let sink;
  if (auditFile !== undefined) {
    const file = auditFile;
    try {
      writeFileSync(file, "");
    } catch {
      throw usage(
        `Cannot write the audit file ${JSON.stringify(args.audit === true ? DEFAULT_AUDIT_FILE : args.audit)}.`,
      );
    }
    const audit = makeAccessAuditFile(file);
    sink = audit.sink;
    auditFailures = () => audit.failures;
  }

  // cli-prompt.ts: on a terminal, an ungranted file access is asked about.
  const prompt =
    args.noPrompt === true || io.stdin === undefined
      ? undefined
      : makeTerminalPrompt(
          { stdin: io.stdin, stderr: io.stderr },
          name,
          policyFile === undefined ? undefined : { path: policyFile, label: args.policy ?? "" },
        );
  let recording = false;
  const grants = makePolicyGrants({
    recording: () => recording,
    cell: name,
    cwd,
    allow: { ...given, net: given.net.flatMap(withPorts) },
    deny,
    ...(sink === undefined ? {} : { sink }),
    ...(limits.wallMs === undefined ? {} : { runTimeoutMs: limits.wallMs }),
    ...(prompt === undefined ? {} : { ask: prompt.ask }),
  });
  const host = await createHost();
  let timer: NodeJS.Timeout | undefined;
  try {
    const cell = await host.createCell({
      name,
      grants,
      root: folder,
      imports: given.imports,
      isolation,
      // A compartment got past invariant 2 with --max-output at most.
      limits,
      connectOutput: { stdout: io.stdout, stderr: io.stderr },
    });
    if (cell.isolation !== isolation) {
      throw usage(
        `--isolation=${isolation} is not available in this build of padded-cell (the cell would run as ${cell.isolation}).`,
      );
    }
    recording = true;
    const specifier = `./${relative(folder, entry).split(sep).join("/")}`;
    const running = cell.run(specifier);
    const outcome = await new Promise<
      { ok: true; value: unknown } | { ok: false; error: unknown } | { ok: "timeout" }
    >((settle) => {
      // Invariant 4.
      if (limits.wallMs !== undefined)
        timer = setTimeout(() => settle({ ok: "timeout" }), limits.wallMs);
      running.then(
        (value) => settle({ ok: true, value }),
        (error: unknown) => settle({ ok: false, error }),
      );
    });
    if (outcome.ok === "timeout") {
      say(
        `plugin "${name}" ran past --timeout=${args.timeout ?? `${limits.wallMs}ms`} (limit exceeded).`,
      );
      return cliExitCodes.LIMIT;
    }
    if (outcome.ok === false) {
      const { code, message } = describe(outcome.error);
      const exit = exitCodeFor(code);
      const what =
        exit === cliExitCodes.DENIED
          ? "was denied"
          : exit === cliExitCodes.LIMIT
            ? "exceeded a limit"
            : "failed";
      const advice =
        exit === cliExitCodes.DENIED
          ? cliDenialMessage(code ?? "", message, {
              flags: allowed,
              given,
              manifest: found?.file,
              cwd,
            })
          : message;
      say(`plugin "${name}" ${what}: ${code === undefined ? "" : `${code}: `}${advice}`);
      if (args.verbose) {
        for (const frame of pluginFramesOf(outcome.error)) io.stderr.write(`    ${frame}\n`);
      } else if (exit === cliExitCodes.CRASHED)
        say("run again with --verbose to see where it failed.");
      return exit === cliExitCodes.USAGE ? cliExitCodes.CRASHED : exit;
    }
    if (outcome.value !== undefined) {
      let json: string | undefined;
      try {
        json = JSON.stringify(outcome.value);
      } catch {
        json = undefined;
      }
      if (json === undefined) {
        say(
          `plugin "${name}" returned a value that is not JSON (a function, a cycle, a BigInt...).`,
        );
        return cliExitCodes.CRASHED;
      }
      io.stdout.write(`${json}\n`);
    }
    return cliExitCodes.OK;
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    prompt?.close();
    await host.close("padded-cell run ended");
    if (auditFailures() > 0) say(`${auditFailures()} audit records could not be written.`);
  }
}
