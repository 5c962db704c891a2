/**
 * `createHost`: the entry point. Locks the realm down once, then makes
 * cells and channels.
 *
 * Invariants:
 * 1. No cell exists before the realm is locked down (importing this package
 *    locks it down; see host-lockdown.ts).
 * 2. Closing the host revokes every cell it made, and terminates its pooled
 *    walls.
 * 3. A pooled wall serves one cell: a cell takes a wall out of the pool and it
 *    never goes back (see wall-pool.ts), so no cell ever runs where another
 *    plugin ran. A cell takes one only when its memory and stack limits are
 *    the pool's (they are fixed when a wall starts); otherwise it starts its
 *    own.
 */
import type { CellAuditSink } from "./audit/audit-sink.js";
import type { Cell, CellOptions } from "./cell/cell-types.js";
import { makeChannel, type Channel } from "./cell/channel.js";
import { makeCompartmentCell } from "./cell/compartment-cell.js";
import type { CellHandle, CellHostContext } from "./cell/cell-types.js";
import { makeWalledCell } from "./wall/walled-cell.js";
import { makeWallPool, type WallPool } from "./wall/wall-pool.js";
import { startWall, type StartWallOptions, type WallKind } from "./wall/wall-start.js";
import { CellError } from "@padded-cell/membrane";

/** Warm walls a host keeps ready (see {@link HostOptions.pool}). */
export interface HostPoolOptions {
  /** Worker walls to keep started and locked down. */
  readonly worker?: number;
  /** Process walls to keep started and locked down. */
  readonly process?: number;
  /**
   * Memory and stack limits of the pooled walls. A cell takes a pooled wall
   * only when its own `memoryMb` and `stackKb` are these (both unset by
   * default); CPU, time and output limits are per cell and always apply.
   */
  readonly limits?: { readonly memoryMb?: number; readonly stackKb?: number };
}

/** Options of {@link createHost}. */
export interface HostOptions {
  /** Receives a record of every capability use by every cell. */
  readonly audit?: CellAuditSink;
  /**
   * Keep walls warm so that `createCell` with isolation `"worker"` or
   * `"process"` is ready in milliseconds: `{ worker: 2, limits: { memoryMb: 64 } }`.
   */
  readonly pool?: HostPoolOptions;
}

/** A plugin host. */
export interface Host {
  /** Creates a cell. */
  createCell(options: CellOptions): Promise<Cell>;
  /** Creates a channel whose two ends can be granted to two cells. */
  channel(name: string, options?: { capacity?: number }): Channel;
  /** Revokes every cell this host made. */
  close(reason?: string): Promise<void>;
}

/**
 * Creates a host: a factory of cells. The realm was locked down when
 * `@padded-cell/host` loaded (with SES's defaults, unless the application
 * called `lockdown(options)` itself before importing it).
 *
 * @example
 * ```ts
 * import { createHost } from "@padded-cell/host";
 * import { makeDirCap } from "@padded-cell/caps";
 *
 * const host = await createHost();
 * const cell = await host.createCell({
 *   name: "notes",
 *   grants: { fs: ({ scope }) => makeDirCap("/srv/notes", { scope }).readOnly() },
 * });
 * console.log(await cell.evaluate(`caps.fs.readFile("/today.md", { encoding: "utf8" })`));
 * await cell.revoke("done");
 * ```
 */
export async function createHost(options: HostOptions = {}): Promise<Host> {
  const cells = new Set<Cell>();
  let closed = false;

  const poolLimits = harden({ ...options.pool?.limits });
  const pools = new Map<WallKind, WallPool>();
  for (const kind of ["worker", "process"] as const) {
    const size = options.pool?.[kind];
    if (size !== undefined) pools.set(kind, makeWallPool({ kind, size, limits: poolLimits }));
  }
  /** Invariant 3: a pooled wall only for a cell whose fixed limits are the pool's. */
  const startPooledWall = async (wallOptions: StartWallOptions) => {
    const pool = pools.get(wallOptions.kind);
    const { memoryMb, stackKb, ...perCell } = wallOptions.limits ?? {};
    if (pool === undefined || memoryMb !== poolLimits.memoryMb || stackKb !== poolLimits.stackKb) {
      return startWall(wallOptions);
    }
    return pool.acquire({
      name: wallOptions.name,
      grants: wallOptions.grants,
      limits: perCell,
      ...(wallOptions.onOutput === undefined ? {} : { onOutput: wallOptions.onOutput }),
    });
  };

  const context: CellHostContext = {
    audit: options.audit,
    startWall: startPooledWall,
    async createChild(parent: CellHandle, childOptions: CellOptions) {
      if (parent.cell.revoked) {
        throw new CellError("REVOKED", `Cell "${parent.cell.name}" was revoked.`);
      }
      // A sub-cell stands behind the same wall as its parent, never a lower one.
      const isolation = parent.cell.isolation;
      const child =
        isolation === "compartment"
          ? (await makeCompartmentCell({ ...childOptions, isolation }, context)).cell
          : await makeWalledCell({ ...childOptions, isolation }, context);
      parent.children.add(child);
      return child;
    },
  };

  return harden({
    async createCell(cellOptions: CellOptions) {
      if (closed) throw new CellError("REVOKED", "This host was closed.");
      const isolation = cellOptions?.isolation ?? "compartment";
      if (isolation === "worker" || isolation === "process" || isolation === "jail") {
        const cell = await makeWalledCell(cellOptions, context);
        cells.add(cell);
        return cell;
      }
      if (isolation !== "compartment") {
        throw new CellError(
          "CELL_BAD_OPTIONS",
          'isolation must be "compartment", "worker", "process" or "jail".',
        );
      }
      if (
        cellOptions.limits?.memoryMb !== undefined ||
        cellOptions.limits?.cpuMs !== undefined ||
        cellOptions.limits?.wallMs !== undefined
      ) {
        throw new CellError(
          "CELL_BAD_OPTIONS",
          'Memory, CPU and time limits need a wall: use isolation "worker", "process" or "jail".',
        );
      }
      const handle = await makeCompartmentCell(cellOptions, context);
      cells.add(handle.cell);
      return handle.cell;
    },
    channel(name: string, channelOptions: { capacity?: number } = {}) {
      return makeChannel(String(name), channelOptions.capacity);
    },
    async close(reason = "host closed") {
      closed = true;
      await Promise.allSettled([
        ...[...cells].map((cell) => cell.revoke(reason)),
        ...[...pools.values()].map((pool) => pool.close()),
      ]);
      cells.clear();
    },
  });
}
