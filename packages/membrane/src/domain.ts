/**
 * Lifetimes and domains: the bookkeeping behind a membrane.
 *
 * A *lifetime* is what one `revoke` switch cuts: the membrane's own, or a
 * caretaker's nested inside it. A *domain* is a lifetime plus the policy in
 * force and the policy's origin; every proxy belongs to exactly one domain,
 * and everything reached through a proxy is converted in the domain's child
 * (same lifetime, inherited policy), which is how revocation and attenuation
 * become transitive.
 *
 * Invariants:
 * 1. Identity: within a domain the same real object always gives the same
 *    proxy, and a proxy crossing back gives its real object (no double
 *    wrapping).
 * 2. Amplification is impossible: a view made with a policy unwraps to its
 *    real object only inside its own policy's domains, and a view of a
 *    caretaker only inside the caretaker's lifetime. Anywhere else the
 *    host receives the view itself, the narrower right, so an attenuated
 *    view passed as `this` or as an argument to a function obtained by
 *    another route cannot act on the unattenuated original.
 * 3. Revocation drops every reference from a lifetime's domains to real
 *    targets, rejects every promise bridged through it that is still
 *    pending, and revokes nested lifetimes.
 * 4. Converting a guest value for the host runs no guest code at all: a
 *    guest Proxy is recognised by the engine's brand check and wrapped
 *    unread; prototypes and own data properties are read only off objects
 *    that are not Proxies; a guest promise is bridged only if subscribing to
 *    it looks nothing up that the guest controls (value-brand.ts). Converting
 *    a host value for the guest may run host code (a host Proxy's traps).
 * 5. Whatever a guest throws or rejects reaches the host as a primitive, a
 *    copy as an error, the host's own object, or a `MEMBRANE_HOSTILE_VALUE`
 *    error; never as a view of a guest object (whose inspection, by an
 *    unhandled-rejection report say, would run guest code). So every
 *    promise bridged towards the host settles.
 */
import { CellError } from "./cell-error.js";
import {
  ErrorCtor,
  MapCtor,
  PromiseCtor,
  PromisePrototypeThen,
  ProxyCtor,
  ReflectApply,
  ReflectGetOwnPropertyDescriptor,
  SetCtor,
  WeakMapCtor,
  isObjectLike,
} from "./commons.js";
import { copyError } from "./error-copy.js";
import { kindOf } from "./value-kind.js";
import { MembraneHandler, type Link } from "./membrane-handler.js";
import type { PolicyRecord } from "./policy.js";
import { RevokedError } from "./revoked-error.js";
import { makeShadow } from "./shadow-target.js";
import { isSharedIntrinsic } from "./shared-intrinsics.js";
import { NOT_COPIED, copyValue } from "./value-copy.js";
import {
  hasInertThen,
  inheritsFrom,
  isInertPromise,
  isNativeError,
  isProxy,
} from "./value-brand.js";

/** What one membrane shares: which domain made each proxy, by direction, and its options. */
export interface Registry {
  readonly towardsGuest: WeakMap<object, Domain>;
  readonly towardsHost: WeakMap<object, Domain>;
  /** The frames of a guest error the host keeps in its copy (see `MembraneOptions`). */
  readonly guestFrames: ((error: object) => readonly string[]) | undefined;
}

/**
 * The identity of one attenuated view: made once per (object, policy) a
 * host wraps. Objects reached through that view share its origin, and only
 * they see through it (invariant 2).
 */
export type Origin = Readonly<Record<string, never>>;

/** What one revocation switch cuts. */
export class Lifetime {
  readonly what: string;
  readonly parent: Lifetime | null;
  readonly registry: Registry;
  /**
   * Set by the very first statement of `revoke`, before anything that could
   * throw (even a stack overflow): from then on every trap of this lifetime
   * and of its descendants fails. The rest of `revoke` (dropping references,
   * rejecting promises) is completed by a later call if it was interrupted.
   */
  gone = false;
  /** Whether `revoke` ran to its end. */
  finished = false;
  reason: string | undefined;
  readonly children = new SetCtor<Lifetime>();
  readonly domains = new MapCtor<PolicyRecord | null, Map<Origin | null, Domain>>();
  /** Rejecters of bridged promises still pending. */
  readonly pending = new SetCtor<(error: RevokedError) => void>();
  /**
   * Objects wrapped with a policy in this lifetime, and the domain of that
   * view: reaching the same object again through the view (a method that
   * returns `this`, a property pointing back) gives the attenuated view
   * again, never a wider one.
   */
  readonly pinned = new WeakMapCtor<object, Domain[]>();

