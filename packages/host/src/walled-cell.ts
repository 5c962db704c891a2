/**
 * A cell behind a wall: a worker thread or a child process, with the same
 * grants, audit, revocation and output handling as a compartment cell.
 *
 * Invariants:
 * 1. The plugin's code never runs in the host's thread; only capabilities
 *    cross, by CapTP (see wall-*.ts).
 * 2. Every grant crosses through its own revocable forwarder and resource
 *    scope, so `revokeGrant` cuts one grant and closes what it opened, and
 *    `revoke` cuts all of them, closes everything and ends the wall.
 * 3. The cell's console output is kept in bounded buffers, like a
 *    compartment cell's.
 *
 * It does not load plugin folders: `run` takes one self-contained ES module
 * file inside `root`; `import` of packages needs a compartment cell. Its
 * sub-cells run behind walls of the same kind.
 */
import { readFile, realpath } from "node:fs/promises";
import { isAbsolute, relative, resolve } from "node:path";
import { makeStdio, revocable, type ResourceScope } from "@padded-cell/caps";
import { CellError, RevokedError } from "@padded-cell/membrane";
import { resolveGrants } from "./cell-grant.js";
import type { Cell, CellOptions, CellOutput } from "./cell-types.js";
import type { CellHandle, CellHostContext } from "./compartment-cell.js";
import { checkCellOptions } from "./compartment-cell.js";
import { startWall } from "./wall-start.js";
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
  const kind = options.isolation === "process" ? "process" : "worker";
  const scopes = new Map<string, ResourceScope>();
  const revokers = new Map<string, (reason: string) => void>();
  const grants: Record<string, object> = {};
  const children = new Set<Cell>();
  // Filled in once the cell exists; grant factories only use it later.
  const handle: { cell: Cell | undefined; children: Set<Cell> } = { cell: undefined, children };

  const createChild = (child: CellOptions) => host.createChild(handle as CellHandle, child);
  for (const [grantName, { cap, scope }] of resolveGrants(
    name,
    options.grants ?? {},
    host.audit,
    createChild,
  )) {
    scopes.set(grantName, scope);
    const forwarder = revocable(cap as Record<string, unknown>, {
      name: `grant "${grantName}" of cell "${name}"`,
    });
    revokers.set(grantName, forwarder.revoke);
    grants[grantName] = forwarder.cap;
  }

  const stdio = makeStdio({
    ...(options.limits?.maxOutputBytes === undefined
      ? {}
      : { limitBytes: options.limits.maxOutputBytes }),
    ...(options.connectOutput === undefined ? {} : { connect: options.connectOutput as never }),
  });
  const { memoryMb, cpuMs, wallMs, maxOutputBytes } = options.limits ?? {};
  const wall = await startWall({
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
  });
  let revokedReason: string | undefined;
  const assertLive = () => {
    if (revokedReason !== undefined) throw new RevokedError(`cell "${name}"`, revokedReason);
  };

  const readEntry = async (specifier: string): Promise<string> => {
    if (options.root === undefined) {
      throw new CellError(
        "CELL_NO_ROOT",
        `Cell "${name}" has no plugin folder: pass \`root\` to createCell.`,
      );
    }
    const root = await realpath(options.root);
    const file = await realpath(resolve(root, String(specifier))).catch(() => undefined);
    const inside =
      file !== undefined &&
      !relative(root, file).startsWith("..") &&
      !isAbsolute(relative(root, file));
    if (!inside) {
      throw new CellError(
        "MODULE_NOT_FOUND",
        `Cell "${name}" has no module ${JSON.stringify(String(specifier))} in its plugin folder.`,
      );
    }
    return readFile(file as string, "utf8");
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
      throw new CellError(
        "CELL_BAD_OPTIONS",
        `Cell "${name}" runs behind a ${kind} wall, where import(${JSON.stringify(String(specifier))}) of plugin packages is not supported yet; use run() with a self-contained module, or a compartment cell.`,
      );
    },
    async run(specifier: string) {
      assertLive();
      return wall.run(await readEntry(specifier), "main");
    },
    output(): CellOutput {
      const { stdout, stderr } = stdio.host.read();
      return { stdout, stderr };
    },
    async revokeGrant(grantName: string, reason = "grant revoked") {
      const revoke = revokers.get(grantName);
      if (revoke === undefined) {
        throw new CellError(
          "CELL_UNKNOWN_GRANT",
          `Cell "${name}" has no grant named ${JSON.stringify(grantName)}.`,
        );
      }
      revoke(reason);
      await scopes.get(grantName)?.close(reason);
    },
    async revoke(reason: string) {
      if (revokedReason !== undefined) return;
      revokedReason = String(reason);
      for (const revoke of revokers.values()) revoke(revokedReason);
      wall.revoke(revokedReason);
      await Promise.allSettled([
        ...[...scopes.values()].map((s) => s.close(revokedReason as string)),
        ...[...children].map((child) => child.revoke(revokedReason as string)),
        wall.terminate(revokedReason),
      ]);
    },
    get revoked() {
      return revokedReason !== undefined;
    },
  });
  handle.cell = cell;
  return cell;
};
