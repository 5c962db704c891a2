/**
 * Recognises the realm's shared, frozen intrinsics (`Array.prototype`,
 * `Object.prototype`, `Math`, `JSON`, `Array.prototype.push`, iterator
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
 * 2. Brand-checked methods (`Map.prototype.get` ...) are not listed: reached
 *    through a view they are wrapped, so that they get their real receiver.
 *    Every other intrinsic function is generic and passes raw, so it acts on
 *    a view only through the view's traps, where policies apply (this closes
 *    the class "a built-in algorithm mutates the raw target": a raw
 *    `Array.prototype.push` on a read-only view is refused by the view).
 * 3. Only frozen objects are listed; if the realm is not locked down nothing
 *    is, and every object is wrapped.
 */
import { isBrandChecked } from "./brand-checked-methods.js";
import {
  ObjectIsFrozen,
  ReflectGet,
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
    if (!isBrandChecked(object)) found.add(object);
    const proto = ReflectGetPrototypeOf(object);
    if (proto !== null) stack.push(proto);
    for (const key of ReflectOwnKeys(object)) {
      const desc = ReflectGetOwnPropertyDescriptor(object, key) as PropertyDescriptor;
      for (const value of [desc.value, desc.get, desc.set]) {
        if (isObjectLike(value)) stack.push(value);
      }
      // SES's override taming turns data properties into accessors whose
      // getter returns the original value: collect that value too.
      if (desc.get !== undefined) {
        try {
          const value: unknown = ReflectGet(object, key);
          if (isObjectLike(value)) stack.push(value);
        } catch {
          // A native brand-checked getter read on its own prototype.
        }
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
