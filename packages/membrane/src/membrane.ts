/**
 * `makeMembrane`: the public face of a membrane between a host and a guest.
 *
 * Invariants (each enforced where the comment says):
 * 1. Transitive both ways: everything reached through a wrapped value is
 *    wrapped, everything the guest passes in reaches the host wrapped
 *    (membrane-handler.ts, invariant 2).
 * 2. Identity per domain, no double wrapping (domain.ts, invariant 1).
 * 3. No Proxy invariant can fail, and freezing a view never freezes the
 *    real object (membrane-handler.ts, invariants 3 and 4).
 * 4. Revocation is total, including calls in flight and pending promises,
 *    and drops references to targets (domain.ts, invariant 3).
 * 5. Attenuation only narrows, and cannot be undone by passing a view back
 *    (policy.ts, invariant 1; domain.ts, invariant 2).
 *
 * Evaluating this module has no side effects; a membrane does nothing until
 * the host wraps something.
 */
import { CellError } from "./cell-error.js";
import { ObjectFreeze, WeakMapCtor, isObjectLike } from "./commons.js";
import { Lifetime, type Origin, type Registry } from "./domain.js";
import { hardenPendingExports } from "./harden-export.js";
import { asRecord, compose, type Policy, type PolicyRecord } from "./policy.js";

/** A per-reference revocable view: a caretaker. */
export interface Caretaker<T> {
  /** The view to hand to the guest. */
  readonly proxy: T;
  /**
   * Wraps another host value in this caretaker's lifetime, so that it dies
   * with `revoke` too (for example a facade built over the same grant).
   */
  wrap<U>(hostValue: U, policy?: Policy): U;
  /**
   * Revokes this view and everything reached through it; the rest of the
   * membrane stays alive. Revoking twice keeps the first reason.
   */
  revoke(reason: string): void;
}

/** A membrane between one host and one guest. */
export interface Membrane {
  /** The name used in revocation errors, e.g. `cell "markdown"`. */
  readonly name: string;
  /**
   * Hands a host value to the guest side. Primitives are returned as they
   * are; see the README for how each kind of value crosses. With a policy,
   * the guest gets an attenuated view; wrapping a view again narrows it.
   */
  wrap<T>(hostValue: T, policy?: Policy): T;
  /**
   * Hands a guest value to the host side: the host's own objects come back
   * unwrapped, guest objects come wrapped.
   */
  toHost<T>(guestValue: T): T;
  /**
   * Hands a value the guest threw to the host, for the host to rethrow or
   * report: a primitive as it is, an error (or any guest object) as a copy,
   * a guest Proxy as a `MEMBRANE_HOSTILE_VALUE` error. Never throws and runs
   * no guest code.
   */
  thrownToHost(thrown: unknown): unknown;
  /** Wraps `hostValue` in a view that can be revoked on its own. */
  revocable<T>(hostValue: T, options?: { name?: string; policy?: Policy }): Caretaker<T>;
  /** Revokes every reference this membrane ever made, in both directions. */
  revoke(reason: string): void;
  /** Whether `revoke` has been called. */
  readonly revoked: boolean;
}

/** Options of {@link makeMembrane}. */
export interface MembraneOptions {
  /**
   * Picks, from an error the guest threw, the stack frames the host's copy
   * keeps (for example those in the guest's own files): the copy is a host
   * object the host may hand back to the guest, so pick only frames the
   * guest may see. Called with the guest's native error, never a proxy;
   * without it a copy's stack is its first line.
   */
  readonly guestFrames?: (error: object) => readonly string[];
}

const badArgument = (message: string): CellError => new CellError("MEMBRANE_BAD_ARGUMENT", message);

const checkName = (name: unknown, what: string): string => {
  if (typeof name !== "string" || name.length === 0 || name.length > 200) {
    throw badArgument(`${what} must be a non-empty string of at most 200 characters.`);
  }
  return name;
};

/**
 * Makes a membrane. Requires a realm locked down by SES for shared
 * intrinsics to pass through unwrapped; without lockdown everything is
 * wrapped.
 *
 * @example
 * ```ts
 * import { makeMembrane, readOnly } from "@padded-cell/membrane";
 *
 * const membrane = makeMembrane("plugin");
 * const config = membrane.wrap({ theme: "dark" }, readOnly());
 * const compartment = new Compartment({ globals: { config }, __options__: true });
 * compartment.evaluate("config.theme"); // "dark"
 * membrane.revoke("plugin disabled");
 * compartment.evaluate("config.theme"); // throws RevokedError (code "REVOKED")
 * ```
 */
