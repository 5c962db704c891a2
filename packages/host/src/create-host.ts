/**
 * `createHost`: the entry point. Locks the realm down once, then makes
 * cells and channels.
 *
 * Invariants:
 * 1. No cell exists before the realm is locked down.
 * 2. Closing the host revokes every cell it made.
 */
import type { CellAuditSink } from "./audit-sink.js";
import type { Cell, CellOptions } from "./cell-types.js";
import { makeChannel, type Channel } from "./channel.js";
import { makeCompartmentCell, type CellHandle, type CellHostContext } from "./compartment-cell.js";
import { ensureLockdown, type HostLockdownOptions } from "./host-lockdown.js";
import { CellError } from "@padded-cell/membrane";

/** Options of {@link createHost}. */
export interface HostOptions {
  /** SES lockdown options (default: SES's defaults). See the host README. */
  readonly lockdown?: HostLockdownOptions;
  /** Receives a record of every capability use by every cell. */
  readonly audit?: CellAuditSink;
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
 * Creates a host: locks the realm down (once per process) and returns a
 * factory of cells.
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
  ensureLockdown(options.lockdown);
  const cells = new Set<Cell>();
  let closed = false;

  const context: CellHostContext = {
    audit: options.audit,
    async createChild(parent: CellHandle, childOptions: CellOptions) {
      if (parent.cell.revoked)
        throw new CellError("REVOKED", `Cell "${parent.cell.name}" was revoked.`);
      const child = await makeCompartmentCell(childOptions, context);
      parent.children.add(child.cell);
      return child.cell;
    },
  };

  return harden({
    async createCell(cellOptions: CellOptions) {
      if (closed) throw new CellError("REVOKED", "This host was closed.");
      const handle = await makeCompartmentCell(cellOptions, context);
      cells.add(handle.cell);
      return handle.cell;
    },
    channel(name: string, channelOptions: { capacity?: number } = {}) {
      return makeChannel(String(name), channelOptions.capacity);
    },
    async close(reason = "host closed") {
      closed = true;
      await Promise.allSettled([...cells].map((cell) => cell.revoke(reason)));
      cells.clear();
    },
  });
}
