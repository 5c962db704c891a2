/**
 * How a walled cell ended: a typed, plain-data record the supervisor settles
 * exactly once, whatever happened first.
 *
 * Invariants:
 * 1. A fate is settled once; later events (an exit after a kill, a second
 *    terminate) never change it.
 * 2. A fate holds only a kind, a stable code and a message written by the
 *    host's supervisor; never a host path, stack or object.
 *
 * It does not observe the wall; the supervisors decide which fate applies.
 */
import { hardenExport } from "@padded-cell/membrane";
import type { WallErrorCode } from "./wall-error-codes.js";

/**
 * The kinds of ending a walled cell can have.
 *
 * @example
 * ```ts
 * const k: CellFateKind = "cpu-exceeded";
 * ```
 */
export type CellFateKind =
  | "ok"
  | "out-of-memory"
  | "cpu-exceeded"
  | "timeout"
  | "output-limit"
  | "crashed"
  | "exited"
  | "killed"
  | "revoked";

/**
 * How a walled cell ended.
 *
 * @example
 * ```ts
 * const fate: CellFate = await wall.fate;
 * if (fate.kind !== "ok") console.warn(fate.code, fate.message);
 * ```
 */
export interface CellFate {
  /** What happened. */
  readonly kind: CellFateKind;
  /** Stable code from {@link wallErrorCodes}. */
  readonly code: WallErrorCode;
  /** What happened, in the cell's terms. */
  readonly message: string;
}

const kindOfCode: Readonly<Record<WallErrorCode, CellFateKind>> = hardenExport({
  CELL_OK: "ok",
  CELL_OUT_OF_MEMORY: "out-of-memory",
  CELL_CPU_EXCEEDED: "cpu-exceeded",
  CELL_TIMEOUT: "timeout",
  CELL_OUTPUT_LIMIT: "output-limit",
  CELL_MESSAGE_LIMIT: "output-limit",
  CELL_CRASHED: "crashed",
  CELL_PROTOCOL_ERROR: "crashed",
  CELL_EXITED: "exited",
  CELL_KILLED: "killed",
  CELL_TERMINATED: "ok",
  CELL_START_FAILED: "crashed",
  CELL_JAIL_UNAVAILABLE: "crashed",
  WALL_UNPASSABLE: "crashed",
  REVOKED: "revoked",
});

/**
 * Makes a hardened fate record for a code.
 *
 * @example
 * ```ts
 * makeCellFate("CELL_TIMEOUT", "cell 'p' ran longer than 2000 ms");
 * ```
 */
export const makeCellFate = (code: WallErrorCode, message: string): CellFate =>
  harden({ kind: kindOfCode[code], code, message });
hardenExport(makeCellFate);
