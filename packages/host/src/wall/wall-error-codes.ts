/**
 * The stable codes a wall (worker or process isolation) reports: how a cell
 * ended (its fate) and why a call across the wall failed.
 *
 * Invariants:
 * 1. Codes never change meaning once published; the docs' Error codes page is
 *    generated from this table.
 * 2. `REVOKED` is the same code the in-thread membrane uses, so plugin code
 *    handles revocation the same way at every isolation level.
 *
 * It does not decide the wording of a message; the supervisor writes messages
 * in the cell's terms (limits and names the host chose), never host paths.
 */
import { hardenExport } from "@padded-cell/membrane";

/**
 * A stable code of a wall fault or fate.
 *
 * @example
 * ```ts
 * const code: WallErrorCode = "CELL_TIMEOUT";
 * ```
 */
export type WallErrorCode =
  | "CELL_OK"
  | "CELL_OUT_OF_MEMORY"
  | "CELL_CPU_EXCEEDED"
  | "CELL_TIMEOUT"
  | "CELL_OUTPUT_LIMIT"
  | "CELL_MESSAGE_LIMIT"
  | "CELL_CRASHED"
  | "CELL_PROTOCOL_ERROR"
  | "CELL_EXITED"
  | "CELL_KILLED"
  | "CELL_TERMINATED"
  | "CELL_START_FAILED"
  | "CELL_JAIL_UNAVAILABLE"
  | "WALL_UNPASSABLE"
  | "REVOKED";

/**
 * How the docs explain one wall error code.
 *
 * @example
 * ```ts
 * const doc: WallErrorCodeDoc = wallErrorCodes.CELL_TIMEOUT;
 * ```
 */
export interface WallErrorCodeDoc {
  /** What happened, in the cell's terms. */
  readonly cause: string;
  /** What the cell or the host can do about it. */
  readonly mitigation: string;
}

// The table itself; exported below with a documented type.
const table: Readonly<Record<WallErrorCode, WallErrorCodeDoc>> = {
  CELL_OK: {
    cause: "The cell was shut down by its host after normal use (terminate or pool close).",
    mitigation: "None needed.",
  },
  CELL_OUT_OF_MEMORY: {
    cause:
      "The cell's heap grew past `limits.memoryMb` (or a process cell's memory past its kernel limit); the wall was torn down.",
    mitigation:
      "Raise `limits.memoryMb` (memory limits need a process cell), or make the plugin process data in smaller pieces.",
  },
  CELL_CPU_EXCEEDED: {
    cause:
      "The cell used more CPU time than `limits.cpuMs` (an endless loop, a catastrophic regular expression, a microtask storm).",
    mitigation: "Raise `limits.cpuMs`, or find the loop in the plugin.",
  },
  CELL_TIMEOUT: {
    cause: "The cell lived longer than `limits.wallMs` of wall-clock time.",
    mitigation: "Raise `limits.wallMs`, or check for a capability call that never settles.",
  },
  CELL_OUTPUT_LIMIT: {
    cause: "The cell wrote more than `limits.maxOutputBytes` bytes to its console.",
    mitigation: "Raise `limits.maxOutputBytes`, or make the plugin log less.",
  },
  CELL_MESSAGE_LIMIT: {
    cause:
      "The cell tried to send the host one message (a result, a capability call's arguments) larger than 16 MiB; the wall was torn down before the host received it.",
    mitigation:
      "Return or pass data in smaller pieces (for example write a large result to a granted file in chunks).",
  },
  CELL_CRASHED: {
    cause:
      "The cell's thread or process failed: an error nobody handled (for example a rejection thrown from a microtask), or a fatal engine error.",
    mitigation: "Read the fate's message; handle the rejection inside the plugin.",
  },
  CELL_PROTOCOL_ERROR: {
    cause:
      "The wall sent a message the host could not understand (corrupt, partial or forged); the host tore the wall down.",
    mitigation: "This means the wall's runtime was subverted or damaged; report it.",
  },
  CELL_EXITED: {
    cause: "The cell's thread or process exited on its own before the host ended it.",
    mitigation:
      "Read the fate's message for the exit code; the wall's runtime should not exit by itself.",
  },
  CELL_KILLED: {
    cause:
      "The cell's process was killed by a signal from outside the host (for example SIGKILL by the OS or an operator).",
    mitigation: "Check the system's OOM killer and process supervisors.",
  },
  CELL_TERMINATED: {
    cause: "A call was pending when the host terminated the cell.",
    mitigation: "Await the cell's work before terminating it.",
  },
  CELL_START_FAILED: {
    cause:
      "The worker thread or child process could not be started, or did not report ready in time.",
    mitigation:
      "Build the host package (`npx tsc -b`) so its wall entry files exist, and check the Node.js version.",
  },
  CELL_JAIL_UNAVAILABLE: {
    cause:
      'A cell asked for isolation "jail", and this machine cannot start one: it is not Linux, bubblewrap or util-linux is missing, or the kernel refuses unprivileged user namespaces. The message says which.',
    mitigation:
      'Do what the message says (e.g. `apt-get install bubblewrap`), or run `padded-cell doctor` to see which isolation levels this machine supports; otherwise use isolation "process".',
  },
  WALL_UNPASSABLE: {
    cause:
      "A value cannot cross a wall: only data (primitives, plain records and arrays, bytes, errors) and capabilities (objects with methods, functions) can.",
    mitigation: "Pass plain data, or a capability object whose methods return data.",
  },
  REVOKED: {
    cause: "The host revoked the cell: capability calls in flight and every later call fail.",
    mitigation: "The host decided this; ask it to grant the capability again.",
  },
};

/**
 * Codes of wall faults and fates, with cause and mitigation for the docs.
 *
 * @example
 * ```ts
 * import { wallErrorCodes } from "@padded-cell/host";
 * console.log(wallErrorCodes.CELL_CPU_EXCEEDED.mitigation);
 * ```
 */
export const wallErrorCodes: Readonly<Record<WallErrorCode, WallErrorCodeDoc>> =
  hardenExport(table);
