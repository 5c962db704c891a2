/**
 * Starts a worker-thread wall: a `Worker` running worker-entry.js with V8
 * resource limits, seen by the supervisor as a transport.
 *
 * Invariants:
 * 1. A worker wall takes no memory limit (wall-start.ts refuses `memoryMb`
 *    for it): V8 ends the whole process, host included, when a thread's
 *    heap cannot grow fast enough for one allocation (a large array, a Map
 *    or Set rehashing, a big result being built), so a per-thread heap cap
 *    would be a promise it cannot keep. Only the stack is capped
 *    (`stackKb`); a heap that fills slowly to V8's default limit still ends
 *    only the thread, reported as `CELL_OUT_OF_MEMORY`.
 * 2. The thread gets no environment variables, no argv and no execArgv of the
 *    host, and its stdout/stderr are not connected to the host's.
 * 3. CPU time is read from outside the thread: on Linux the thread's own CPU
 *    clock (see cpu-clock.ts), which counts no time spent waiting for a
 *    core; elsewhere its event-loop utilization (busy time, waiting
 *    included). A busy loop cannot hide from either.
 * 4. A thread that exits because it would have sent an oversized message
 *    is reported as `CELL_MESSAGE_LIMIT` (see ../wall-message-limit.ts).
 *
 * It does not contain memory: an allocation bomb in a worker can abort the
 * host process. Nor does it isolate native crashes. Use the process wall for
 * both.
 */
import { hardenExport } from "@padded-cell/membrane";
import { Worker } from "node:worker_threads";
import { HAS_PROC_CLOCKS, readCpuMs } from "../cpu-clock.js";
import { MAX_WALL_MESSAGE_BYTES, MESSAGE_LIMIT_EXIT_CODE } from "../wall-message-limit.js";
import type { WallLimits, WallTransport, WallTransportEvents } from "../wall-supervisor.js";

/**
 * The worker entry, as built into dist/. From dist/ this is dist/ itself;
 * from src/ (tests run the TypeScript sources) it is the sibling dist/.
 */
const WORKER_ENTRY = new URL("../../../dist/wall/worker/worker-entry.js", import.meta.url);

/**
 * Starts a worker thread and returns it as a transport.
 *
 * @example
 * ```ts
 * const booted = superviseWall("worker", (events) => startWorkerTransport({ stackKb: 512 }, events));
 * ```
 */
export const startWorkerTransport = (
  limits: WallLimits,
  events: WallTransportEvents,
  entry: URL = WORKER_ENTRY,
): WallTransport => {
  const resourceLimits: { stackSizeMb?: number } = {};
  if (limits.stackKb !== undefined) resourceLimits.stackSizeMb = limits.stackKb / 1024;
  // The thread writes its Linux thread id here before any guest code runs.
  const threadIdBox = new Int32Array(new SharedArrayBuffer(4));
  let worker: Worker;
  try {
    worker = new Worker(entry, {
      workerData: { threadIdBox },
      resourceLimits,
      env: {},
      argv: [],
      execArgv: [],
      stdout: true,
      stderr: true,
    });
  } catch {
    queueMicrotask(() =>
      events.onGone(
        "CELL_START_FAILED",
        "the worker wall could not start (is the host package built?)",
      ),
    );
    return harden({ post: () => {}, kill: () => {}, cpuMs: async () => 0, id: -1 });
  }
  worker.stdout.resume();
  worker.stderr.resume();
  let killed = false;
  let gone = false;
  let failure: { code: string | undefined } | undefined;
  worker.on("message", (msg) => events.onMessage(msg));
  worker.on("messageerror", () =>
    events.onGone("CELL_PROTOCOL_ERROR", "cell '{name}' sent a message that could not be read"),
  );
  worker.on("error", (err: Error & { code?: string }) => {
    failure = { code: err.code };
  });
  worker.on("exit", (exitCode) => {
    gone = true;
    if (killed) return;
    if (failure?.code === "ERR_WORKER_OUT_OF_MEMORY") {
      events.onGone("CELL_OUT_OF_MEMORY", "cell '{name}' ran out of heap");
    } else if (failure === undefined && exitCode === MESSAGE_LIMIT_EXIT_CODE) {
      events.onGone(
        "CELL_MESSAGE_LIMIT",
        `cell '{name}' tried to send the host a message of more than ${MAX_WALL_MESSAGE_BYTES} bytes`,
      );
    } else if (failure !== undefined) {
      events.onGone("CELL_CRASHED", "cell '{name}' crashed (its thread failed)");
    } else {
      events.onGone("CELL_EXITED", `cell '{name}' exited on its own (code ${exitCode})`);
    }
  });

  return harden({
    post: (msg: unknown, transfer?: readonly ArrayBuffer[]) => {
      if (gone || killed) return;
      try {
        worker.postMessage(msg, transfer === undefined ? undefined : [...transfer]);
      } catch {
        // A message that cannot be cloned is dropped; the call it belonged to
        // is rejected by the supervisor when the wall ends.
      }
    },
    kill: () => {
      if (killed) return;
      killed = true;
      void worker.terminate();
    },
    cpuMs: async () => {
      if (gone) return 0;
      if (!HAS_PROC_CLOCKS) return worker.performance.eventLoopUtilization().active;
      const tid = Atomics.load(threadIdBox, 0);
      // Before the thread published its id it has run no guest code.
      if (tid === 0) return 0;
      return (await readCpuMs(`/proc/self/task/${tid}/stat`)) ?? 0;
    },
    id: worker.threadId,
  });
};
hardenExport(startWorkerTransport);
