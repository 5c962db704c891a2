/**
 * Recognises the realm's shared, frozen, non-function intrinsics
 * (`Array.prototype`, `Object.prototype`, `Math`, `JSON`, iterator
 * prototypes ...), which the membrane passes through unwrapped.
 *
 * Why it is safe: after SES `lockdown()` these objects are frozen, carry no
 * authority, and are the very same objects on the host and guest sides of a
 * Compartment. Passing them raw keeps `instanceof Array`, prototype checks and
 * generic array methods working on wrapped values.
 *
 * Invariants:
 * 1. Only objects reachable from a fresh Compartment's global object are
 *    listed, never that global itself, nor its evaluators (`eval`,
 *    `Function`, `Compartment`), which are per-compartment powers.
 * 2. Functions are never listed: an intrinsic function reached through a
 *    wrapped value is wrapped like any other, so that calling it forwards an
 *    unwrapped `this` (brand-checked methods such as `Map.prototype.get` work).
 * 3. Only frozen objects are listed; if the realm is not locked down nothing
 *    is, and every object is wrapped.
 */
import {
  ObjectIsFrozen,
  ReflectGetOwnPropertyDescriptor,
  ReflectGetPrototypeOf,
  ReflectOwnKeys,
  WeakSetCtor,
  isObjectLike,
} from "./commons.js";

const PER_COMPARTMENT = new Set<PropertyKey>(["globalThis", "eval", "Function", "Compartment"]);

let shared: WeakSet<object> | undefined;

const collect = (): WeakSet<object> => {
  const found = new WeakSetCtor<object>();
  const seen = new Set<object>();
  if (typeof Compartment !== "function" || !ObjectIsFrozen(Object.prototype)) return found;
  const globals = new Compartment().globalThis as Record<PropertyKey, unknown>;
  const stack: object[] = [];
  for (const key of ReflectOwnKeys(globals)) {
    if (PER_COMPARTMENT.has(key)) continue;
    const desc = ReflectGetOwnPropertyDescriptor(globals, key);
    if (desc && isObjectLike(desc.value)) stack.push(desc.value);
  }
  while (stack.length > 0) {
    const object = stack.pop() as object;
    if (seen.has(object) || object === globals) continue;
    seen.add(object);
    if (!ObjectIsFrozen(object)) continue;
    if (typeof object !== "function") found.add(object);
    const proto = ReflectGetPrototypeOf(object);
    if (proto !== null) stack.push(proto);
    for (const key of ReflectOwnKeys(object)) {
      const desc = ReflectGetOwnPropertyDescriptor(object, key) as PropertyDescriptor;
      for (const value of [desc.value, desc.get, desc.set]) {
        if (isObjectLike(value)) stack.push(value);
      }
    }
  }
  return found;
};

/** Whether `value` is a shared frozen intrinsic that needs no wrapping. */
export const isSharedIntrinsic = (value: object): boolean => {
  shared ??= collect();
  return shared.has(value);
};
