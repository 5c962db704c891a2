/**
 * A cell's grants, the same at every isolation level: one membrane per cell,
 * one caretaker and one resource scope per grant, and the cell's sub-cells.
 *
 * Invariants:
 * 1. Every grant reaches the cell only through its caretaker in the cell's
 *    membrane, so `revokeGrant` cuts it and everything reached through it
 *    (a `sub()` directory, a socket, what the cell passed on to a sub-cell,
 *    a channel or a wall).
 * 2. `revokeAll` revokes the membrane (every grant and facade), closes every
 *    scope and revokes every sub-cell; it waits for all of them, even if
 *    some fail.
 * 3. Revocation is atomic (closes the class "revocation leaves work in
 *    flight"): the grant's scope closes first (its gate refuses new
 *    operations, its closers abort sockets, children, requests and timers)
 *    and drains, so every operation already running delivers its real
 *    outcome through the still-live caretaker; only then is the caretaker
 *    (or the membrane) cut. When `revokeGrant`/`revokeAll` resolves, nothing
 *    started through the grant lands any more. If a drain times out, the
 *    grant is cut anyway and the promise rejects with `CAPS_REVOKE_TIMEOUT`.
 */
import type { ResourceScope } from "@padded-cell/caps";
import { CellError, makeMembrane, type Membrane } from "@padded-cell/membrane";
import type { GrantedCap } from "./cell-globals.js";
import type { AmbientGrants } from "./cell-ambient.js";
import { resolveGrants } from "./cell-grant.js";
import type { Cell, CellOptions } from "./cell-types.js";
import type { CellHandle, CellHostContext } from "./cell-types.js";
import { pluginFramesOf } from "../module/plugin-frames.js";

/** What a cell keeps of its grants. @internal */
export interface CellGrants {
  readonly membrane: Membrane;
  /** Grant name → the host capability and its caretaker. */
  readonly granted: ReadonlyMap<string, GrantedCap>;
  /** Scopes closed on revocation; a cell may add its own (its console's). */
  readonly scopes: Map<string, ResourceScope>;
  /** What the grants say about the cell's time and randomness (cell-ambient.ts). */
  readonly ambient: AmbientGrants;
  /** Call once the cell exists: sub-cells are created through it. */
  setCell(cell: Cell): CellHandle;
  revokeGrant(grant: string, reason: string): Promise<void>;
  revokeAll(reason: string): Promise<void>;
}

/** Makes the grants of the cell `options.name`; see the file header. @internal */
export const makeCellGrants = (options: CellOptions, host: CellHostContext): CellGrants => {
  const { name } = options;
  // What the cell throws reaches the host with its frames in the plugin's
  // own files, which the cell knows already (plugin-frames.ts).
  const membrane = makeMembrane(name, { guestFrames: pluginFramesOf });
  const scopes = new Map<string, ResourceScope>();
  const granted = new Map<string, GrantedCap>();
  const children = new Set<Cell>();
  // Filled in once the cell exists; grant factories only use it later.
  const handle: { cell: Cell | undefined; children: Set<Cell> } = { cell: undefined, children };
  // A sub-cell runs under its parent's limits (each with a budget of its
  // own): class closed, a limited cell escaping its CPU or memory limit by
  // running the work in a sub-cell.
  const createChild = (child: CellOptions) =>
    host.createChild(handle as CellHandle, {
      ...child,
      ...(options.limits === undefined ? {} : { limits: options.limits }),
    });
  const resolved = resolveGrants(name, options.grants ?? {}, host.audit, createChild);
  let clock: AmbientGrants["clock"];
  let random = false;
  for (const [grant, { cap, scope, ...kind }] of resolved) {
    clock ??= kind.clock;
    random ||= kind.random === true;
    scopes.set(grant, scope);
    granted.set(grant, {
      cap,
      caretaker: membrane.revocable(cap, { name: `grant "${grant}" of cell "${name}"` }),
    });
  }
  const ambient: AmbientGrants = harden({
    ...(clock === undefined ? {} : { clock }),
    random,
    ungranted: options.ambient ?? "deterministic",
  });
  return {
    membrane,
    granted,
    scopes,
    ambient,
    setCell(cell: Cell) {
      handle.cell = cell;
      return handle as CellHandle;
    },
    async revokeGrant(grant: string, reason: string) {
      const found = granted.get(grant);
      if (found === undefined) {
        throw new CellError(
          "CELL_UNKNOWN_GRANT",
          `Cell "${name}" has no grant named ${JSON.stringify(grant)}.`,
        );
      }
      // Invariant 3: drain through the live caretaker, then cut it.
      try {
        await scopes.get(grant)?.close(reason);
      } finally {
        found.caretaker.revoke(reason);
      }
    },
    async revokeAll(reason: string) {
      // Invariant 3: every gate closes now (synchronously), then all drain.
      const drained = await Promise.allSettled(
        [...scopes.values()].map((scope) => scope.close(reason)),
      );
      membrane.revoke(reason);
      await Promise.allSettled([...children].map((child) => child.revoke(reason)));
      const timedOut = drained.find(
        (r): r is PromiseRejectedResult =>
          r.status === "rejected" &&
          (r.reason as { code?: unknown } | null)?.code === "CAPS_REVOKE_TIMEOUT",
      );
      if (timedOut !== undefined) throw timedOut.reason;
    },
  };
};
