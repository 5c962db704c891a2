/**
 * `audited`: record every call made through a capability.
 *
 * Invariants:
 * 1. Every call produces exactly one record, after it settles:
 *    `{ time, capability, method, args, outcome, bytes, durationMs, code? }`
 *    with `outcome` "allowed" (returned or fulfilled), "denied" (a CellError
 *    whose code is a denial: any `*_DENIED*`, quota, rate, expiry, uses,
 *    `REVOKED`, `TIMERS_LIMIT`, outside-root, filtered, read-only or hidden)
 *    or "failed" (anything else).
 * 2. Records hold only data about the call: each argument is summarised as
 *    its type and size (never its value, never a reference), so the sink can
 *    neither leak nor retain cell objects. Summaries never run guest code
 *    (no getters, no proxy traps).
 * 3. A sink that throws never affects the call or its result.
 * 4. Capabilities the calls return are audited too, under the same name.
 * 5. Auditing narrows nothing: the audited capability carries the
 *    original's data properties (a record of settings beside its methods),
 *    so turning auditing on never changes what a cell sees.
 *
 * It does not store records; the sink decides (file, memory, telemetry).
 */
import { performance } from "node:perf_hooks";
import { types } from "node:util";
import { CellError } from "@padded-cell/membrane";
import {
  capabilityName,
  wrapCapability,
  type AttenuateOptions,
  type Capability,
} from "./attenuate-wrap.js";
import { measureBytes } from "./attenuate-quota.js";

const { isProxy } = types;
const { apply, getOwnPropertyDescriptor } = Reflect;
const { isArray } = Array;
const dateNow = Date.now;
const perfNow = performance.now.bind(performance);
const PromiseThen = Promise.prototype.then;
const MAX_SUMMARISED_ARGS = 16;
// Records and summaries are flat data (primitives and already-frozen parts)
// on Object.prototype, which lockdown froze: `freeze` makes them exactly as
// immutable as `harden` would, at a twentieth of the cost per call.
const { freeze } = Object;
const typedArrayTag = getOwnPropertyDescriptor(
  Object.getPrototypeOf(Uint8Array.prototype) as object,
  Symbol.toStringTag,
)?.get as (this: unknown) => unknown;

/** How an audited call ended. */
export type AuditOutcome = "allowed" | "denied" | "failed";

/** The summary of one argument: its type and, where meaningful, its size. */
export interface ArgSummary {
  /** `typeof`, refined: "null", "array", "proxy", "error", or a byte container's name. */
  readonly type: string;
  /** Bytes for strings and byte containers, length for arrays. */
  readonly size?: number;
}

/** One audit record. */
export interface AuditRecord {
  /** Wall-clock time the call started (epoch ms). */
  readonly time: number;
  /** The capability's name (the `name` option). */
  readonly capability: string;
  /** The method called. */
  readonly method: string;
  /** A summary of the first 16 arguments. */
  readonly args: readonly ArgSummary[];
  /** How the call ended. */
  readonly outcome: AuditOutcome;
  /** The error code when the call was denied or failed with a CellError. */
  readonly code?: string;
  /** Bytes in arguments and result (see `measureBytes`). */
  readonly bytes: number;
  /** How long the call took, until its promise settled for async methods. */
  readonly durationMs: number;
}

/** Receives audit records. */
export type AuditSink = (record: AuditRecord) => void;

// Codes that mean "a policy said no", as opposed to a failure. A set and a
// substring test, not a regular expression: V8 compiles regular expressions
// lazily, which can fail near the stack limit, where calls still arrive.
const DENIAL_CODES = new Set([
  "QUOTA_EXCEEDED",
  "RATE_LIMITED",
  "EXPIRED",
  "USES_EXHAUSTED",
  "REVOKED",
  "TIMERS_LIMIT",
  "FS_OUTSIDE_ROOT",
  "FS_FILTERED",
  "FS_QUOTA_EXCEEDED",
  "MEMBRANE_READ_ONLY",
  "MEMBRANE_HIDDEN",
]);
const isDenial = (code: string): boolean => code.includes("_DENIED") || DENIAL_CODES.has(code);

const safeBytes = (value: unknown): number => {
  try {
    return measureBytes(value);
  } catch {
    return 0;
  }
};

/**
 * Summarise a value as type and size without running any of its code.
 *
 * @example
 * ```ts
 * summarizeArg("héllo");            // { type: "string", size: 6 }
 * summarizeArg(new Uint8Array(3));  // { type: "Uint8Array", size: 3 }
 * ```
 */
