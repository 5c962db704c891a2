/**
 * CPU clocks of walls, read from outside the wall: the CPU time a thread or
 * a process was actually running on a core, not the time it was runnable
 * and waiting for one.
 *
 * Invariants:
 * 1. A clock counts only time the wall's own thread or process ran
 *    (`utime + stime` in Linux's `/proc/.../stat`), so a budget does not run
 *    out on a loaded machine while the wall waits for a core.
 * 2. The reading is taken by the host; code inside the wall cannot change
 *    it (the worker only publishes which thread it is, once, before any
 *    guest code runs).
 *
 * Off Linux there is no per-thread clock without native code; callers fall
 * back to a coarser clock and say so in the Isolation levels guide.
 */
import { readdir, readFile } from "node:fs/promises";

/** Clock ticks per second of `/proc/.../stat` times (`USER_HZ`, 100 on Linux). */
const CLOCK_TICKS_PER_SECOND = 100;

/** Whether `/proc` clocks exist here. */
export const HAS_PROC_CLOCKS = process.platform === "linux";

/**
 * Reads the CPU time, in ms, of a process and every process below it (their
 * own time, and the time of the children they reaped), or `undefined` if the
 * process is gone. Used for jails, where the cell's Node runs two levels
 * below the process the host started.
 *
 * @example
 * ```ts
 * const ms = await readTreeCpuMs(child.pid);
 * ```
 */
export const readTreeCpuMs = async (pid: number): Promise<number | undefined> => {
  const ticks = await treeTicks(pid);
  return ticks === undefined ? undefined : (ticks * 1000) / CLOCK_TICKS_PER_SECOND;
};

/** Clock ticks of a process and its descendants (Linux's `task/<tid>/children`). */
const treeTicks = async (pid: number): Promise<number | undefined> => {
  const own = await readStatFields(`/proc/${pid}/stat`);
  if (own === undefined) return undefined;
  let total = own.reduce((a, b) => a + b, 0);
  const tasks = await readdir(`/proc/${pid}/task`).catch(() => [] as string[]);
  for (const task of tasks) {
    const text = await readFile(`/proc/${pid}/task/${task}/children`, "latin1").catch(() => "");
    for (const child of text.split(" ")) {
      if (child !== "") total += (await treeTicks(Number(child))) ?? 0;
    }
  }
  return total;
};

/** utime, stime, cutime, cstime of a `stat` file, in clock ticks. */
const readStatFields = async (statPath: string): Promise<number[] | undefined> => {
  try {
    const stat = await readFile(statPath, "latin1");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const values = [11, 12, 13, 14].map((i) => Number(fields[i]));
    return values.every(Number.isFinite) ? values : undefined;
  } catch {
    return undefined;
  }
};

/**
 * Reads the CPU time, in ms, of the thread or process whose `stat` file is
 * at `statPath` (`/proc/<pid>/stat` or `/proc/<pid>/task/<tid>/stat`), or
 * `undefined` if it is gone or unreadable.
 *
 * @example
 * ```ts
 * const ms = await readCpuMs(`/proc/${child.pid}/stat`);
 * ```
 */
export const readCpuMs = async (statPath: string): Promise<number | undefined> => {
  try {
    const stat = await readFile(statPath, "latin1");
    // Fields after the command name, which is in parentheses and may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? (ticks * 1000) / CLOCK_TICKS_PER_SECOND : undefined;
  } catch {
    return undefined;
  }
};
