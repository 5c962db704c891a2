/**
 * The one mechanism every attenuator is built on: read a capability's
 * methods once, and make a new hardened object whose methods pass each call
 * through a guard before reaching the original.
 *
 * Invariants:
 * 1. Only own, enumerable, string-keyed data properties whose value is a
 *    function are forwarded, and each is read exactly once, here. Accessors
 *    never run, later changes to the target are not seen, and a proxy cannot
 *    answer differently later. Anything else (getters, data, symbols) is not
 *    forwarded, except that a wrapper made with `keepData` (one that only
 *    observes calls, like auditing) carries the target's own enumerable data
 *    properties too, read once the same way, so observing a capability never
 *    changes what its holder sees.
 * 2. If reading the target throws (a hostile proxy or revoked membrane), the
 *    error is replaced by `ATTENUATE_INVALID_TARGET`; the original error,
 *    which may hold host details, is dropped.
 * 3. The wrapper is a hardened object of methods only; it exposes no way to
 *    reach the target (no `unwrap`, no property holding it), so attenuation
 *    can only narrow.
 * 4. `drop()` forgets the target and its methods, so a revoked or exhausted
 *    wrapper no longer keeps the target alive; calls after that fail with the
 *    error the attenuator chose.
 * 5. A method that is an `async` function (or a wrapper of one) keeps its
 *    shape: denials come back as rejected promises, never as synchronous
 *    throws, so `cap.read().catch(...)` works at every layer. Other methods
 *    throw denials synchronously, before the target runs.
 *
 * It does not decide policy; each `attenuate-*.ts` file supplies a guard.
 */
import { types } from "node:util";
import { CellError } from "@padded-cell/membrane";

const { apply, ownKeys, getOwnPropertyDescriptor } = Reflect;
const { defineProperty } = Object;
const { isAsyncFunction } = types;
const PromiseReject = Promise.reject.bind(Promise);
/** Wrappers made for async methods, so wrapping them again keeps them async. */
const asyncWrappers = new WeakSet<object>();

/** A capability: an object whose own enumerable properties are methods. */
export type Capability = object;

/** Common options of every attenuator. */
export interface AttenuateOptions {
  /** The capability's name in error messages and audit records (default "capability"). */
  name?: string;
}

/**
 * A guard runs around each call. It may throw to deny, call `next()` to
 * forward (at most once), and inspect or replace the result.
 */
export type Guard = (method: string, args: readonly unknown[], next: () => unknown) => unknown;

/** The label used for a capability in messages. */
export const capabilityName = (options: AttenuateOptions | undefined): string =>
  options?.name ?? "capability";

/**
 * Read the forwardable methods of `cap` once.
 *
 * @example
 * ```ts
 * readMethods(harden({ read() {}, size: 3 }), "notes"); // Map { "read" => [Function] }
 * ```
 */
export function readMethods(
  cap: unknown,
  name: string,
): Map<string, (...args: unknown[]) => unknown> {
  const bad = () =>
    new CellError(
      "ATTENUATE_INVALID_TARGET",
      `Cannot attenuate ${name}: it is not an object of methods.`,
    );
  if ((typeof cap !== "object" && typeof cap !== "function") || cap === null) throw bad();
  const methods = new Map<string, (...args: unknown[]) => unknown>();
  try {
    for (const key of ownKeys(cap)) {
      if (typeof key !== "string") continue;
      const desc = getOwnPropertyDescriptor(cap, key);
      if (desc === undefined || !desc.enumerable || !("value" in desc)) continue;
      const value: unknown = desc.value;
      if (typeof value === "function") methods.set(key, value as (...args: unknown[]) => unknown);
    }
  } catch {
    throw bad();
  }
  return methods;
}

/** The own, enumerable, string-keyed data properties of `cap` that are not functions, read once. */
const readData = (cap: object, name: string): Array<[string, unknown]> => {
  const data: Array<[string, unknown]> = [];
  try {
    for (const key of ownKeys(cap)) {
      if (typeof key !== "string") continue;
      const desc = getOwnPropertyDescriptor(cap, key);
      if (desc === undefined || !desc.enumerable || !("value" in desc)) continue;
      if (typeof desc.value !== "function") data.push([key, desc.value]);
    }
  } catch {
    throw new CellError(
      "ATTENUATE_INVALID_TARGET",
      `Cannot attenuate ${name}: it is not an object of methods.`,
    );
  }
  return data;
};

/** Options of {@link wrapCapability}. */
export interface WrapOptions {
  /** Carry the target's data properties as they are (invariant 1); for wrappers that narrow nothing. */
  keepData?: boolean;
  /** Which methods to keep (default: all). */
  keep?: (method: string) => boolean;
  /** The error thrown by calls after `drop()`. */
  onDropped?: (method: string) => Error;
}

/**
 * Wrap a capability: every forwarded method runs through `guard`.
 *
 * @example
 * ```ts
 * const { cap: logged } = wrapCapability(fs, "fs", (method, args, next) => {
 *   console.log(method);
 *   return next();
 * }, { onDropped: () => new CellError("REVOKED", "fs was revoked.") });
 * ```
 */
export function wrapCapability<T extends Capability>(
  cap: T,
  name: string,
  guard: Guard,
  extra: WrapOptions = {},
): { cap: T; drop(): void } {
  const keep = extra.keep ?? (() => true);
  const onDropped =
    extra.onDropped ??
    ((method: string) =>
      new CellError("ATTENUATE_INVALID_TARGET", `${name}.${method} is no longer available.`));
  let methods: Map<string, (...args: unknown[]) => unknown> | undefined = readMethods(cap, name);
  // Invariant 4: the target is reachable only through this variable.
  let target: unknown = cap;
  const wrapper = {};
  for (const method of methods.keys()) {
    if (!keep(method)) continue;
    const invoke = (args: unknown[]): unknown => {
      const fn = methods?.get(method);
      if (fn === undefined) throw onDropped(method);
      const held = target;
      let forwarded = false;
      return guard(method, args, () => {
        if (forwarded) throw new Error("attenuator guard forwarded twice");
        forwarded = true;
        return apply(fn, held, args);
      });
    };
    // Invariant 5: an async method stays async, denials included.
    const original = methods.get(method)!;
    const isAsync = isAsyncFunction(original) || asyncWrappers.has(original);
    const call = isAsync
      ? (...args: unknown[]): unknown => {
          try {
            return invoke(args);
          } catch (error) {
            return PromiseReject(error);
          }
        }
      : (...args: unknown[]): unknown => invoke(args);
    if (isAsync) asyncWrappers.add(call);
    defineProperty(call, "name", { value: method });
    defineProperty(wrapper, method, {
      value: call,
      enumerable: true,
      writable: false,
      configurable: false,
    });
  }
  if (extra.keepData === true) {
    for (const [key, value] of readData(cap, name)) {
      defineProperty(wrapper, key, {
        value,
        enumerable: true,
        writable: false,
        configurable: false,
      });
    }
  }
  return {
    cap: harden(wrapper) as T,
    drop() {
      methods = undefined;
      target = undefined;
    },
  };
}

/** Whether an attenuator limit is a non-negative number (`Infinity` allowed). */
export const checkLimit = (value: unknown, what: string): number => {
  if (typeof value !== "number" || !(value >= 0)) {
    throw new CellError("ATTENUATE_INVALID_OPTION", `${what} must be a non-negative number.`);
  }
  return value;
};
