/**
 * Access records: the audit the CLI writes with `--audit`, and what
 * `padded-cell policy generate` reads back. Each record is one call a cell
 * made through a granted capability, like the host's audit records (cell,
 * grant, method, argument summaries, outcome), plus `uses`: the resources
 * the call named, in the cell's terms, because a policy is made of exactly
 * those (virtual paths, `host:port`, variable names, program names).
 *
 * Invariants:
 * 1. A record holds names only, never contents: a path, a `host:port`, a
 *    variable's name (never its value), a program's name (never its
 *    arguments, only their types and sizes), each length-bounded.
 * 2. A record is plain data built from primitives; recording never runs
 *    guest code (names are taken only from primitive strings and numbers,
 *    after the capability validated them or refused the call).
 * 3. A network name is recorded only when it is concrete (one host, one
 *    port: {@link isConcreteNetName}), so a cell cannot plant a wildcard
 *    (`*:443`, `*.com:443`) in an audit by making a call that fails.
 * 4. A sink that throws never affects the call.
 *
 * It does not decide what is allowed; capabilities do that.
 */
import { makeFileAuditSink } from "../audit/audit-sink.js";
import { summarizeArg, type ArgSummary, type AuditOutcome } from "@padded-cell/caps";

/** What a call used. */
export interface AccessUse {
  /**
   * `read` and `write` for files, `list` for listings and metadata
   * (`readdir`, `stat`), `connect` for the network, `env`, `run`.
   */
  readonly access: "read" | "write" | "list" | "connect" | "env" | "run";
  /** `/docs/a.txt`, `api.example.com:443`, `LANG`, `git`. */
  readonly name: string;
}

/** One audited call, with what it used. */
export interface AccessRecord {
  /** When the call started (epoch ms). */
  readonly time: number;
  /** The cell's name. */
  readonly cell: string;
  /** The grant: `fs`, `net`, `http`, `env` or `run`. */
  readonly grant: string;
  /** The method called. */
  readonly method: string;
  /** Type and size of each argument (never values). */
  readonly args: readonly ArgSummary[];
  /** How the call ended. */
  readonly outcome: AuditOutcome;
  /** The error code, when the call was denied or failed with a code. */
  readonly code?: string;
  /** What the call named. */
  readonly uses: readonly AccessUse[];
  /** How long the call took. */
  readonly durationMs: number;
}

/** Receives access records. */
export type AccessSink = (record: AccessRecord) => void;

/**
 * Records calls of one grant of one cell: runs `call`, and when it returns
 * (or its promise settles) emits one record. @internal
 */
export type AccessRecorder = <T>(
  method: string,
  args: readonly unknown[],
  uses: () => readonly AccessUse[],
  call: () => T,
) => T;

const DENIAL =
  /_DENIED$|^(FS_DENIED_READ_ONLY|QUOTA_EXCEEDED|RATE_LIMITED|EXPIRED|USES_EXHAUSTED|REVOKED)$/;
const MAX_NAME = 300;
const dateNow = Date.now;
const { isArray } = Array;

const codeOf = (error: unknown): string | undefined => {
  if (typeof error !== "object" || error === null) return undefined;
  const desc = Object.getOwnPropertyDescriptor(error, "code");
  return desc !== undefined && "value" in desc && typeof desc.value === "string"
    ? desc.value
    : undefined;
};

const CONCRETE_NET =
  /^(\[[0-9a-f:.]{2,45}\]|[a-z0-9_-]{1,63}(\.[a-z0-9_-]{1,63})*\.?):[0-9]{1,5}$/i;

/**
 * Whether a `host:port` names one host and one port: no wildcard, range or
 * CIDR (invariant 3).
 *
 * @example
 * ```ts
 * isConcreteNetName("api.example.com:443"); // true
 * isConcreteNetName("*.example.com:443");   // false
 * ```
 */
export function isConcreteNetName(name: string): boolean {
  return name.length <= 300 && CONCRETE_NET.test(name);
}

/**
 * Bounds a name for a record (invariant 1).
 *
 * @example
 * ```ts
 * boundedName("x".repeat(1000)).length; // 300
 * ```
 */
export function boundedName(name: string): string {
  return name.length > MAX_NAME ? name.slice(0, MAX_NAME) : name;
}

/**
 * Makes the recorder a granted capability calls around each method.
 * `uses` is computed lazily, only from values the capability already
 * checked to be primitives.
 *
 * @example
 * ```ts
 * const record = makeAccessRecorder("my-plugin", "env", sink);
 * const value = record("get", [name], () => [{ access: "env", name }], () => env.get(name));
 * ```
 */
export function makeAccessRecorder(
  cell: string,
  grant: string,
  sink: AccessSink | undefined,
): AccessRecorder {
  const emit = (
    time: number,
    method: string,
    args: readonly unknown[],
    uses: () => readonly AccessUse[],
    outcome: AuditOutcome,
    code: string | undefined,
  ): void => {
    if (sink === undefined) return;
    try {
      const used = uses();
      sink(
        harden({
          time,
          cell,
          grant,
          method,
          args: (isArray(args) ? args.slice(0, 16) : []).map(summarizeArg),
          outcome,
          ...(code === undefined ? {} : { code }),
          uses: isArray(used)
            ? used.map((u) => ({ access: u.access, name: boundedName(String(u.name)) }))
            : [],
          durationMs: dateNow() - time,
        }),
      );
    } catch {
      // Invariant 4: a failing sink or name never affects the call.
    }
  };
  const failed = (
    time: number,
    method: string,
    args: readonly unknown[],
    uses: () => readonly AccessUse[],
    error: unknown,
  ): void => {
    const code = codeOf(error);
    emit(
      time,
      method,
      args,
      uses,
      code !== undefined && DENIAL.test(code) ? "denied" : "failed",
      code,
    );
  };
  return <T>(
    method: string,
    args: readonly unknown[],
    uses: () => readonly AccessUse[],
    call: () => T,
  ): T => {
    const time = dateNow();
    let result: T;
    try {
      result = call();
    } catch (error) {
      failed(time, method, args, uses, error);
      throw error;
    }
    if (result instanceof Promise) {
      return result.then(
        (value: unknown) => {
          emit(time, method, args, uses, "allowed", undefined);
          return value;
        },
        (error: unknown) => {
          failed(time, method, args, uses, error);
          throw error;
        },
      ) as T;
    }
    emit(time, method, args, uses, "allowed", undefined);
    return result;
  };
}

/** A JSON-lines file of access records. */
export interface AccessAuditFile {
  /** Pass to the grants' `sink`. */
  readonly sink: AccessSink;
  /** Records that could not be written. */
  readonly failures: number;
}

/**
 * Appends one JSON line per access record to `path` (a host path).
 *
 * @example
 * ```ts
 * const audit = makeAccessAuditFile("./run.audit.jsonl");
 * ```
 */
export function makeAccessAuditFile(path: string): AccessAuditFile {
  return makeFileAuditSink<AccessRecord>(path);
}
