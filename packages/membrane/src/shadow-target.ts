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
 *    `typeof`, `Array.isArray` (which sees through proxies without traps) and
 *    a construct probe on a trap-free proxy.
 */
import { ArrayIsArray, ProxyCtor } from "./commons.js";

const constructProbe: ProxyHandler<never> = {
  construct() {
    return {};
  },
};

/** Whether `fn` has a [[Construct]] internal method, without running it. */
const isConstructor = (fn: object): boolean => {
  try {
    const probe = new ProxyCtor(fn as never, constructProbe) as unknown as new () => unknown;
    new probe();
    return true;
  } catch {
    return false;
  }
};

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
    // Bound functions have no own `prototype` (whose non-configurability
    // would bind the view), and are constructible exactly when their target is.
    const shadow = isConstructor(real) ? function () {}.bind(null) : (() => {}).bind(null);
    delete (shadow as { name?: string }).name;
    delete (shadow as { length?: number }).length;
    return shadow;
  }
  if (isArray(real)) return [];
  return Object.create(null) as object;
};
