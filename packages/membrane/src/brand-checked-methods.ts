/**
 * The built-in methods that only work on an object's internal slots
 * ("brand-checked": `Map.prototype.get` throws unless `this` really is a
 * Map), and the ones among them that mutate those slots.
 *
 * Every other intrinsic function is generic: it reaches its receiver only
 * through property operations, so it passes through a membrane unwrapped and
 * acts on a view *through the view's traps*, where policies apply. The
 * brand-checked ones cannot act on a proxy, so when reached through a view
 * they are wrapped and called with the view's real object as `this` (see
 * domain.ts, invariant 2, for why that cannot amplify). A read-only view
 * refuses the mutating ones.
 *
 * The list is closed: it is every method of the built-in prototypes whose
 * methods check internal slots of kinds the membrane passes by reference.
 * (Dates, typed arrays, buffers and regular expressions cross by copy.)
 */
import {
  ReflectGet,
  ReflectGetOwnPropertyDescriptor,
  ReflectGetPrototypeOf,
  ReflectOwnKeys,
  SetCtor,
} from "./commons.js";

const generatorPrototype = ReflectGetPrototypeOf(function* () {}.prototype) as object;
const asyncGeneratorPrototype = ReflectGetPrototypeOf(async function* () {}.prototype) as object;
const mapIteratorPrototype = ReflectGetPrototypeOf(new Map().entries()) as object;
const setIteratorPrototype = ReflectGetPrototypeOf(new Set().values()) as object;

const brandChecked = new SetCtor<unknown>();
for (const proto of [
  Map.prototype,
  Set.prototype,
  WeakMap.prototype,
  WeakSet.prototype,
  WeakRef.prototype,
  FinalizationRegistry.prototype,
  mapIteratorPrototype,
  setIteratorPrototype,
  generatorPrototype,
  asyncGeneratorPrototype,
]) {
  for (const key of ReflectOwnKeys(proto)) {
    if (key === "constructor") continue;
    const desc = ReflectGetOwnPropertyDescriptor(proto, key) as PropertyDescriptor;
    // SES's override taming turns some data properties into accessors whose
    // getter returns the method: list the method as well as the accessors.
    const methods = [desc.value, desc.get, desc.set];
    if (desc.get !== undefined) {
      try {
        methods.push(ReflectGet(proto, key));
      } catch {
        // A native brand-checked getter (`Map.prototype.size`) on the prototype itself.
      }
    }
    for (const fn of methods) if (typeof fn === "function") brandChecked.add(fn);
  }
}
// Promise.prototype.then checks its receiver's slots; catch and finally are
// generic (they call `this.then`).
brandChecked.add(Promise.prototype.then);

const mutating = new SetCtor<unknown>([
  Map.prototype.set,
  Map.prototype.delete,
  Map.prototype.clear,
  Set.prototype.add,
  Set.prototype.delete,
  Set.prototype.clear,
  WeakMap.prototype.set,
  WeakMap.prototype.delete,
  WeakSet.prototype.add,
  WeakSet.prototype.delete,
  FinalizationRegistry.prototype.register,
  FinalizationRegistry.prototype.unregister,
]);

/** Whether `fn` is a built-in method that needs its real receiver. */
export const isBrandChecked = (fn: unknown): boolean => brandChecked.has(fn);

/** Whether `fn` is a built-in method that mutates its receiver's internal slots. */
export const isMutatingBuiltin = (fn: unknown): boolean => mutating.has(fn);
