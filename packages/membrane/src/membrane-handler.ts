/**
 * The proxy traps of a membrane: one handler per domain and direction.
 *
 * A handler serves proxies facing one side ("towards the guest": host
 * objects seen by the guest; or "towards the host": guest objects seen by the
 * host). In every trap, values going to the real object are converted
 * inward, values coming back are converted outward, and anything thrown is
 * converted for the caller.
 *
 * Invariants:
 * 1. Every trap first checks revocation and throws the membrane's
 *    RevokedError (never an engine TypeError); a call that was in flight when
 *    revocation happened throws it too when it returns.
 * 2. Nothing crosses unconverted: `this`, arguments, `new.target`, values
 *    set or defined, property values, getter/setter functions, prototypes,
 *    results and thrown values all pass through the domain's conversions.
 * 3. The view is kept consistent with its shadow target, so no Proxy
 *    invariant can fail: anything reported as non-configurable or
 *    non-extensible is first written onto the shadow.
 * 4. Freezing a view (`Object.freeze`, `harden`) never freezes the real
 *    object: the view detaches into a frozen snapshot on its shadow.
 * 5. Policies (towards the guest only) are enforced here: hidden keys are
 *    absent on every path (get, has, keys, descriptors, prototype chain), a
 *    read-only view refuses every mutation, observers see each access first.
 *
 * Revocation drops `real`, `calls` and `proxies`, the only references from the
 * membrane to real targets, so revoked targets can be collected.
 *
 * The traps of a view facing the host run guest code only because the host
 * asked (it read a property, called a function); the conversions they make
 * are the domain's, which run none (domain.ts, invariant 4). Nothing here
 * inspects a guest value otherwise: `Array.isArray` is only ever asked of
 * shadows, and keys reach the traps already converted by the engine.
 */
import { CellError } from "./cell-error.js";
import {
  ArrayIsArray,
  ObjectFreeze,
  ObjectIsFrozen,
  ReflectApply,
  ReflectConstruct,
  ReflectDefineProperty,
  ReflectDeleteProperty,
  ReflectGet,
  ReflectGetOwnPropertyDescriptor,
  ReflectGetPrototypeOf,
  ReflectHas,
  ReflectIsExtensible,
  ReflectOwnKeys,
  ReflectPreventExtensions,
  ReflectSet,
  ReflectSetPrototypeOf,
  SetCtor,
  WeakMapCtor,
  isObjectLike,
} from "./commons.js";
import { isMutatingBuiltin } from "./brand-checked-methods.js";
import type { PolicyRecord } from "./policy.js";

/** What a live shadow stands for. */
export interface Link {
  readonly real: object;
  readonly proxy: object;
}

const isObject = (value: unknown): value is object =>
  (typeof value === "object" && value !== null) || typeof value === "function";

const describeKey = (key: string | symbol): string => {
  const text = typeof key === "symbol" ? key.toString() : `"${key}"`;
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
};

/**
 * What a handler needs of the domain it serves (domain.ts implements it).
 * Declared here, not imported, so the handler does not depend on the domain
 * that constructs it.
 */
export interface Domain {
  readonly lifetime: { isGone(): boolean };
  readonly policy: PolicyRecord | null;
  child(): Domain;
  revokedError(): Error;
  toGuest(value: object): unknown;
  toHost(value: object): unknown;
  thrownToGuest(error: unknown): unknown;
  thrownToHost(error: unknown): unknown;
}

/** Traps for the proxies of one domain, facing one side. */
export class MembraneHandler implements ProxyHandler<object> {
  /** Shadow → real target and proxy, while the view is live (not detached). `null` once revoked. */
  real: WeakMap<object, Link> | null = new WeakMapCtor();
  /** Shadow → real function, for calls; kept when the view detaches. `null` once revoked. */
  calls: WeakMap<object, object> | null = new WeakMapCtor();
  /** Proxy → real target. `null` once revoked. */
  proxies: WeakMap<object, object> | null = new WeakMapCtor();
  readonly domain: Domain;
  readonly lifetime: Domain["lifetime"];
  readonly towardsGuest: boolean;
  /** The policy enforced by this handler: only towards the guest. */
  readonly policy: PolicyRecord | null;
  #child: Domain | undefined;

