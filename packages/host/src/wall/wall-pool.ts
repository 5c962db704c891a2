/**
 * A warm pool of walls: threads or processes already started and locked
 * down, so a limited cell is ready in milliseconds.
 *
 * Invariants:
 * 1. A wall serves exactly one cell: `acquire` takes it out of the pool, and
 *    it is never put back, whatever the cell did.
 * 2. The pool refills in the background after each `acquire`, and replaces a
 *    pooled wall that died while waiting.
 * 3. After `close()`, every pooled wall is terminated and `acquire` fails;
 *    walls already handed out are the caller's to terminate.
 *
 * It does not share a wall between cells, and memory/stack limits are the
 * pool's (fixed when its walls start), not the cell's.
 */
import { CellError, hardenExport } from "@padded-cell/membrane";
import { bootWall, type WallKind } from "./wall-start.js";
import type { BootedWall, Wall, WallLimits, WallOutputHandler } from "./wall-supervisor.js";

/** Options of {@link makeWallPool}. */
export interface WallPoolOptions {
  /** Which wall the pool keeps warm. */
  readonly kind: WallKind;
  /** How many walls to keep warm. */
  readonly size: number;
  /** Memory and stack limits of the pooled walls (CPU, time and output limits are per cell). */
  readonly limits?: Pick<WallLimits, "memoryMb" | "stackKb">;
}

/** Options of {@link WallPool.acquire}. */
export interface AcquireWallOptions {
  /** The cell's name, used in fates and messages. */
  readonly name: string;
  /** Capabilities the cell receives as `caps`. */
  readonly grants: Record<string, object>;
  /** CPU, time and output limits of this cell. */
  readonly limits?: Pick<WallLimits, "cpuMs" | "wallMs" | "maxOutputBytes">;
  /** Receives the cell's console output. */
  readonly onOutput?: WallOutputHandler;
}

/**
 * A pool of pre-started walls.
 *
 * @example
 * ```ts
 * const pool = makeWallPool({ kind: "worker", size: 2 });
 * const wall = await pool.acquire({ name: "p", grants: {} });
 * await pool.close();
 * ```
 */
export interface WallPool {
  /** Takes a warm wall (or starts one if none is ready) and gives it the cell. */
  readonly acquire: (options: AcquireWallOptions) => Promise<Wall>;
  /** Walls that are started or starting, waiting in the pool. */
  readonly size: () => number;
  /** Terminates the pooled walls; later `acquire` calls fail. */
  readonly close: () => Promise<void>;
}

/**
 * Makes a warm pool of walls.
 *
 * @example
 * ```ts
 * const pool = makeWallPool({ kind: "process", size: 2, limits: { memoryMb: 64 } });
 * const wall = await pool.acquire({ name: "p", grants: {}, limits: { cpuMs: 500 } });
 * console.log(await wall.evaluate("1 + 1"));
 * await wall.terminate();
 * await pool.close();
 * ```
 */
export const makeWallPool = ({ kind, size, limits = {} }: WallPoolOptions): WallPool => {
  if (!Number.isSafeInteger(size) || size < 0)
    throw new RangeError("pool size must be a non-negative integer");
  const bootLimits = harden({ ...limits });
  const idle: BootedWall[] = [];
  let closed = false;

  const spawnOne = () => {
    const booted = bootWall(kind, bootLimits);
    idle.push(booted);
    // A pooled wall that dies while waiting is dropped and replaced.
    void booted.fate.then(() => {
      const at = idle.indexOf(booted);
      if (at !== -1) {
        idle.splice(at, 1);
        if (!closed) refill();
      }
    });
  };
  const refill = () => {
    while (!closed && idle.length < size) spawnOne();
  };
  refill();

  const acquire = async (options: AcquireWallOptions): Promise<Wall> => {
    if (closed) throw new CellError("CELL_START_FAILED", "the wall pool is closed");
    // Prefer a wall that is already ready; otherwise the oldest starting one.
    let booted = idle.shift();
    while (booted !== undefined && !booted.isAlive()) booted = idle.shift();
    booted ??= bootWall(kind, bootLimits);
    queueMicrotask(refill);
    await booted.ready;
    return booted.activate(options);
  };

  const close = async () => {
    closed = true;
    const walls = idle.splice(0);
    await Promise.all(walls.map((w) => w.terminate("the pool closed")));
  };

  return harden({ acquire, size: () => idle.length, close });
};
hardenExport(makeWallPool);
