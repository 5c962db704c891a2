/**
 * A cell behind a wall: a worker thread or a child process, with the same
 * grants, audit, revocation and output handling as a compartment cell.
 *
 * Invariants:
 * 1. The plugin's code never runs in the host's thread; only capabilities
 *    cross, by CapTP (see wall-*.ts).
 * 2. Every grant crosses through its own caretaker in the cell's membrane
 *    and its own resource scope, so `revokeGrant` cuts one grant and
 *    everything reached through it and closes what it opened, and `revoke`
 *    cuts all of them, closes everything and ends the wall.
 * 3. The cell's console output is kept in bounded buffers, like a
 *    compartment cell's.
 *
 * Plugins load as in a compartment cell (same module loader, same import
 * allow list, `node:fs` only as the fs grant's facade), from a snapshot of
 * the plugin folder sent across the wall. Its sub-cells run behind walls of
 * the same kind.
 */
import { makeStdio } from "@padded-cell/caps";
import { CellError, RevokedError } from "@padded-cell/membrane";
import { makeCellGrants } from "../cell/cell-grants.js";
import type { Cell, CellOptions, CellOutput } from "../cell/cell-types.js";
import type { CellHostContext } from "../cell/cell-types.js";
import { checkCellOptions } from "../cell/compartment-cell.js";
import { withRunHint } from "../module/module-run-hint.js";
import {
  packSnapshot,
  snapshotPluginFolder,
  type PackedSnapshot,
} from "../module/module-snapshot.js";
import { checkWallLimits, startWall } from "./wall-start.js";
import type { CellFate } from "./wall-fate.js";

/** A cell behind a wall, with its fate. */
export interface WalledCell extends Cell {
  /** Settles once, when the wall ends, with how it ended. */
  readonly fate: Promise<CellFate>;
}

/** Makes a worker or process cell. @internal */
export const makeWalledCell = async (
  options: CellOptions,
  host: CellHostContext,
): Promise<WalledCell> => {
  checkCellOptions(options);
  const { name } = options;
  const kind =
    options.isolation === "process" || options.isolation === "jail" ? options.isolation : "worker";
  checkWallLimits(kind, options.limits ?? {});
  const cellGrants = makeCellGrants(options, host);
  // The grants cross as their caretakers' views: revoking a grant cuts
  // everything reached through it behind the wall too (a `sub()` directory).
  const grants: Record<string, object> = {};
  for (const [grantName, { caretaker }] of cellGrants.granted) grants[grantName] = caretaker.proxy;

  const stdio = makeStdio({
    ...(options.limits?.maxOutputBytes === undefined
      ? {}
      : { limitBytes: options.limits.maxOutputBytes }),
    ...(options.connectOutput === undefined ? {} : { connect: options.connectOutput as never }),
  });
  const { memoryMb, cpuMs, wallMs, maxOutputBytes } = options.limits ?? {};
  const wall = await (host.startWall ?? startWall)({
    kind,
    name,
    grants,
    limits: {
      ...(memoryMb === undefined ? {} : { memoryMb }),
      ...(cpuMs === undefined ? {} : { cpuMs }),
      ...(wallMs === undefined ? {} : { wallMs }),
      ...(maxOutputBytes === undefined ? {} : { maxOutputBytes }),
    },
    onOutput: (stream, text) => void stdio.cap.write(stream, text).catch(() => {}),
    ambient: cellGrants.ambient,
  });
  let revokedReason: string | undefined;
  const assertLive = () => {
    if (revokedReason !== undefined) throw new RevokedError(`cell "${name}"`, revokedReason);
  };

  // The plugin folder, read once and packed, crosses once as bytes: the
  // wall never needs access to the host's files (a process wall has none).
  let files: Promise<PackedSnapshot> | undefined;
  const snapshot = (): Promise<PackedSnapshot> => {
    if (options.root === undefined) {
      return Promise.reject(
        new CellError(
          "CELL_NO_ROOT",
          `Cell "${name}" has no plugin folder: pass \`root\` to createCell.`,
        ),
      );
    }
    files ??= snapshotPluginFolder(options.root).then(packSnapshot);
    return files;
  };

  const cell: WalledCell = harden({
    name,
    isolation: kind,
    fate: wall.fate,
    async evaluate(source: string) {
      assertLive();
      return wall.evaluate(String(source));
    },
    async import(specifier: string): Promise<Record<string, unknown>> {
      assertLive();
      return (await wall.runPlugin(
        await snapshot(),
        String(specifier),
        options.imports ?? [],
        null,
      )) as Record<string, unknown>;
    },
    async run(specifier: string) {
      assertLive();
      const spec = String(specifier);
      const image = await snapshot();
      return withRunHint(spec, () => wall.runPlugin(image, spec, options.imports ?? [], "main"));
    },
    output(): CellOutput {
      const { stdout, stderr } = stdio.host.read();
      return { stdout, stderr };
    },
    revokeGrant: (grantName: string, reason = "grant revoked") =>
      cellGrants.revokeGrant(grantName, reason),
    async revoke(reason: string) {
      if (revokedReason !== undefined) return;
      revokedReason = String(reason);
      // Grants first (cell-grants.ts invariant 3): operations in flight
      // deliver their real outcome across the wall before it is cut.
      const [grants] = await Promise.allSettled([cellGrants.revokeAll(revokedReason)]);
      wall.revoke(revokedReason);
      await Promise.allSettled([wall.terminate(revokedReason)]);
      if (grants.status === "rejected") throw grants.reason;
    },
    get revoked() {
      return revokedReason !== undefined;
    },
  });
  cellGrants.setCell(cell);
  return cell;
};