  constructor(domain: Domain, towardsGuest: boolean) {
    this.domain = domain;
    this.lifetime = domain.lifetime;
    this.towardsGuest = towardsGuest;
    this.policy = towardsGuest ? domain.policy : null;
  }

  /** The domain of everything reached through this handler's proxies. */
  child(): Domain {
    return (this.#child ??= this.domain.child());
  }

  /** Convert a value coming out of the real object, for the caller. */
  out(value: unknown, domain: Domain = this.child()): unknown {
    if (!isObjectLike(value)) return value;
    return this.towardsGuest ? domain.toGuest(value) : domain.toHost(value);
  }

  /** Convert a value going into the real object. */
  in(value: unknown): unknown {
    if (!isObjectLike(value)) return value;
    return this.towardsGuest ? this.child().toHost(value) : this.child().toGuest(value);
  }

  /** Convert anything thrown, for the caller. */
  fail(error: unknown): unknown {
    return this.towardsGuest ? this.domain.thrownToGuest(error) : this.domain.thrownToHost(error);
  }

  /** Shadow → link; throws if revoked (invariant 1). */
  links(): WeakMap<object, Link> {
    const real = this.real;
    if (real === null || this.lifetime.isGone()) throw this.domain.revokedError();
    return real;
  }

  /** The real target of `shadow`; `undefined` if the view is detached. */
  target(shadow: object): object | undefined {
    return this.links().get(shadow)?.real;
  }

  /** The real function of a callable `shadow`; throws if revoked. */
  callee(shadow: object): object {
    const calls = this.calls;
    if (calls === null || this.lifetime.isGone()) throw this.domain.revokedError();
    return calls.get(shadow) as object;
  }

  assertAlive(): void {
    if (this.real === null || this.lifetime.isGone()) throw this.domain.revokedError();
  }

  // --- policy ------------------------------------------------------------

  notify(op: string, key?: string | symbol): void {
    const observers = (this.policy as PolicyRecord).observers;
    if (observers.length === 0) return;
    const event = ObjectFreeze(key === undefined ? { op } : { op, key });
    for (const observer of observers) observer(event);
  }

  /**
   * An array view always shows its real `length`: the shadow array has it
   * non-configurable, so hiding or replacing it would break a Proxy
   * invariant. (Writing it is still refused by a policy that hides it.)
   */
  fixedKey(shadow: object, key: string | symbol): boolean {
    return key === "length" && ArrayIsArray(shadow);
  }

  hidden(shadow: object, key: string | symbol): boolean {
    const hides = (this.policy as PolicyRecord).hides;
    return hides !== null && hides(key) && !this.fixedKey(shadow, key);
  }

  substituted(shadow: object, key: string | symbol): boolean {
    const substitutes = (this.policy as PolicyRecord).substitutes;
    return substitutes !== null && substitutes.has(key) && !this.fixedKey(shadow, key);
  }

  /** Throws if the policy forbids changing `key` (or the object, if no key). */
  checkWrite(shadow: object, op: string, key?: string | symbol): void {
    const policy = this.policy;
    if (policy === null) return;
    this.notify(op, key);
    const what = key === undefined ? "this object" : describeKey(key);
    if (policy.readOnly) {
      throw new CellError(
        "MEMBRANE_READ_ONLY",
        `Cannot ${op} ${what}: this view is read-only (granted with readOnly()); it needs a writable grant.`,
      );
    }
    // The policy's own list decides writes, with no exemption for `length`.
    if (
      key !== undefined &&
      (policy.hides?.(key) === true || policy.substitutes?.has(key) === true)
    ) {
      throw new CellError(
        "MEMBRANE_HIDDEN",
        `Cannot ${op} ${what}: this view does not expose it (policy ${policy.description}).`,
      );
    }
  }

  // --- the view of the real object ----------------------------------------

  /** The descriptor the view reports for `key`, converted outward. */
  describe(shadow: object, real: object, key: string | symbol): PropertyDescriptor | undefined {
    if (this.policy !== null) {
      if (this.hidden(shadow, key)) return undefined;
      if (this.substituted(shadow, key)) {
        const value = (this.policy.substitutes as ReadonlyMap<PropertyKey, unknown>).get(key);
        return { value: this.out(value), writable: false, enumerable: true, configurable: true };
      }
    }
    const desc = ReflectGetOwnPropertyDescriptor(real, key);
    if (desc === undefined) return undefined;
    if ("value" in desc) desc.value = this.out(desc.value);
    else {
      desc.get = this.out(desc.get) as () => unknown;
      // A read-only view shows no setter: calling one would be a write
      // (closes "getOwnPropertyDescriptor(view, k).set.call(view, v)").
      desc.set = (this.policy?.readOnly ? undefined : this.out(desc.set)) as (v: unknown) => void;
    }
    return desc;
  }

  keys(shadow: object, real: object): Array<string | symbol> {
    const keys = ReflectOwnKeys(real);
    if (this.policy === null) return keys;
    const visible = keys.filter((key) => !this.hidden(shadow, key));
    const substitutes = this.policy.substitutes;
    if (substitutes !== null) {
      const present = new SetCtor<string | symbol>(visible);
      for (const key of substitutes.keys()) {
        if (!present.has(key) && !this.hidden(shadow, key)) visible.push(key);
      }
    }
    return visible;
  }

  /**
   * Writes the whole current view onto the shadow and makes it
   * non-extensible, for a real object that is non-extensible (invariant 3).
   */
  sync(shadow: object, real: object): void {
    const keys = this.keys(shadow, real);
    // A Set, not keys.includes: a listing must stay linear in the key count
    // (closes the class "a guest stalls the host with a wide object").
    const visible = new SetCtor<string | symbol>(keys);
    for (const key of ReflectOwnKeys(shadow)) {
      if (!visible.has(key)) ReflectDeleteProperty(shadow, key);
    }
    for (const key of keys) {
      const desc = this.describe(shadow, real, key);
      if (desc === undefined) continue;
      const mirrored = ReflectGetOwnPropertyDescriptor(shadow, key);
      if (mirrored !== undefined && !mirrored.configurable) {
        if (mirrored.writable === false) continue; // fixed in the view for good
        desc.configurable = false; // see getOwnPropertyDescriptor
      }
      ReflectDefineProperty(shadow, key, desc);
    }
    ReflectSetPrototypeOf(
      shadow,
      this.out(ReflectGetPrototypeOf(real), this.domain) as object | null,
    );
    ReflectPreventExtensions(shadow);
  }

  /**
   * Detaches the view: from now on it is its shadow, a snapshot. Used when
   * the caller freezes the view (invariant 4), and for frozen real objects,
   * whose snapshot never goes stale.
   */
  detach(shadow: object, real: object): void {
    this.sync(shadow, real);
    (this.real as WeakMap<object, Link>).delete(shadow);
  }

  /** Keeps the shadow consistent before reporting on a non-extensible real. */
  fix(shadow: object, real: object): boolean {
    if (ReflectIsExtensible(real)) return false;
    if (ObjectIsFrozen(real)) this.detach(shadow, real);
    else this.sync(shadow, real);
    return true;
  }

  // --- traps ----------------------------------------------------------------

  get(shadow: object, key: string | symbol, receiver: unknown): unknown {
    try {
      const link = this.links().get(shadow);
      if (this.policy !== null) this.notify("get", key);
      if (link === undefined) return ReflectGet(shadow, key, receiver);
      if (this.policy !== null) {
        if (this.hidden(shadow, key)) return undefined;
        if (this.substituted(shadow, key)) return this.out(this.policy.substitutes?.get(key));
      }
      const real = link.real;
      // The common case, the view itself as receiver, is a plain keyed load.
      const value =
        receiver === link.proxy
          ? (real as Record<string | symbol, unknown>)[key]
          : ReflectGet(real, key, this.in(receiver));
      this.assertAlive(); // invariant 1: a getter that revoked while it ran
      return isObject(value) ? this.out(value) : value;
    } catch (error) {
      throw this.fail(error);
    }
  }

  set(shadow: object, key: string | symbol, value: unknown, receiver: unknown): boolean {
    try {
      const map = this.real;
      if (map === null) throw this.domain.revokedError();
      const link = map.get(shadow);
      if (link === undefined) return ReflectSet(shadow, key, value, receiver);
      this.checkWrite(shadow, "set", key);
      const real = link.real;
      return ReflectSet(
        real,
        key,
        this.in(value),
        receiver === link.proxy ? real : this.in(receiver),
      );
    } catch (error) {
      throw this.fail(error);
    }
  }

  has(shadow: object, key: string | symbol): boolean {
    try {
      const real = this.target(shadow);
      if (this.policy !== null) this.notify("has", key);
      if (real === undefined) return ReflectHas(shadow, key);
      if (this.policy !== null) {
        if (this.hidden(shadow, key)) return false;
        if (this.substituted(shadow, key)) return true;
      }
      return ReflectHas(real, key);
    } catch (error) {
      throw this.fail(error);
    }
  }

  ownKeys(shadow: object): ArrayLike<string | symbol> {
    try {
      const real = this.target(shadow);
      if (this.policy !== null) this.notify("ownKeys");
      // A synced shadow is the view's exact key list (invariant 3).
      if (real === undefined || this.fix(shadow, real)) return ReflectOwnKeys(shadow);
      return this.keys(shadow, real);
    } catch (error) {
      throw this.fail(error);
    }
  }

  getOwnPropertyDescriptor(shadow: object, key: string | symbol): PropertyDescriptor | undefined {
    try {
      let real = this.target(shadow);
      if (this.policy !== null) this.notify("getOwnPropertyDescriptor", key);
      if (real !== undefined && ObjectIsFrozen(real)) {
        this.detach(shadow, real);
        real = undefined;
      }
      if (real === undefined) return ReflectGetOwnPropertyDescriptor(shadow, key);
      const desc = this.describe(shadow, real, key);
      const mirrored = ReflectGetOwnPropertyDescriptor(shadow, key);
      if (desc === undefined) {
        if (mirrored !== undefined) ReflectDeleteProperty(shadow, key);
        return undefined;
      }
      if (mirrored !== undefined && !mirrored.configurable) {
        // The view never loosens what it reported fixed, even if the real
        // object does (V8 makes a sealed array's elements configurable
        // again when another element is redefined): report it fixed still.
        if (mirrored.writable === false) return mirrored;
        desc.configurable = false;
      }
      // Invariant 3: what is reported as non-configurable is on the shadow.
      if (!desc.configurable || (mirrored !== undefined && !mirrored.configurable)) {
        ReflectDefineProperty(shadow, key, desc);
      } else if (!ReflectIsExtensible(shadow) && mirrored === undefined) {
        this.sync(shadow, real);
      }
      return desc;
    } catch (error) {
      throw this.fail(error);
    }
  }

  defineProperty(shadow: object, key: string | symbol, desc: PropertyDescriptor): boolean {
    try {
      const real = this.target(shadow);
      if (real === undefined) {
        if (this.policy !== null) this.notify("define", key);
        return ReflectDefineProperty(shadow, key, desc);
      }
      this.checkWrite(shadow, "define", key);
      const inward: PropertyDescriptor = { ...desc };
      if ("value" in desc) inward.value = this.in(desc.value);
      if ("get" in desc) inward.get = this.in(desc.get) as () => unknown;
      if ("set" in desc) inward.set = this.in(desc.set) as (v: unknown) => void;
      if (!ReflectDefineProperty(real, key, inward)) return false;
      if (desc.configurable === false) {
        const view = this.describe(shadow, real, key);
        if (view !== undefined) ReflectDefineProperty(shadow, key, view);
      }
      return true;
    } catch (error) {
      throw this.fail(error);
    }
  }

  deleteProperty(shadow: object, key: string | symbol): boolean {
    try {
      const real = this.target(shadow);
      if (real === undefined) {
        if (this.policy !== null) this.notify("delete", key);
        return ReflectDeleteProperty(shadow, key);
      }
      this.checkWrite(shadow, "delete", key);
      if (!ReflectDeleteProperty(real, key)) return false;
      ReflectDeleteProperty(shadow, key);
      return true;
    } catch (error) {
      throw this.fail(error);
    }
  }

  getPrototypeOf(shadow: object): object | null {
    try {
      const real = this.target(shadow);
      if (this.policy !== null) this.notify("getPrototypeOf");
      if (real === undefined) return ReflectGetPrototypeOf(shadow);
      // The prototype is seen through the same policy, so that keys hidden
      // on the object stay hidden along its prototype chain (invariant 5).
      return this.out(ReflectGetPrototypeOf(real), this.domain) as object | null;
    } catch (error) {
      throw this.fail(error);
    }
  }

  setPrototypeOf(shadow: object, proto: object | null): boolean {
    try {
      const real = this.target(shadow);
      if (real === undefined) return ReflectSetPrototypeOf(shadow, proto);
      this.checkWrite(shadow, "setPrototypeOf");
      return ReflectSetPrototypeOf(real, this.in(proto) as object | null);
    } catch (error) {
      throw this.fail(error);
    }
  }

  isExtensible(shadow: object): boolean {
    try {
      const real = this.target(shadow);
      if (real !== undefined) this.fix(shadow, real);
      return ReflectIsExtensible(shadow);
    } catch (error) {
      throw this.fail(error);
    }
  }

  preventExtensions(shadow: object): boolean {
    try {
      const real = this.target(shadow);
      if (this.policy !== null) this.notify("preventExtensions");
      if (real !== undefined) this.detach(shadow, real);
      return ReflectPreventExtensions(shadow);
    } catch (error) {
      throw this.fail(error);
    }
  }

  apply(shadow: object, thisArg: unknown, args: unknown[]): unknown {
    try {
      const calls = this.calls;
      const lifetime = this.lifetime;
      if (calls === null || lifetime.isGone()) throw this.domain.revokedError();
      const real = calls.get(shadow) as (...a: unknown[]) => unknown;
      const policy = this.policy;
      if (policy !== null) {
        this.notify("apply");
        if (policy.readOnly && isMutatingBuiltin(real)) {
          throw new CellError(
            "MEMBRANE_READ_ONLY",
            "Cannot call a mutating built-in method: this view is read-only (granted with readOnly()).",
          );
        }
      }
      const self = isObject(thisArg) ? this.in(thisArg) : thisArg;
      // The engine hands the trap a fresh array: converting in place is safe.
      for (let i = 0; i < args.length; i += 1) {
        const arg = args[i];
        if (isObject(arg)) args[i] = this.in(arg);
      }
      const result = ReflectApply(real, self, args);
      // Invariant 1: revoked while the call was in flight (revocation always
      // sets the flag first).
      if (lifetime.isGone()) throw this.domain.revokedError();
      return isObject(result) ? this.out(result) : result;
    } catch (error) {
      throw this.fail(error);
    }
  }

  construct(shadow: object, args: unknown[], newTarget: object): object {
    try {
      const real = this.callee(shadow);
      if (this.policy !== null) this.notify("construct");
      for (let i = 0; i < args.length; i += 1) args[i] = this.in(args[i]);
      const result = ReflectConstruct(
        real as new (...a: unknown[]) => object,
        args,
        this.in(newTarget) as new (...a: unknown[]) => object,
      );
      this.assertAlive();
      return this.out(result) as object;
    } catch (error) {
      throw this.fail(error);
    }
  }
}
