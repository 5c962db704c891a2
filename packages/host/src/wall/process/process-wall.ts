/**
 * Starts a child-process wall: `node process-entry.js` with a heap cap, Node's
 * permission model, no environment and an empty temporary working directory,
 * seen by the supervisor as a transport over a framed pipe.
 *
 * Invariants:
 * 1. The child inherits nothing of the host's environment (`env` is empty)
 *    and runs in a fresh temporary directory that is removed when it ends.
 * 2. Node's permission model is on: the child may read only the directories
 *    it needs to load its own entry and dependencies; it may not write files,
 *    spawn processes, start workers or load native addons.
 * 3. Messages cross a dedicated pipe framed by wall-frame.ts, not Node's IPC
 *    channel: Node's IPC throws an uncaught exception in the parent on a
 *    corrupt frame, which would let a subverted child crash the host.
 * 4. Every child is reaped: killed on `kill()`, and killed when the host
 *    process exits; a child whose pipe closes exits by itself.
 * 5. A write to a dead child (EPIPE) is swallowed; the child's death is
 *    reported once, through onGone.
 *
 * It does not stop a child from using CPU or memory the OS gives it beyond
 * the V8 heap (native buffers); the supervisor's CPU meter and `kill` cover
 * time, the heap cap covers the JavaScript heap.
 */
import { hardenExport } from "@padded-cell/membrane";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, realpathSync, rmSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, sep } from "node:path";
import { fileURLToPath } from "node:url";
import type { Duplex } from "node:stream";
import { HAS_PROC_CLOCKS, readCpuMs } from "../cpu-clock.js";
import { encodeFrame, makeFrameReader } from "../wall-frame.js";
import type { WallLimits, WallTransport, WallTransportEvents } from "../wall-supervisor.js";

/** Same layout trick as the worker entry: dist/ from dist/ and from src/. */
const PROCESS_ENTRY = fileURLToPath(
  new URL("../../../dist/wall/process/process-entry.js", import.meta.url),
);
const MAX_FRAME_BYTES = 64 * 1024 * 1024;
const NODE_MAJOR = Number(process.versions.node.split(".")[0]);
const PERMISSION_FLAG = NODE_MAJOR >= 22 ? "--permission" : "--experimental-permission";

const live = new Set<ChildProcess>();
let reaperInstalled = false;
const installReaper = () => {
  if (reaperInstalled) return;
  reaperInstalled = true;
  process.once("exit", () => {
    for (const child of live) child.kill("SIGKILL");
  });
};

/**
 * The outermost `node_modules` above a resolved dependency: with pnpm this is
 * the workspace's store, with npm the application's; the child needs to read
 * it to load SES and Endo.
 */
