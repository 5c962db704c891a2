/**
 * The shape of a cell, the same at every isolation level.
 */
import type { StartWallOptions } from "../wall/wall-start.js";
import type { Wall } from "../wall/wall-supervisor.js";
import type { ResourceScope } from "@padded-cell/caps";
import type { CellAuditSink } from "../audit/audit-sink.js";

/** Where a cell runs: the host's thread, a worker thread, a child process, or a child process in a jail. */
export type Isolation = "compartment" | "worker" | "process" | "jail";

/** Limits of a walled cell (worker or process); see the Isolation levels guide. */
export interface CellLimits {
  /** Heap limit, in MiB (and as much again off the heap); process cells only. */
  readonly memoryMb?: number;
  /** CPU time, in ms. */
  readonly cpuMs?: number;
  /** Wall-clock time, in ms. */
  readonly wallMs?: number;
  /** Bytes of console output kept per stream. */
  readonly maxOutputBytes?: number;
}

/** Options of `host.createCell`. */
export interface CellOptions {
  /** A name for messages and audit records: 1 to 100 of letters, digits, `. _ - @ /` and spaces. */
  readonly name: string;
  /** What the cell may use, by name. Conventional names get facades: see the guide. */
  readonly grants?: Readonly<Record<string, Grant>>;
  /** The plugin's folder (with its package.json), for `cell.import`. */
  readonly root?: string;
  /** Packages the plugin may import (exact names, or `"pkg/*"`). */
  readonly imports?: readonly string[];
  /** `"compartment"` (default), `"worker"`, `"process"` or `"jail"` (see the Isolation levels guide). */
  readonly isolation?: Isolation;
  /** Limits; memory and CPU limits need a walled cell (worker, process or jail). */
  readonly limits?: CellLimits;
  /**
   * What `Date`, `Math.random()` and `Intl`'s "now" do without a clock or
   * randomness grant: `"deterministic"` (default: the clock reads 0, random
   * numbers are a fixed sequence) or `"deny"` (they throw
   * `CELL_CLOCK_NOT_GRANTED` / `CELL_RANDOM_NOT_GRANTED`). See the Modules guide.
   */
  readonly ambient?: "deterministic" | "deny";
  /** Also copy the cell's console output to these host streams. */
  readonly connectOutput?: {
    readonly stdout?: NodeJS.WritableStream;
    readonly stderr?: NodeJS.WritableStream;
  };
}

/** What a cell printed, as kept in its bounded buffers. */
export interface CellOutput {
  readonly stdout: string;
  readonly stderr: string;
}

/** A running cell. */
export interface Cell {
  /** The cell's name. */
  readonly name: string;
  /** Where it runs. */
  readonly isolation: Isolation;
  /** Evaluates a script in the cell; resolves to its completion value. */
  evaluate(source: string): Promise<unknown>;
  /** Imports a module of the plugin (`"./index.js"`) or an allowed package. */
  import(specifier: string): Promise<Record<string, unknown>>;
  /**
   * Imports `specifier` and, if it exports a function `main`, resolves to
   * `await main(caps)`; otherwise to undefined.
   */
  run(specifier: string): Promise<unknown>;
  /** What the cell printed so far. */
  output(): CellOutput;
  /** Revokes one grant: its references die and its resources close. */
  revokeGrant(name: string, reason?: string): Promise<void>;
  /** Revokes everything the cell holds, and its sub-cells. */
  revoke(reason: string): Promise<void>;
  /** Whether `revoke` was called. */
  readonly revoked: boolean;
}

/** What a grant factory receives. */
export interface GrantContext {
  /** The cell's name. */
  readonly cell: string;
  /** The grant's name. */
  readonly grant: string;
  /** Resources the capability opens; closed when the grant or cell is revoked. */
  readonly scope: ResourceScope;
  /** Creates a sub-cell of this cell: revoked when this cell is. */
  readonly createCell: (options: CellOptions) => Promise<Cell>;
}

/** Makes a capability for one cell. */
export type GrantFactory = (context: GrantContext) => object;

/**
 * A capability, or a factory that makes one per cell (use a factory when the
 * capability opens resources that revocation must close).
 */
export type Grant = object | GrantFactory;

/** What a compartment cell needs from its host. @internal */
export interface CellHostContext {
  readonly audit: CellAuditSink | undefined;
  /** Makes a sub-cell of the cell being created. */
  readonly createChild: (parent: CellHandle, options: CellOptions) => Promise<Cell>;
  /** Starts a wall for a walled cell (from the host's warm pool when one fits). */
  readonly startWall?: (options: StartWallOptions) => Promise<Wall>;
}

/** A cell plus what its host needs to manage it. @internal */
export interface CellHandle {
  readonly cell: Cell;
  readonly children: Set<Cell>;
}
