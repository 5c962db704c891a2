/**
 * The shape of a cell, the same at every isolation level.
 */
import type { Grant } from "./cell-grant.js";

/** Where a cell runs: the host's thread, a worker thread, or a child process. */
export type Isolation = "compartment" | "worker" | "process";

/** Limits of a walled cell (worker or process); see the Isolation levels guide. */
export interface CellLimits {
  /** Heap limit, in MiB. */
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
  /** `"compartment"` (default), `"worker"` or `"process"`. */
  readonly isolation?: Isolation;
  /** Limits; memory and CPU limits need a worker or process cell. */
  readonly limits?: CellLimits;
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