  constructor(what: string, parent: Lifetime | null, registry: Registry) {
    this.what = what;
    this.parent = parent;
    this.registry = registry;
    parent?.children.add(this);
  }

  /** Whether this lifetime is `other` or lives inside it. */
  within(other: Lifetime): boolean {
    return this === other || (this.parent !== null && this.parent.within(other));
  }

  /** Whether this lifetime or an ancestor was revoked. */
  isGone(): boolean {
    return this.gone || (this.parent !== null && this.parent.isGone());
  }

  domain(policy: PolicyRecord | null, origin: Origin | null): Domain {
    if (this.isGone()) throw this.revokedError();
    let byOrigin = this.domains.get(policy);
    if (byOrigin === undefined) this.domains.set(policy, (byOrigin = new MapCtor()));
    let domain = byOrigin.get(origin);
    if (domain === undefined) byOrigin.set(origin, (domain = new Domain(this, policy, origin)));
    return domain;
  }

  revokedError(): RevokedError {
    // Name the outermost revoked lifetime: that is the switch that was thrown.
    let what = this.what;
    let reason = this.reason;
    for (let l = this.parent; l !== null; l = l.parent) {
      if (l.gone) {
        what = l.what;
        reason = l.reason;
      }
    }
    return new RevokedError(what, reason ?? "revoked");
  }

  revoke(reason: string): void {
    if (this.finished) return;
    this.gone = true;
    this.reason ??= reason;
    // Descendants, without recursion: a worklist.
    const all: Lifetime[] = [this];
    for (let i = 0; i < all.length; i += 1)
      for (const child of (all[i] as Lifetime).children) all.push(child);
    for (const lifetime of all) {
      lifetime.gone = true;
      lifetime.reason ??= this.reason;
      for (const byOrigin of lifetime.domains.values()) for (const d of byOrigin.values()) d.drop();
    }
    for (const lifetime of all) {
      const error = lifetime.revokedError();
      for (const reject of lifetime.pending) reject(error);
      lifetime.pending.clear();
      lifetime.children.clear();
      lifetime.domains.clear();
      lifetime.finished = true;
    }
    this.parent?.children.delete(this);
  }
}

/** A lifetime, a policy and the policy's origin. */
export class Domain {
  readonly lifetime: Lifetime;
  readonly policy: PolicyRecord | null;
  /** The attenuated view this domain's objects were reached through. */
  readonly origin: Origin | null;
  /** Host object → what the guest sees. `null` once revoked. */
  guestValues: WeakMap<object, unknown> | null = new WeakMapCtor();
  /** Guest object → what the host sees. `null` once revoked. */
  hostValues: WeakMap<object, unknown> | null = new WeakMapCtor();
  readonly towardsGuest: MembraneHandler;
  readonly towardsHost: MembraneHandler;

  constructor(lifetime: Lifetime, policy: PolicyRecord | null, origin: Origin | null) {
    this.lifetime = lifetime;
    this.policy = policy;
    this.origin = origin;
    this.towardsGuest = new MembraneHandler(this, true);
    this.towardsHost = new MembraneHandler(this, false);
  }

  child(): Domain {
    return this.lifetime.domain(this.policy?.inherited ?? null, this.origin);
  }

  revokedError(): RevokedError {
    return this.lifetime.revokedError();
  }

  drop(): void {
    this.guestValues = null;
    this.hostValues = null;
    for (const handler of [this.towardsGuest, this.towardsHost]) {
      handler.real = null;
      handler.calls = null;
      handler.proxies = null;
    }
  }

