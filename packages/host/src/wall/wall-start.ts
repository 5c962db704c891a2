/**
 * `startWall`: run a cell behind a wall (a worker thread or a child process),
 * with capabilities crossing by CapTP.
 *
 * Invariants:
 * 1. The wall's realm is locked down before it receives anything of the host.
 * 2. A limit a wall cannot enforce is refused, never ignored: `memoryMb`
 *    needs a process wall (see worker/worker-wall.ts, invariant 1).
 * 3. Memory and stack limits are fixed when the thread or process starts; CPU,
 *    wall-clock and output limits start counting when the cell receives its
 *    grants.
 * 3. At most MAX_BOOTING walls boot at once (one per core); the others wait
 *    their turn before their thread or process starts, so starting 50 walls at
 *    once makes them ready in turn instead of all missing the start timeout
 *    while they share the cores.
 *
 * It does not pool walls (see wall-pool.ts).
 */
import { CellError, hardenExport } from "@padded-cell/membrane";
import { availableParallelism } from "node:os";
import { startProcessTransport } from "./process/process-wall.js";
import { jailSupport } from "./jail/jail-support.js";
import {
  superviseWall,
  type BootedWall,
  type Wall,
  type WallLimits,
  type WallOutputHandler,
} from "./wall-supervisor.js";
import { startWorkerTransport } from "./worker/worker-wall.js";
import type { AmbientGrants } from "../cell/cell-ambient.js";

/** Which wall: a worker thread or a child process. */
export type WallKind = "worker" | "process" | "jail";

/** Options of {@link startWall}. */
export interface StartWallOptions {
  /**
   * `"worker"` (a thread with its own heap), `"process"` (a child process
   * under Node's permission model) or `"jail"` (that process inside Linux
   * namespaces and kernel limits).
   */
  readonly kind: WallKind;
  /** The cell's name, used in fates and messages. */
  readonly name: string;
  /** Capabilities the cell receives as `caps`: hardened objects with async methods. */
  readonly grants: Record<string, object>;
  /** Resource limits. */
  readonly limits?: WallLimits;
  /** Receives the cell's console output. */
  readonly onOutput?: WallOutputHandler;
  /** What the grants say about time and randomness (cell-ambient.ts). */
  readonly ambient?: AmbientGrants;
}

/** Largest `stackKb` a process wall accepts: V8 must stay inside the OS thread stack (8 MiB). */
const MAX_PROCESS_STACK_KB = 7 * 1024;

/**
 * Refuses limits that would be ignored or would crash the wall (NaN,
 * negative, too large a stack, a memory limit for a worker).
 *
 * @example
 * ```ts
 * checkWallLimits("worker", { memoryMb: 64 }); // throws CELL_BAD_OPTIONS
 * ```
 */
export const checkWallLimits = (kind: WallKind, limits: WallLimits): void => {
  for (const key of ["memoryMb", "cpuMs", "wallMs", "maxOutputBytes", "stackKb"] as const) {
    const v = limits[key];
    if (v !== undefined && !(typeof v === "number" && Number.isFinite(v) && v > 0)) {
      throw new RangeError(`limits.${key} must be a positive, finite number`);
    }
  }
  // Invariant 2. Class closed: a memory bomb in a worker thread aborting the
  // host (V8's out-of-memory in any isolate ends the whole process).
  if (kind === "worker" && limits.memoryMb !== undefined) {
    throw new CellError(
      "CELL_BAD_OPTIONS",
      "limits.memoryMb needs isolation \"process\": a worker thread shares the host's process, and V8 aborts the whole process when a thread's heap fills faster than it can be stopped.",
    );
  }
  if (kind !== "worker" && limits.stackKb !== undefined && limits.stackKb > MAX_PROCESS_STACK_KB) {
    throw new RangeError(
      `limits.stackKb must be at most ${MAX_PROCESS_STACK_KB} for a process wall`,
    );
  }
};

/**
 * Boots a wall of the given kind without a cell (used by the pool).
 *
 * @example
 * ```ts
 * const booted = bootWall("process", { memoryMb: 64 });
 * await booted.ready;
 * ```
 */
export const bootWall = (kind: WallKind, limits: WallLimits = {}): BootedWall => {
  if (kind !== "worker" && kind !== "process" && kind !== "jail") {
    throw new TypeError(
      `unknown wall kind ${JSON.stringify(kind)} (use "worker", "process" or "jail")`,
    );
  }
  checkWallLimits(kind, limits);
  if (kind === "jail") {
    const support = jailSupport();
    if (!support.ok) {
      throw new CellError(
        "CELL_JAIL_UNAVAILABLE",
        `This machine cannot run a jail: ${support.missing} is missing. To enable it, ${support.enable}.`,
      );
    }
  }
  return superviseWall(kind, (events) =>
    kind === "worker"
      ? startWorkerTransport(limits, events)
      : startProcessTransport(limits, events, undefined, kind === "jail"),
  );
};
hardenExport(checkWallLimits);
hardenExport(bootWall);

/** Invariant 3: walls booting now, and the starts waiting for a turn. */
const MAX_BOOTING = Math.max(2, availableParallelism());
let booting = 0;
const waitingToBoot: Array<() => void> = [];
const takeBootSlot = async (): Promise<void> => {
  if (booting < MAX_BOOTING) {
    booting += 1;
    return;
  }
  await new Promise<void>((resolve) => waitingToBoot.push(resolve));
};
const releaseBootSlot = () => {
  const next = waitingToBoot.shift();
  // The slot passes straight to the next start that waits.
  if (next !== undefined) next();
  else booting -= 1;
};

/**
 * Starts a cell behind a wall and resolves once the wall's runtime is locked
 * down and ready.
 *
 * @example
 * ```ts
 * const wall = await startWall({
 *   kind: "process",
 *   name: "markdown",
 *   grants: { fs },
 *   limits: { memoryMb: 64, cpuMs: 2000 },
 * });
 * const html = await wall.run("export const main = async (caps) => caps.fs.readFile('/index.md')");
 * const fate = await wall.terminate("done");
 * ```
 */
export const startWall = async (options: StartWallOptions): Promise<Wall> => {
  await takeBootSlot();
  let booted: BootedWall;
  try {
    booted = bootWall(options.kind, options.limits);
    await booted.ready;
  } finally {
    releaseBootSlot();
  }
  return booted.activate(options);
};
hardenExport(startWall);