export function makeMembrane(name: string, options: MembraneOptions = {}): Membrane {
  checkName(name, "A membrane's name");
  if (typeof harden !== "function") {
    throw new CellError(
      "MEMBRANE_NOT_LOCKED_DOWN",
      "A membrane needs a realm locked down by SES: call lockdown() (or createHost()) first.",
    );
  }
  const { guestFrames } = options;
  if (guestFrames !== undefined && typeof guestFrames !== "function") {
    throw badArgument("A membrane's guestFrames option must be a function.");
  }
  hardenPendingExports();
  const registry: Registry = {
    towardsGuest: new WeakMapCtor(),
    towardsHost: new WeakMapCtor(),
    guestFrames,
  };
  const root = new Lifetime(`membrane "${name}"`, null, registry);

  // Of two lifetimes on one branch of the tree, the one that dies first.
  const narrower = (a: Lifetime, b: Lifetime): Lifetime => {
    for (let l: Lifetime | null = b; l !== null; l = l.parent) if (l === a) return b;
    for (let l: Lifetime | null = a; l !== null; l = l.parent) if (l === b) return a;
    throw badArgument(
      "A view of one caretaker cannot be wrapped into another; wrap the original value.",
    );
  };

  const wrapIn = (target: Lifetime, value: unknown, policy: Policy | undefined): unknown => {
    if (!isObjectLike(value)) return value;
    let record: PolicyRecord | null = policy === undefined ? null : asRecord(policy);
    let real: object = value;
    let lifetime = target;
    const view = registry.towardsGuest.get(value);
    if (view !== undefined) {
      // Wrapping a view again narrows it: its policy stays in force, and so
      // does the lifetime it belongs to.
      const unwrapped = view.towardsGuest.proxies?.get(value);
      if (unwrapped === undefined || view.lifetime.isGone()) throw view.revokedError();
      real = unwrapped;
      lifetime = narrower(target, view.lifetime);
      if (view.policy !== null)
        record = record === null ? view.policy : asRecord(compose(view.policy, record));
      else if (record === null && lifetime === view.lifetime && view.origin === null) return value;
    }
    if (record === null) return lifetime.domain(null, null).toGuest(real);
    // One origin per (object, policy): the same wrap gives the same view,
    // and two objects wrapped with one policy value never see through each
    // other's views (domain.ts, invariant 2).
    const pinned = lifetime.pinned.get(real) ?? [];
    let domain = pinned.find((d) => d.policy === record);
    if (domain === undefined) {
      domain = lifetime.domain(record, ObjectFreeze({}) as Origin);
      pinned.push(domain);
      lifetime.pinned.set(real, pinned);
    }
    return domain.toGuest(real);
  };

  return harden({
    name,
    wrap<T>(hostValue: T, policy?: Policy): T {
      return wrapIn(root, hostValue, policy) as T;
    },
    toHost<T>(guestValue: T): T {
      if (!isObjectLike(guestValue)) return guestValue;
      return root.domain(null, null).toHost(guestValue) as T;
    },
    thrownToHost(thrown: unknown): unknown {
      return root.isGone() ? root.revokedError() : root.domain(null, null).thrownToHost(thrown);
    },
    revocable<T>(hostValue: T, options: { name?: string; policy?: Policy } = {}): Caretaker<T> {
      const label = checkName(options.name ?? "a view", "A caretaker's name");
      // A caretaker of a view lives inside the view's lifetime: it dies
      // with the view, and can be revoked alone.
      const view = isObjectLike(hostValue) ? registry.towardsGuest.get(hostValue) : undefined;
      const parent = view?.lifetime ?? root;
      if (parent.isGone()) throw parent.revokedError();
      const lifetime = new Lifetime(`${label} (in membrane "${name}")`, parent, registry);
      const proxy = wrapIn(lifetime, hostValue, options.policy) as T;
      // Not harden(): hardening a record that holds a view would walk into
      // the view and freeze a snapshot of everything reachable through it.
      return ObjectFreeze({
        proxy,
        wrap: harden(<U>(value: U, policy?: Policy): U => wrapIn(lifetime, value, policy) as U),
        revoke: harden((reason: string) => lifetime.revoke(String(reason))),
      });
    },
    revoke(reason: string) {
      if (typeof reason !== "string") throw badArgument("revoke() takes a reason string.");
      root.revoke(reason);
    },
    get revoked() {
      return root.gone;
    },
  });
}
