/**
 * Quotas: `callQuota` (how many calls) and `byteQuota` (how many bytes of
 * arguments and results) for any capability.
 *
 * Invariants:
 * 1. `callQuota`: once the limit is reached (in total, or for a method when a
 *    per-method record is given), further calls throw `QUOTA_EXCEEDED`
 *    before reaching the capability. A call counts when it is forwarded,
 *    whatever its outcome.
 * 2. `byteQuota`: a call whose arguments would pass the limit is refused with
 *    `QUOTA_EXCEEDED` before reaching the capability; result bytes are
 *    counted when the result (or its promise) arrives, so one result may
 *    overshoot, and every later call is refused.
 * 3. Measuring never runs guest code: strings are measured as UTF-8, byte
 *    views through captured `byteLength` getters, arrays and records one
 *    level deep through their own data properties; proxies count as 0.
 *
 * It does not refund quota, and counts bytes, not work.
 */
import { types } from "node:util";
import { CellError } from "@padded-cell/membrane";
import {
  capabilityName,
  checkLimit,
  wrapCapability,
  type AttenuateOptions,
  type Capability,
} from "./attenuate-wrap.js";

const { apply, ownKeys, getOwnPropertyDescriptor } = Reflect;
const { isProxy } = types;
const TypedArrayPrototype = Object.getPrototypeOf(Uint8Array.prototype) as object;
const getterOf = (proto: object, key: string) =>
  getOwnPropertyDescriptor(proto, key)?.get as (this: unknown) => number;
const typedArrayByteLength = getterOf(TypedArrayPrototype, "byteLength");
const dataViewByteLength = getterOf(DataView.prototype, "byteLength");
const arrayBufferByteLength = getterOf(ArrayBuffer.prototype, "byteLength");
const PromiseThen = Promise.prototype.then;
const { isArrayBuffer, isTypedArray, isDataView } = types;
const encoder = new TextEncoder();
const MAX_MEASURED_ENTRIES = 10000;

const utf8Length = (s: string): number => {
  // Exact and allocation-free for ASCII; exact for the rest via the encoder.
  for (let i = 0; i < s.length; i += 1) {
    if (s.charCodeAt(i) > 0x7f) return encoder.encode(s).length;
  }
  return s.length;
};

const leafBytes = (value: unknown): number => {
  if (typeof value === "string") return utf8Length(value);
  if (typeof value !== "object" || value === null || isProxy(value)) return 0;
  if (isTypedArray(value)) return apply(typedArrayByteLength, value, []);
  if (isDataView(value)) return apply(dataViewByteLength, value, []);
  if (isArrayBuffer(value)) return apply(arrayBufferByteLength, value, []);
  return -1;
};

/**
 * The default byte measure: strings (UTF-8) and byte containers, and those
 * directly inside an array or record (one level).
 *
 * @example
 * ```ts
 * measureBytes(["héllo", new Uint8Array(4)]); // 10
 * ```
 */
export function measureBytes(value: unknown): number {
  const leaf = leafBytes(value);
  if (leaf >= 0) return leaf;
  let total = 0;
  let seen = 0;
  for (const key of ownKeys(value as object)) {
    if (seen >= MAX_MEASURED_ENTRIES) break;
    seen += 1;
    const desc = getOwnPropertyDescriptor(value as object, key);
    if (desc && "value" in desc) total += Math.max(0, leafBytes(desc.value));
  }
  return total;
}

/** Apply `f` to a result now, or when its promise fulfils. */
export const afterResult = (result: unknown, f: (value: unknown) => void): unknown => {
  if (result instanceof Promise) {
    return apply(PromiseThen, result, [
      (v: unknown) => {
        f(v);
        return v;
      },
    ]);
  }
  f(result);
  return result;
};

/**
 * Limit how many calls reach `cap`: `n` in total, or per method with a record
 * (methods not in the record are unlimited).
 *
 * @example
 * ```ts
 * const limited = callQuota(http, 100, { name: "api" });
 * const perMethod = callQuota(fs, { write: 10 }, { name: "fs" });
 * ```
 */
export function callQuota<T extends Capability>(
  cap: T,
  limit: number | Readonly<Record<string, number>>,
  options?: AttenuateOptions,
): T {
  const name = capabilityName(options);
  const perMethod = new Map<string, number>();
  let total = Infinity;
  if (typeof limit === "number") total = checkLimit(limit, "callQuota limit");
  else if (typeof limit === "object" && limit !== null) {
    for (const [method, n] of Object.entries(limit))
      perMethod.set(method, checkLimit(n, `callQuota limit of ${method}`));
  } else checkLimit(limit, "callQuota limit");
  let used = 0;
  const usedBy = new Map<string, number>();
  return wrapCapability(cap, name, (method, _args, next) => {
    const own = perMethod.get(method);
    const ownUsed = usedBy.get(method) ?? 0;
    if (used >= total) {
      throw new CellError(
        "QUOTA_EXCEEDED",
        `Denied: ${name}.${method}: the call quota of ${total} calls is used up.`,
      );
    }
    if (own !== undefined && ownUsed >= own) {
      throw new CellError(
        "QUOTA_EXCEEDED",
        `Denied: ${name}.${method}: the call quota of ${own} calls for ${method} is used up.`,
      );
    }
    used += 1;
    usedBy.set(method, ownUsed + 1);
    return next();
  }).cap;
}

/** Options of {@link byteQuota}. */
export interface ByteQuotaOptions extends AttenuateOptions {
  /** How many bytes a value counts for (default {@link measureBytes}). If it throws, the value counts as unlimited. */
  measure?: (value: unknown) => number;
}

/**
 * Limit the bytes that flow through `cap`, counting every argument and
 * every result.
 *
 * @example
 * ```ts
 * const fs10mb = byteQuota(fs, 10 * 1024 * 1024, { name: "fs" });
 * ```
 */
export function byteQuota<T extends Capability>(
  cap: T,
  bytes: number,
  options: ByteQuotaOptions = {},
): T {
  const name = capabilityName(options);
  const limit = checkLimit(bytes, "byteQuota limit");
  const measure = options.measure ?? measureBytes;
  // A measure that throws or answers nonsense fails closed: the value counts
  // as unlimited bytes, and the host's error never reaches the cell.
  const count = (value: unknown): number => {
    let n: unknown;
    try {
      n = measure(value);
    } catch {
      return Infinity;
    }
    if (typeof n !== "number" || Number.isNaN(n)) return Infinity;
    return n > 0 ? n : 0;
  };
  let used = 0;
  return wrapCapability(cap, name, (method, args, next) => {
    let incoming = 0;
    for (const arg of args) incoming += count(arg);
    if (used >= limit || used + incoming > limit) {
      throw new CellError(
        "QUOTA_EXCEEDED",
        `Denied: ${name}.${method}: the byte quota of ${limit} bytes is used up (${used} used, ${incoming} more requested).`,
      );
    }
    used += incoming;
    return afterResult(next(), (result) => {
      used += count(result);
    });
  }).cap;
}
