/**
 * Code-free checks of guest values: what the membrane may learn about a
 * value crossing towards the host without running any code of the guest.
 *
 * Why: a guest can pass, throw or reject a `Proxy` whose traps throw, loop
 * forever or call the guest's capabilities. Any ordinary question asked of
 * such a value (`instanceof`, a prototype walk, a property read, a `then`
 * or `constructor` lookup) runs those traps with host frames on the stack.
 * JavaScript has no standard way to tell a Proxy from the object it stands
 * for, so these checks use the engine's own brand checks (internal slots,
 * never traps): Node's `util.types`, found through `process.getBuiltinModule`
 * and captured once at load.
 *
 * Invariants (each closes the class "guest code runs while the membrane
 * converts a guest value for the host"):
 * 1. No function here runs code of the value's owner: brand checks read
 *    internal slots only, and a prototype or own property is read only off
 *    an object that is not a Proxy (for which those reads are plain slot
 *    reads of the engine).
 * 2. Fail closed: in a realm without these brand checks every object counts
 *    as a Proxy and no object as a promise, so guest objects are wrapped,
 *    never read, and thrown ones are refused.
 *
 * It does not decide what crosses how (domain.ts does).
 */
import {
  ObjectPrototype,
  PromisePrototype,
  ReflectGetOwnPropertyDescriptor,
  ReflectGetPrototypeOf,
} from "./commons.js";

interface BrandChecks {
  readonly isProxy: (value: unknown) => boolean;
  readonly isPromise: (value: unknown) => boolean;
  readonly isNativeError: (value: unknown) => boolean;
}

const platformBrandChecks = (): BrandChecks | undefined => {
  const host = globalThis as {
    process?: { getBuiltinModule?: (id: string) => { types?: Partial<BrandChecks> } | undefined };
  };
  const types = host.process?.getBuiltinModule?.("node:util")?.types;
  if (
    typeof types?.isProxy !== "function" ||
    typeof types.isPromise !== "function" ||
    typeof types.isNativeError !== "function"
  ) {
    return undefined;
  }
  return { isProxy: types.isProxy, isPromise: types.isPromise, isNativeError: types.isNativeError };
};

const brands: BrandChecks = platformBrandChecks() ?? {
  isProxy: () => true,
  isPromise: () => false,
  isNativeError: () => false,
};

/** Whether `value` is a Proxy (or may be one, in a realm without brand checks). */
export const isProxy: (value: unknown) => boolean = brands.isProxy;

/** Whether `value` is a real promise (internal slots; a Proxy never is). */
export const isPromise: (value: unknown) => boolean = brands.isPromise;

/** Whether `value` is a real error object (internal slots; a Proxy never is). */
export const isNativeError: (value: unknown) => boolean = brands.isNativeError;

/** How far up a prototype chain the code-free walks look. */
const MAX_DEPTH = 16;

/**
 * Whether `value` is a promise that `Promise.prototype.then` can subscribe to
 * without running guest code: `then` looks up `constructor` (the promise's
 * species) and calls what it finds, so only a real promise whose prototype is
 * the intrinsic one and that has no own `constructor` qualifies (closes
 * "a promise's species or constructor getter runs while it is bridged").
 */
export const isInertPromise = (value: object): boolean =>
  isPromise(value) &&
  ReflectGetPrototypeOf(value) === PromisePrototype &&
  ReflectGetOwnPropertyDescriptor(value, "constructor") === undefined;

/**
 * Whether resolving a promise with `value` runs no guest code and adopts
 * nothing: reading `value.then` meets no Proxy and no accessor, and finds no
 * function (closes "a fulfilled value's `then` lookup runs a guest trap", and
 * "a guest thenable rejects a host promise with a guest object").
 */
export const hasInertThen = (value: object): boolean => {
  let current: object | null = value;
  for (let depth = 0; current !== null && depth < MAX_DEPTH; depth += 1) {
    if (current === ObjectPrototype) return true;
    if (isProxy(current)) return false;
    const desc = ReflectGetOwnPropertyDescriptor(current, "then");
    if (desc !== undefined) return "value" in desc && typeof desc.value !== "function";
    current = ReflectGetPrototypeOf(current);
  }
  return current === null;
};

/**
 * Whether `prototype` is on the chain of `value`, found without running
 * guest code: the walk stops (answering no) at the first Proxy.
 */
export const inheritsFrom = (value: object, prototype: object): boolean => {
  let current: object | null = value;
  for (let depth = 0; current !== null && depth < MAX_DEPTH; depth += 1) {
    if (isProxy(current)) return false;
    current = ReflectGetPrototypeOf(current);
    if (current === prototype) return true;
  }
  return false;
};
