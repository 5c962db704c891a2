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
 * 3. Node's `util.inspect` reads a Proxy's target, never its traps, so a
 *    view would print as its empty shadow. Object and array shadows inherit
 *    from a prototype whose `util.inspect.custom` prints the view through
 *    its own traps instead (descriptors only: accessors print as
 *    `[Getter]`, never run). Once the handler writes a view onto its shadow
 *    (`sync`), the shadow takes the view's prototype and prints as itself.
 *
 * Every function shadow is constructible: `new view()` on a function that is
 * not a constructor fails inside the construct trap with the engine's own
 * "is not a constructor" TypeError. (Probing constructibility would cost an
 * exception per non-constructor, the most common kind of method.)
 */
import { ArrayIsArray, ObjectCreate, ObjectFreeze } from "./commons.js";

const { ownKeys, getOwnPropertyDescriptor, defineProperty } = Reflect;
const INSPECT = Symbol.for("nodejs.util.inspect.custom");
type Inspect = (value: unknown, options: object) => string;

/**
 * Invariant 3: a plain copy of the view `this`, one level deep (nested views
 * print themselves the same way), handed back to Node's inspect.
 */
function inspectView(
  this: object,
  depth: number | null,
  options: object,
  inspect: Inspect,
): string {
  let keys: Array<string | symbol>;
  try {
    keys = ownKeys(this);
  } catch {
    return "[view that cannot be read]"; // revoked, or its owner's trap threw
  }
  const copy: object = ArrayIsArray(this) ? [] : {};
  for (const key of keys) {
    const desc = getOwnPropertyDescriptor(this, key);
    if (desc === undefined) continue;
    defineProperty(
      copy,
      key,
      "value" in desc
        ? {
            value: desc.value,
            enumerable: desc.enumerable === true,
            writable: true,
            configurable: true,
          }
        : { get: () => undefined, enumerable: desc.enumerable === true, configurable: true },
    );
  }
  // `depth` is what is left of the caller's depth at this level.
  return inspect(copy, { ...options, depth });
}
const OBJECT_SHADOW_PROTO = ObjectFreeze(
  ObjectCreate(null, { [INSPECT]: { value: inspectView } }) as object,
);
const ARRAY_SHADOW_PROTO = ObjectFreeze(
  ObjectCreate(Array.prototype, { [INSPECT]: { value: inspectView } }) as object,
);
ObjectFreeze(inspectView);

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
  if (isArray(real)) return Object.setPrototypeOf([], ARRAY_SHADOW_PROTO) as object;
  return ObjectCreate(OBJECT_SHADOW_PROTO) as object;
};
