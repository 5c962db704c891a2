/**
 * Hardening of module exports that may be evaluated before `lockdown()`.
 *
 * SES defines the global `harden` only once the realm is locked down, but a
 * host imports our packages first and locks down in `createHost`. So a
 * module hardens what it exports through `hardenExport`: at once if the
 * realm is locked down, otherwise as soon as it is (`hardenPendingExports`
 * runs in `createHost` and `makeMembrane`), and always before any cell or
 * membrane exists to reach it.
 *
 * Invariant: no guest can reach an export before it is hardened, because
 * every path to a guest goes through `makeMembrane`, which hardens what is
 * pending first.
 */

const pending: unknown[] = [];

const lockedDown = (): boolean => typeof harden === "function";

/**
 * Hardens `value` now, or when the realm is locked down.
 *
 * @example
 * ```ts
 * export const makeThing = () => harden({});
 * hardenExport(makeThing);
 * ```
 */
export function hardenExport<T>(value: T): T {
  if (lockedDown()) return harden(value);
  pending.push(value);
  return value;
}

/**
 * Hardens every export that waited for lockdown. Called by `makeMembrane`
 * and `createHost`; a no-op before lockdown.
 *
 * @example
 * ```ts
 * lockdown();
 * hardenPendingExports();
 * ```
 */
export function hardenPendingExports(): void {
  if (!lockedDown()) return;
  for (const value of pending.splice(0)) harden(value);
}