  /** What the guest sees of the host value `value`. */
  toGuest(value: object): unknown {
    const cache = this.guestValues;
    if (cache === null) throw this.revokedError();
    const cached = cache.get(value);
    if (cached !== undefined) return cached;
    const { registry } = this.lifetime;
    const madeForHost = registry.towardsHost.get(value);
    if (madeForHost !== undefined) return unwrap(madeForHost.towardsHost, value);
    if (registry.towardsGuest.has(value) || isSharedIntrinsic(value)) return value;
    if (this.origin !== null) {
      // Invariant 2: the object of an attenuated view, reached again through
      // the view (a method returning `this`, a property pointing back), is
      // the attenuated view again, never a wider one.
      for (const pinned of this.lifetime.pinned.get(value) ?? []) {
        if (pinned.origin === this.origin && pinned !== this) {
          const view = pinned.toGuest(value);
          cache.set(value, view);
          return view;
        }
      }
    }
    const kind = kindOf(value);
    const copy = copyValue(value, kind.copied);
    if (copy !== NOT_COPIED) return copy;
    // An error of another realm, or deeper than the prototype walk, is still
    // recognised by the own `stack` the engine gives every error.
    if (kind.error !== undefined || ReflectGetOwnPropertyDescriptor(value, "stack") !== undefined) {
      return copyError(value, kind.error ?? ErrorCtor, true);
    }
    const result =
      (kind.promise && this.bridge(value as Promise<unknown>, true)) ||
      this.proxy(value, this.towardsGuest, registry.towardsGuest);
    cache.set(value, result);
    return result;
  }

  /** What the host sees of the guest value `value`. */
  toHost(value: object): unknown {
    const cache = this.hostValues;
    if (cache === null) throw this.revokedError();
    const { registry } = this.lifetime;
    // Views first: a host object coming back is the commonest crossing.
    const madeForGuest = registry.towardsGuest.get(value);
    if (madeForGuest !== undefined) {
      // Invariant 2: only the view's own policy domains see through it, and
      // only inside its own lifetime: a revocable view handed to anything
      // else stays that view, so whoever receives it loses it on revocation
      // too (closes "delegating a grant strips its revocability").
      if (
        (madeForGuest.origin === null || madeForGuest.origin === this.origin) &&
        this.lifetime.within(madeForGuest.lifetime)
      ) {
        return unwrap(madeForGuest.towardsGuest, value);
      }
      madeForGuest.towardsGuest.assertAlive();
      return value;
    }
    const cached = cache.get(value);
    if (cached !== undefined) return cached;
    if (registry.towardsHost.has(value) || isSharedIntrinsic(value)) return value;
    let result: unknown;
    try {
      // Invariant 4: a guest Proxy is wrapped without a single question
      // asked of it (closes "a guest trap runs, loops or re-enters a
      // capability while the membrane converts a value for the host").
      if (isProxy(value)) {
        result = this.proxy(value, this.towardsHost, registry.towardsHost);
      } else {
        const kind = kindOf(value);
        const copy = copyValue(value, kind.copied);
        if (copy !== NOT_COPIED) return copy;
        const error = kind.error ?? (isNativeError(value) ? ErrorCtor : undefined);
        if (error !== undefined) return copyError(value, error, false, registry.guestFrames);
        result =
          (kind.promise &&
            isInertPromise(value) &&
            this.bridge(value as Promise<unknown>, false)) ||
          this.proxy(value, this.towardsHost, registry.towardsHost);
      }
    } catch {
      // Defence in depth: nothing above runs guest code, but whatever a
      // conversion throws must never be taken for a host value (closes the
      // class "a guest value smuggled out as an exception of a conversion").
      throw hostileValue();
    }
    cache.set(value, result);
    return result;
  }

  /**
   * Converts a value a guest promise fulfilled with, for a host promise to
   * be resolved with. Resolving reads `then` off what it is given, so a view
   * of a guest object whose `then` lookup would run guest code, or would
   * adopt a guest thenable, is refused (invariant 5).
   */
  fulfilledToHost(value: unknown): unknown {
    if (!isObjectLike(value)) return value;
    const converted = this.toHost(value);
    if (this.lifetime.registry.towardsHost.has(converted as object) && !hasInertThen(value)) {
      throw hostileValue();
    }
    return converted;
  }

  /**
   * Converts a thrown value for a guest caller; never throws. A thrown
   * object is the guest's own (passed back), a view, or a copy as an error:
   * host objects are never thrown by reference (closes the class "host
   * stack and paths in a thrown object the membrane did not recognise").
   */
  thrownToGuest(error: unknown): unknown {
    if (!isObjectLike(error)) return error;
    try {
      const { registry } = this.lifetime;
      if (registry.towardsHost.has(error) || registry.towardsGuest.has(error))
        return this.toGuest(error);
      return copyError(error, kindOf(error).error ?? ErrorCtor, true);
    } catch (failure) {
      // The conversion itself failed (revoked, or a host object's own code
      // threw): the guest gets a copy of that failure, never the object.
      return isObjectLike(failure)
        ? copyError(failure, kindOf(failure).error ?? ErrorCtor, true)
        : failure;
    }
  }

