/**
 * The subprocess capability: run ONE fixed program, with arguments checked
 * against the host's patterns, a fixed environment and working directory,
 * a time limit and output limits.
 *
 * Invariants:
 * 1. Only the configured executable runs, by absolute path, with
 *    `shell: false`: arguments reach it literally (`;`, `|`, `$(...)` are
 *    just characters), never through a shell.
 * 2. Arguments are checked on a copy taken once (so a proxy or a mutating
 *    array cannot change them after the check): each must be a string
 *    primitive without NUL, the count must equal the number of patterns, and
 *    each must equal its string pattern or fully match its RegExp pattern
 *    (patterns are recompiled anchored as `^(?:...)$`, without `g`/`y`, so
 *    `lastIndex` state and partial matches cannot help). A predicate pattern
 *    sees the same frozen copy.
 * 3. The environment is exactly the configured one; nothing of the host's
 *    environment is inherited. The working directory is fixed.
 * 4. The child runs in its own process group. On timeout, output overflow
 *    or scope close the whole group is killed with SIGKILL; when the child
 *    exits, any processes it left in its group are sent SIGKILL too. `run`
 *    settles only after the child has been reaped (no zombie) and the group
 *    has been signalled (the kernel completes the kill asynchronously).
 * 8. Revocation aborts (closes the class "revocation leaves work in flight"):
 *    each run is an operation of the scope, so closing the scope refuses new
 *    runs, kills running groups, and resolves only after they were reaped; a
 *    run killed by revocation rejects with `REVOKED` (never a result), and
 *    nothing of it runs after the scope's `close` resolved. What the program
 *    did before the kill stays done: the kill is the abort.
 * 5. Output is bounded: each stream keeps at most `maxOutputBytes`; on
 *    overflow the process group is killed and `truncated` is true.
 * 6. Errors name the program by its configured `name`; they never contain
 *    the executable's host path, the cwd, or a host error.
 * 7. At most `maxConcurrent` children of this capability run at once; one
 *    more is refused with `SUBPROCESS_LIMIT` (no fork storms).
 *
 * It does not provide stdin, a pseudo-terminal, or a CPU/memory limit for the
 * child (use OS facilities for those). A grandchild that leaves the process
 * group on purpose (setsid) escapes the group kill.
 */
import { spawn } from "node:child_process";
import { basename, isAbsolute } from "node:path";
import { types } from "node:util";
import { CellError } from "@padded-cell/membrane";
import type { ResourceScope } from "./resource-scope.js";

const { apply } = Reflect;
const RegExpExec = RegExp.prototype.exec;
const regExpSource = Object.getOwnPropertyDescriptor(RegExp.prototype, "source")?.get as (
  this: unknown,
) => string;
const regExpFlags = Object.getOwnPropertyDescriptor(RegExp.prototype, "flags")?.get as (
  this: unknown,
) => string;
const { isArray } = Array;
const processKill = process.kill.bind(process);

/** One argument pattern: an exact string, or a RegExp that must match the whole argument. */
export type ArgPattern = string | RegExp;

/** Options of {@link makeSubprocessCap}. */
export interface SubprocessOptions {
  /** The program's name in errors (default: the executable's base name). */
  name?: string;
  /** Absolute path of the one program this capability runs. */
  executable: string;
  /** Per-position patterns (the count must match), or a predicate over the whole list. */
  args: readonly ArgPattern[] | ((args: readonly string[]) => boolean);
  /** The child's complete environment (default: empty). */
  env?: Readonly<Record<string, string>>;
  /** Absolute working directory of the child. */
  cwd: string;
  /** Kill the process group after this many milliseconds. */
  timeoutMs: number;
  /** Bytes kept per output stream; more kills the child. */
  maxOutputBytes: number;
  /** Most children running at once (default 4). */
  maxConcurrent?: number;
  /** Kill running children when this scope closes. */
  scope?: ResourceScope;
}

/** The outcome of one run. */
export interface SubprocessResult {
  /** Exit code, or `null` when killed by a signal. */
  readonly exitCode: number | null;
  /** The signal that ended the child, or `null`. */
  readonly signal: string | null;
  /** Standard output, at most `maxOutputBytes`. */
  readonly stdout: Uint8Array;
  /** Standard error, at most `maxOutputBytes`. */
  readonly stderr: Uint8Array;
  /** Whether the child was killed for running past `timeoutMs`. */
  readonly timedOut: boolean;
  /** Whether output passed `maxOutputBytes` (and the child was killed). */
  readonly truncated: boolean;
}

