/**
 * Copies plain data out of a cell. What a cell returns reaches the host as
 * a live membrane view; once the cell is revoked, the view is dead. A host
 * that wants to keep a result copies it first.
 *
 * Invariants:
 * 1. The copy holds only JSON data (strings, finite numbers, booleans,
 *    null, arrays, records): no function, getter or proxy of the cell.
 * 2. The copy is hardened.
 *
 * It does not copy bytes, dates or other non-JSON values (they are dropped
 * or converted as `JSON.stringify` does).
 */

/**
 * Returns a hardened JSON copy of `value`.
 *
 * @example
 * ```ts
 * const pages = copyData(await cell.run("./index.js"));
 * await cell.revoke("done"); // `pages` stays usable
 * ```
 */
export const copyData = <T>(value: T): T =>
  value === undefined ? value : harden(JSON.parse(JSON.stringify(value)) as T);
