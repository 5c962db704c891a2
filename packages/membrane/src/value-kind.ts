/**
 * Classifies a value that is about to cross a membrane, by one walk up its
 * prototype chain: is it a copied kind (bytes, Date, RegExp), an error, a
 * promise, or an object to wrap?
 *
 * Invariants:
 * 1. The walk reads only prototypes (at most MAX_PROTO_DEPTH of them) and
 *    throws nothing on the common path, so classification is cheap and a
 *    hostile chain (very deep, cyclic through proxies) cannot stall it.
 * 2. It runs no code of the value's owner: it stops at the first Proxy on
 *    the chain (a brand check, not a trap), and what it has not reached is
 *    not recognised (closes "a guest Proxy's getPrototypeOf trap runs while
 *    the membrane classifies a value").
 */
import { ObjectPrototype, PromisePrototype, ReflectGetPrototypeOf } from "./commons.js";
import { MAX_PROTO_DEPTH, errorCtors } from "./error-copy.js";
import { copiedKinds } from "./value-copy.js";
import { isProxy } from "./value-brand.js";

/** What a value is, for crossing. */
export interface Kind {
  /** The copied kind its prototype announces ("Date", ...), if any. */
  readonly copied?: string;
  /** Its intrinsic error constructor, if it is an error. */
  readonly error?: ErrorConstructor;
  /** Whether it is a promise. */
  readonly promise?: boolean;
}

const PLAIN: Kind = Object.freeze({});
const PROMISE: Kind = Object.freeze({ promise: true });

/** Classifies `value` (an object or function). */
export const kindOf = (value: object): Kind => {
  let current: object | null = value;
  for (let depth = 0; depth < MAX_PROTO_DEPTH; depth += 1) {
    if (isProxy(current)) return PLAIN;
    current = ReflectGetPrototypeOf(current);
    if (current === null || current === ObjectPrototype) return PLAIN;
    if (current === PromisePrototype) return PROMISE;
    const error = errorCtors.get(current);
    if (error !== undefined) return { error };
    const copied = copiedKinds.get(current);
    if (copied !== undefined) return { copied };
  }
  return PLAIN;
};