export function summarizeArg(value: unknown): ArgSummary {
  const type = typeof value;
  if (type === "string") return freeze({ type, size: safeBytes(value) });
  if ((type !== "object" && type !== "function") || value === null) {
    return freeze({ type: value === null ? "null" : type });
  }
  if (isProxy(value)) return freeze({ type: "proxy" });
  if (type === "function") return freeze({ type });
  if (ArrayBuffer.isView(value) || types.isArrayBuffer(value)) {
    const tag = types.isDataView(value)
      ? "DataView"
      : types.isArrayBuffer(value)
        ? "ArrayBuffer"
        : "bytes";
    const name = tag === "bytes" ? (apply(typedArrayTag, value, []) as string) : tag;
    return freeze({ type: name, size: safeBytes(value) });
  }
  if (isArray(value)) {
    const length = getOwnPropertyDescriptor(value, "length")?.value as unknown;
    return freeze(typeof length === "number" ? { type: "array", size: length } : { type: "array" });
  }
  if (types.isNativeError(value)) return freeze({ type: "error" });
  return freeze({ type: "object" });
}

const errorCode = (error: unknown): string | undefined => {
  if (
    typeof error !== "object" ||
    error === null ||
    isProxy(error) ||
    !(error instanceof CellError)
  )
    return undefined;
  const desc = getOwnPropertyDescriptor(error, "code");
  return desc && typeof desc.value === "string" ? desc.value : undefined;
};

/**
 * Whether `value` is a capability made of string-keyed methods only: a frozen
 * object (not a proxy, array or byte container) whose own properties are all
 * functions. Read with descriptors, so no code of the value runs. Objects
 * with symbol-keyed members (streams, sockets) are left as they are.
 */
const isPlainCapability = (value: unknown): boolean => {
  if (typeof value !== "object" || value === null || isProxy(value) || isArray(value)) return false;
  if (ArrayBuffer.isView(value) || !Object.isFrozen(value)) return false;
  const keys = Reflect.ownKeys(value);
  if (keys.length === 0) return false;
  return keys.every((key) => {
    if (typeof key !== "string") return false;
    const desc = getOwnPropertyDescriptor(value, key);
    return desc !== undefined && typeof desc.value === "function";
  });
};

/**
 * Record every call through `cap` into `sink`.
 *
 * @example
 * ```ts
 * const records: AuditRecord[] = [];
 * const fs2 = audited(fs, (r) => records.push(r), { name: "fs" });
 * await fs2.readFile("/a.txt");
 * records[0]; // { capability: "fs", method: "readFile", args: [{ type: "string", size: 6 }], outcome: "allowed", ... }
 * ```
 */
export function audited<T extends Capability>(
  cap: T,
  sink: AuditSink,
  options?: AttenuateOptions,
): T {
  const name = capabilityName(options);
  // Invariant 4: a capability a method returns (`dir.sub("/d")`) is audited
  // under the same name, so every use reached through `cap` is recorded.
  const auditDerived = (value: unknown): unknown =>
    isPlainCapability(value) ? audited(value as Capability, sink, options) : value;
  return wrapCapability(
    cap,
    name,
    (method, args, next) => {
      const time = dateNow();
      const start = perfNow();
      const summary = freeze(args.slice(0, MAX_SUMMARISED_ARGS).map(summarizeArg));
      let bytes = 0;
      for (const arg of args) bytes += safeBytes(arg);
      const emit = (outcome: AuditOutcome, code: string | undefined, resultBytes: number) => {
        const record: AuditRecord = freeze({
          time,
          capability: name,
          method,
          args: summary,
          outcome,
          ...(code === undefined ? {} : { code }),
          bytes: bytes + resultBytes,
          durationMs: perfNow() - start,
        });
        try {
          sink(record);
        } catch {
          // Invariant 3: a failing sink does not change the call.
        }
      };
      const fail = (error: unknown) => {
        const code = errorCode(error);
        emit(code !== undefined && isDenial(code) ? "denied" : "failed", code, 0);
      };
      let result: unknown;
      try {
        result = next();
      } catch (error) {
        fail(error);
        throw error;
      }
      if (result instanceof Promise) {
        return apply(PromiseThen, result, [
          (v: unknown) => {
            emit("allowed", undefined, safeBytes(v));
            return auditDerived(v);
          },
          (error: unknown) => {
            fail(error);
            throw error;
          },
        ]);
      }
      emit("allowed", undefined, safeBytes(result));
      return auditDerived(result);
    },
    { keepData: true },
  ).cap;
}
