/**
 * Grants: what a host hands a cell, by name.
 *
 * A grant is either a capability (a hardened object of methods) or a grant
 * factory, a function the host runs once per cell to make the capability
 * with that cell's resource scope, so that revoking the cell (or the grant)
 * also closes the sockets, files, timers and children the capability opened.
 *
 * Invariants:
 * 1. Every grant reaches the cell through its own caretaker inside the
 *    cell's membrane: `revokeGrant(name)` cuts it and everything reached
 *    through it; `revoke()` cuts all.
 * 2. Every grant has its own resource scope; revocation closes it.
 */
import {
  audited,
  clockCapOptions,
  isRandomCap,
  makeResourceScope,
  type ClockCapOptions,
  type ResourceScope,
} from "@padded-cell/caps";
import { CellError } from "@padded-cell/membrane";
import type { CellAuditSink } from "../audit/audit-sink.js";
import type { Cell, CellOptions, Grant, GrantContext, GrantFactory } from "./cell-types.js";

/** A grant made for one cell: its capability and its resource scope. @internal */
export interface ResolvedGrant {
  readonly cap: object;
  readonly scope: ResourceScope;
  /** If it is a clock (`makeClockCap`), its options: the cell's `Date` follows it (cell-ambient.ts). */
  readonly clock?: Readonly<ClockCapOptions>;
  /** Whether it is randomness (`makeRandomCap`): the cell's `Math.random` follows it. */
  readonly random?: boolean;
}

/**
 * Makes each grant's capability for the cell `cell`, each with its own
 * resource scope, audited when the host has an audit sink (invariant 2).
 * @internal
 */
export const resolveGrants = (
  cell: string,
  grants: Readonly<Record<string, Grant>>,
  audit: CellAuditSink | undefined,
  createCell: (options: CellOptions) => Promise<Cell>,
): Map<string, ResolvedGrant> => {
  const resolved = new Map<string, ResolvedGrant>();
  for (const [grant, source] of Object.entries(grants)) {
    const scope = makeResourceScope(`grant "${grant}" of cell "${cell}"`);
    const context: GrantContext = harden({ cell, grant, scope, createCell });
    let cap = typeof source === "function" ? (source as GrantFactory)(context) : source;
    if ((typeof cap !== "object" || cap === null) && typeof cap !== "function") {
      throw new CellError(
        "CELL_BAD_OPTIONS",
        `The factory of grant "${grant}" did not return a capability.`,
      );
    }
    // Everything the host hands out is hardened: nothing in a cell can change
    // a grant except through a method the host wrote for that.
    harden(cap);
    // Read before auditing wraps it: the wrapper is not the clock itself.
    const clock = clockCapOptions(cap);
    const random = isRandomCap(cap);
    if (audit !== undefined) {
      const sink = audit;
      cap = audited(cap as Record<string, unknown>, (record) => sink({ ...record, cell, grant }), {
        name: grant,
      });
    }
    resolved.set(grant, {
      cap,
      scope,
      ...(clock === undefined ? {} : { clock }),
      ...(random ? { random } : {}),
    });
  }
  return resolved;
};