/** The folder of the package that holds `real` (the nearest package.json). */
const packageDirOf = (real: string): string => {
  let dir = dirname(real);
  while (!existsSync(join(dir, "package.json")) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
};
const nodeModulesRootOf = (file: string): string => {
  const real = realpathSync(file);
  const marker = `${sep}node_modules${sep}`;
  const at = real.indexOf(marker);
  if (at !== -1) return real.slice(0, at + marker.length - 1);
  // A workspace package: its whole folder, for the node_modules links in it.
  return packageDirOf(real);
};

let readRoots: string[] | undefined;
const childReadRoots = (entry: string): string[] => {
  if (readRoots !== undefined) return readRoots;
  const require = createRequire(entry);
  // The package directory (dist/ and its node_modules links), not only dist/:
  // module resolution stats the links on the way to the store.
  const roots = new Set<string>([packageDirOf(realpathSync(entry))]);
  for (const dep of [
    "ses",
    "@endo/captp",
    "@endo/far",
    "@endo/marshal",
    "@endo/module-source",
    "@padded-cell/membrane",
    "@padded-cell/caps",
    "@endo/compartment-mapper",
  ]) {
    roots.add(nodeModulesRootOf(require.resolve(dep)));
  }
  readRoots = [...roots];
  return readRoots;
};

/**
 * Starts a child process and returns it as a transport.
 *
 * @example
 * ```ts
 * const booted = superviseWall("process", (events) => startProcessTransport({ memoryMb: 64 }, events));
 * ```
 */
export const startProcessTransport = (
  limits: WallLimits,
  events: WallTransportEvents,
  entry: string = PROCESS_ENTRY,
): WallTransport => {
  installReaper();
  const started = Date.now();
  let cwd: string | undefined;
  let child: ChildProcess;
  try {
    statSync(entry); // a missing build is a start failure, not an exit
    cwd = mkdtempSync(join(tmpdir(), "padded-cell-"));
    const args = [
      PERMISSION_FLAG,
      ...childReadRoots(entry).map(
        (dir) => `--allow-fs-read=${dir}${NODE_MAJOR >= 22 ? "" : `${sep}*`}`,
      ),
      ...(limits.memoryMb === undefined ? [] : [`--max-old-space-size=${limits.memoryMb}`]),
      ...(limits.stackKb === undefined ? [] : [`--stack-size=${limits.stackKb}`]),
      entry,
    ];
    child = spawn(process.execPath, args, {
      cwd,
      env: {},
      stdio: ["ignore", "ignore", "pipe", "pipe"],
      windowsHide: true,
    });
  } catch {
    if (cwd !== undefined) rmSync(cwd, { recursive: true, force: true });
    queueMicrotask(() =>
      events.onGone(
        "CELL_START_FAILED",
        "the process wall could not start (is the host package built?)",
      ),
    );
    return harden({ post: () => {}, kill: () => {}, cpuMs: async () => 0, id: -1 });
  }
  live.add(child);
  const pipe = child.stdio[3] as Duplex;
  let killed = false;
  let gone = false;
  let stderrTail = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderrTail = (stderrTail + chunk.toString("latin1")).slice(-4096);
  });
  const reader = makeFrameReader(
    MAX_FRAME_BYTES,
    (msg) => events.onMessage(msg),
    (why) =>
      events.onGone("CELL_PROTOCOL_ERROR", `cell '{name}' sent a ${why}; the wall was torn down`),
  );
  pipe.on("data", reader.push);
  // EPIPE / ECONNRESET when the child dies while we write (invariant 5).
  pipe.on("error", () => {});
  child.on("error", () => {});
  child.on("exit", (code, signal) => {
    gone = true;
    live.delete(child);
    if (cwd !== undefined) rmSync(cwd, { recursive: true, force: true });
    if (killed) return;
    if (/heap out of memory|Reached heap limit|Allocation failed/.test(stderrTail)) {
      events.onGone(
        "CELL_OUT_OF_MEMORY",
        `cell '{name}' ran out of its ${limits.memoryMb ?? "default"} MiB heap`,
      );
    } else if (signal === "SIGKILL" || signal === "SIGTERM") {
      events.onGone("CELL_KILLED", `cell '{name}' was killed by ${signal} from outside the host`);
    } else if (signal !== null) {
      events.onGone("CELL_CRASHED", `cell '{name}' crashed (${signal})`);
    } else {
      events.onGone("CELL_EXITED", `cell '{name}' exited on its own (code ${code})`);
    }
  });

  return harden({
    post: (msg: unknown) => {
      if (gone || killed || pipe.destroyed) return;
      let frame: string;
      try {
        frame = encodeFrame(msg);
      } catch {
        return;
      }
      pipe.write(frame, () => {});
    },
    kill: () => {
      if (killed) return;
      killed = true;
      if (!gone) child.kill("SIGKILL");
    },
    cpuMs: async () =>
      (HAS_PROC_CLOCKS && child.pid !== undefined
        ? await readCpuMs(`/proc/${child.pid}/stat`)
        : undefined) ?? Date.now() - started,
    id: child.pid ?? -1,
  });
};
hardenExport(startProcessTransport);
