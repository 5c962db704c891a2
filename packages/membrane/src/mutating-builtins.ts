/**
 * The built-in methods that mutate an object's internal slots rather than its
 * properties, which a read-only view must refuse to call.
 *
 * Property mutation (including every `Array.prototype` mutator) goes through
 * the membrane's set/define/delete traps. What does not is a method that
 * writes an internal slot of `this`; the spec's list of those, for the kinds
 * the membrane passes by reference, is closed and short. (Dates, typed arrays
 * and buffers cross by copy, so their mutators act on the guest's own copy.)
 */
import { SetCtor } from "./commons.js";

const mutators = new SetCtor<unknown>([
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

/** Whether `fn` is a built-in method that mutates internal slots. */
export const isMutatingBuiltin = (fn: unknown): boolean => mutators.has(fn);