/** A granted program. */
export interface SubprocessCap {
  /** Run the program with `args` (checked against the grant). */
  run(args: readonly string[]): Promise<SubprocessResult>;
}

const invalid = (what: string): never => {
  throw new CellError("SUBPROCESS_INVALID_OPTION", what);
};

const anchored = (pattern: RegExp): RegExp => {
  const source = apply(regExpSource, pattern, []);
  const flags = apply(regExpFlags, pattern, []).replace(/[gy]/g, "");
  return new RegExp(`^(?:${source})$`, flags);
};

const quote = (s: string) => JSON.stringify(s.length > 80 ? `${s.slice(0, 80)}...` : s);

/**
 * Make a capability that runs one program.
 *
 * @example
 * ```ts
 * const git = makeSubprocessCap({
 *   name: "git",
 *   executable: "/usr/bin/git",
 *   args: ["log", "--oneline", /-n[0-9]{1,3}/],
 *   env: { PATH: "/usr/bin" },
 *   cwd: "/srv/repo",
 *   timeoutMs: 5000,
 *   maxOutputBytes: 1 << 20,
 * });
 * const { exitCode, stdout } = await git.run(["log", "--oneline", "-n10"]);
 * ```
 */
export function makeSubprocessCap(options: SubprocessOptions): SubprocessCap {
  const { executable, cwd, timeoutMs, maxOutputBytes, scope } = options;
  if (typeof executable !== "string" || !isAbsolute(executable))
    invalid("executable must be an absolute path.");
  if (typeof cwd !== "string" || !isAbsolute(cwd)) invalid("cwd must be an absolute path.");
  if (!(typeof timeoutMs === "number" && timeoutMs > 0 && timeoutMs <= 2 ** 31 - 1))
    invalid("timeoutMs must be positive.");
  if (!(Number.isSafeInteger(maxOutputBytes) && maxOutputBytes >= 0)) {
    invalid("maxOutputBytes must be a non-negative integer.");
  }
  const maxConcurrent = options.maxConcurrent ?? 4;
  if (!(Number.isSafeInteger(maxConcurrent) && maxConcurrent > 0))
    invalid("maxConcurrent must be a positive integer.");
  let running = 0;
  const name = options.name ?? basename(executable);
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(options.env ?? {})) {
    if (typeof v !== "string" || k.includes("\0") || k.includes("=") || v.includes("\0")) {
      invalid(`env ${k} must be a string without NUL.`);
    }
    env[k] = v;
  }
  Object.freeze(env);
  const spec = options.args;
  const predicate = typeof spec === "function" ? spec : undefined;
  const patterns = predicate
    ? []
    : [...(spec as readonly ArgPattern[])].map((p) => {
        if (typeof p === "string") return p;
        if (types.isRegExp(p)) return anchored(p);
        return invalid("args patterns must be strings or RegExps.");
      });

  const deny = (why: string): never => {
    throw new CellError(
      "SUBPROCESS_ARG_DENIED",
      `Denied: running ${name} ${why}. The grant allows other arguments only.`,
    );
  };

  const check = (given: unknown): readonly string[] => {
    if (!isArray(given)) deny("without an argument array");
    // Invariant 2: one copy, checked and used; the caller's array is not read again.
    const copy: string[] = [];
    const list = given as unknown[];
    const length = list.length;
    if (!(typeof length === "number" && length <= 4096)) deny("with too many arguments");
    for (let i = 0; i < length; i += 1) {
      const arg = list[i];
      if (typeof arg !== "string")
        deny(`with argument ${i + 1} of type ${typeof arg} (strings only)`);
      const s = arg as string;
      if (s.includes("\0")) deny(`with a NUL character in argument ${i + 1}`);
      copy.push(s);
    }
    const frozen = Object.freeze(copy);
    if (predicate) {
      let ok = false;
      try {
        ok = predicate(frozen) === true;
      } catch {
        ok = false;
      }
      if (!ok) deny(`with arguments ${quote(frozen.join(" "))}`);
      return frozen;
    }
    if (frozen.length !== patterns.length) {
      deny(`with ${frozen.length} arguments (the grant allows exactly ${patterns.length})`);
    }
    frozen.forEach((arg, i) => {
      const p = patterns[i]!;
      const ok = typeof p === "string" ? arg === p : apply(RegExpExec, p, [arg]) !== null;
      if (!ok) {
        deny(
          `with argument ${i + 1} ${quote(arg)}: it must ${typeof p === "string" ? `be ${quote(p)}` : `match ${String(p)}`}`,
        );
      }
    });
    return frozen;
  };

  const run = (argv: readonly string[]): Promise<SubprocessResult> =>
    new Promise<SubprocessResult>((resolve, reject) => {
      let child;
      try {
        child = spawn(executable, argv, {
          cwd,
          env,
          shell: false,
          detached: true,
          stdio: ["ignore", "pipe", "pipe"],
          windowsHide: true,
        });
      } catch {
        reject(new CellError("SUBPROCESS_FAILED", `Could not start ${name}.`));
        return;
      }
      const pid = child.pid;
      let revokedBy: unknown;
      const revoke = () => {
        // Invariant 8: the caller of a run the scope killed sees REVOKED.
        try {
          scope?.assertOpen();
        } catch (error) {
          revokedBy = error;
        }
        killGroup();
        child.stdout.destroy();
        child.stderr.destroy();
      };
      const killGroup = () => {
        if (pid === undefined) return;
        try {
          processKill(-pid, "SIGKILL");
        } catch {
          // ESRCH: the group is already gone.
        }
      };
      const out = { stdout: [] as Buffer[], stderr: [] as Buffer[] };
      const size = { stdout: 0, stderr: 0 };
      let truncated = false;
      let timedOut = false;
      let settled = false;
      let untrack = () => {};
      const collect = (stream: "stdout" | "stderr") => (chunk: Buffer) => {
        const room = maxOutputBytes - size[stream];
        if (chunk.length <= room) {
          out[stream].push(chunk);
          size[stream] += chunk.length;
          return;
        }
        if (room > 0) out[stream].push(chunk.subarray(0, room));
        size[stream] = maxOutputBytes;
        if (!truncated) {
          truncated = true;
          killGroup();
          child.stdout.destroy();
          child.stderr.destroy();
        }
      };
      child.stdout.on("data", collect("stdout"));
      child.stderr.on("data", collect("stderr"));
      const timer = setTimeout(() => {
        timedOut = true;
        killGroup();
        // A grandchild outside the group may hold the pipes: stop waiting for them.
        child.stdout.destroy();
        child.stderr.destroy();
      }, timeoutMs);
      try {
        untrack = scope?.add({ close: revoke }) ?? untrack;
      } catch (error) {
        killGroup();
        clearTimeout(timer);
        child.once("close", () => reject(error));
        return;
      }
      child.once("exit", () => {
        // Invariant 4: the child is reaped; kill what it left in its group.
        killGroup();
      });
      child.once("error", () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        untrack();
        reject(new CellError("SUBPROCESS_FAILED", `Could not start ${name}.`));
      });
      child.once("close", (code: number | null, signal: NodeJS.Signals | null) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        untrack();
        if (revokedBy !== undefined) {
          reject(revokedBy);
          return;
        }
        const bytes = (chunks: Buffer[]) => {
          const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
          let at = 0;
          for (const c of chunks) {
            all.set(c, at);
            at += c.length;
          }
          return all;
        };
        resolve(
          harden({
            exitCode: code,
            signal,
            stdout: bytes(out.stdout),
            stderr: bytes(out.stderr),
            timedOut,
            truncated,
          }),
        );
      });
    });

  return harden({
    async run(args: readonly string[]): Promise<SubprocessResult> {
      scope?.assertOpen();
      const argv = check(args);
      if (running >= maxConcurrent) {
        throw new CellError(
          "SUBPROCESS_LIMIT",
          `Denied: ${name} is already running ${maxConcurrent} times. Wait for a run to finish.`,
        );
      }
      running += 1;
      try {
        return await (scope === undefined ? run(argv) : scope.run(() => run(argv)));
      } finally {
        running -= 1;
      }
    },
  });
}