  /**
   * Converts a thrown or rejected value for a host caller; never throws,
   * and runs no guest code (invariants 4 and 5). A primitive stays itself;
   * a view of a host object gives the host's object back; any other guest
   * object is copied as an error (`name`, `message`, `code`), as a wall
   * does; a guest Proxy is refused with `MEMBRANE_HOSTILE_VALUE`.
   */
  thrownToHost(error: unknown): unknown {
    if (!isObjectLike(error)) return error;
    try {
      // A guest can only ever hold copies of errors, so a real CellError was
      // thrown by host code (the membrane's own checks): it stays as it is.
      // Found by a walk that stops at Proxies: `instanceof` would run a
      // guest's getPrototypeOf trap outside any `try` (closes "the
      // never-throwing conversion throws, and a bridged promise never
      // settles").
      if (inheritsFrom(error, CellErrorPrototype)) return error;
      // Revoked: the host learns that, not what the guest threw.
      if (this.hostValues === null) return this.revokedError();
      const { registry } = this.lifetime;
      if (registry.towardsGuest.has(error)) return this.toHost(error);
      if (isProxy(error)) return hostileValue();
      return copyError(error, kindOf(error).error ?? ErrorCtor, false, registry.guestFrames);
    } catch (failure) {
      // Revoked while converting, say: the failure is the membrane's own.
      return isObjectLike(failure) && inheritsFrom(failure, CellErrorPrototype)
        ? failure
        : hostileValue();
    }
  }

  proxy(real: object, handler: MembraneHandler, registry: WeakMap<object, Domain>): object {
    const shadow = makeShadow(real);
    const proxy = new ProxyCtor(shadow, handler);
    (handler.real as WeakMap<object, Link>).set(shadow, { real, proxy });
    if (typeof real === "function") (handler.calls as WeakMap<object, object>).set(shadow, real);
    (handler.proxies as WeakMap<object, object>).set(proxy, real);
    registry.set(proxy, this);
    return proxy;
  }

  /**
   * A promise of the receiving side that settles as `promise` does, with the
   * value converted; rejected with RevokedError if revoked first.
   */
  bridge(promise: Promise<unknown>, towardsGuest: boolean): Promise<unknown> | undefined {
    const { pending } = this.lifetime;
    const convert = (value: unknown): unknown =>
      !isObjectLike(value)
        ? value
        : towardsGuest
          ? this.toGuest(value)
          : this.fulfilledToHost(value);
    const failed = (error: unknown): unknown =>
      towardsGuest ? this.thrownToGuest(error) : this.thrownToHost(error);
    let resolve: (value: unknown) => void = noop;
    let reject: (error: unknown) => void = noop;
    const bridged = new PromiseCtor((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const cancel = (error: RevokedError) => reject(failed(error));
    const settle = (fulfilled: boolean, value: unknown) => {
      if (!pending.delete(cancel)) return;
      try {
        if (fulfilled) resolve(convert(value));
        else reject(failed(value));
      } catch (error) {
        reject(failed(error));
      }
    };
    try {
      ReflectApply(PromisePrototypeThen, promise, [
        (value: unknown) => settle(true, value),
        (error: unknown) => settle(false, error),
      ]);
    } catch {
      // Not a promise after all (its prototype lied): it is wrapped instead.
      return undefined;
    }
    pending.add(cancel);
    // The receiving side may never look at this promise; a rejection (by
    // revocation, say) must not become an unhandled rejection that takes the
    // process down. Whoever awaits it still sees the rejection.
    ReflectApply(PromisePrototypeThen, bridged, [undefined, noop]);
    return bridged;
  }
}

const noop = (): void => {};

const CellErrorPrototype: object = CellError.prototype;

const hostileValue = (): CellError =>
  new CellError(
    "MEMBRANE_HOSTILE_VALUE",
    "A value the cell passed, threw or rejected could not be examined without running its code (a Proxy, or a promise or thenable whose lookups run code); it was refused.",
  );

const unwrap = (handler: MembraneHandler, proxy: object): object => {
  const proxies = handler.proxies;
  if (proxies === null) throw handler.domain.revokedError();
  return proxies.get(proxy) as object;
};
