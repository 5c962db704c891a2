/**
 * Shadow targets: the objects a membrane proxy is built on instead of the
 * real target.
 *
 * A Proxy's invariants (non-configurable properties, non-extensibility,
 * the prototype of a non-extensible object) are checked against its target.
 * Building every proxy on a fresh shadow of the same callable/constructible/
 * array kind lets the membrane report a *view* of the real object (hidden
 * keys, substituted values, wrapped values) without ever violating an
 * invariant: whatever the view reports as fixed, it first writes onto the
 * shadow.
 *
 * Invariants:
 * 1. A shadow is never reachable by anyone but the membrane.
 * 2. Probing a value's kind runs none of its code, even if it is a Proxy:
 *    only `typeof` and `Array.isArray` (which sees through proxies without
 *    traps).
 *
 * Every function shadow is constructible: `new view()` on a function that is
 * not a constructor fails inside the construct trap with the engine's own
 * "is not a constructor" TypeError. (Probing constructibility would cost an
 * exception per non-constructor, the most common kind of method.)
 */
import { ArrayIsArray } from "./commons.js";

const isArray = (value: object): boolean => {
  try {
    return ArrayIsArray(value);
  } catch {
    // A revoked Proxy: it is wrapped as a plain object, and every use of it
    // fails in the owner's realm with the owner's error.
    return false;
  }
};

/** Makes an empty shadow of the same kind as `real`. */
export const makeShadow = (real: object): object => {
  if (typeof real === "function") {
    // A bound function has no own `prototype` (whose non-configurability
    // would bind the view) and is constructible because its target is.
    const shadow = function () {}.bind(null);
    delete (shadow as { name?: string }).name;
    delete (shadow as { length?: number }).length;
    return shadow;
  }
  if (isArray(real)) return [];
  return Object.create(null) as object;
};
