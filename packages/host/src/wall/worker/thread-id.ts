/**
 * Runs inside a worker wall, before any guest code: publishes the thread's
 * Linux thread id into the box the host passed in `workerData`, so the host
 * can read the thread's own CPU clock (see ../cpu-clock.ts).
 *
 * It does nothing off Linux, or when the host passed no box.
 */
import { readlinkSync } from "node:fs";
import { workerData } from "node:worker_threads";

/**
 * Writes this thread's id into `workerData.threadIdBox`.
 *
 * @example
 * ```ts
 * publishThreadId(); // first thing in a worker entry
 * ```
 */
export const publishThreadId = (): void => {
  const box = (workerData as { threadIdBox?: unknown } | undefined)?.threadIdBox;
  if (!(box instanceof Int32Array) || process.platform !== "linux") return;
  const tid = Number(readlinkSync("/proc/thread-self").split("/").pop());
  if (Number.isInteger(tid) && tid > 0) Atomics.store(box, 0, tid);
};
