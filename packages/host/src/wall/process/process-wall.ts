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
 * 6. Memory (Linux): with `memoryMb`, the kernel caps the child's private
 *    writable memory (RLIMIT_DATA) at `2 × memoryMb + RUNTIME_DATA_MB`: the
 *    V8 heap, as much again off the heap (ArrayBuffers, typed arrays), and
 *    the Node runtime. Past it an ArrayBuffer allocation fails with a
 *    RangeError in the cell, and a heap that cannot grow ends the child as
 *    `CELL_OUT_OF_MEMORY`; the host is never involved. (RLIMIT_AS cannot
 *    do this: V8 reserves about 1 GiB of address space before running any
 *    code, and reservations are not memory.) Every child also asks the OOM
 *    killer to choose it before the host (`oom_score_adj` 1000).
 * 7. One frame from the child is at most `MAX_WALL_MESSAGE_BYTES`, counted
 *    as bytes arrive; a longer one ends the wall as `CELL_MESSAGE_LIMIT`
 *    (see ../wall-message-limit.ts).
 *
 * It does not bound memory off Linux beyond the V8 heap (there is no
 * `/bin/sh` + RLIMIT_DATA with these semantics), nor a process cell without
 * `memoryMb` beyond what the OS gives it; the supervisor's CPU meter and
 * `kill` cover time.
 */
import { hardenExport } from "@padded-cell/membrane";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, realpathSync, rmSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, sep } from "node:path";
import { fileURLToPath } from "node:url";
import type { Duplex } from "node:stream";
import { HAS_PROC_CLOCKS, readCpuMs, readTreeCpuMs } from "../cpu-clock.js";
import { makeJailCommand } from "../jail/jail-command.js";
import { encodeFrame, makeFrameReader } from "../wall-frame.js";
import { MAX_WALL_MESSAGE_BYTES, MESSAGE_LIMIT_EXIT_CODE } from "../wall-message-limit.js";
import type { WallLimits, WallTransport, WallTransportEvents } from "../wall-supervisor.js";

/** Same layout trick as the worker entry: dist/ from dist/ and from src/. */
const PROCESS_ENTRY = fileURLToPath(
  new URL("../../../dist/wall/process/process-entry.js", import.meta.url),
);
const NODE_MAJOR = Number(process.versions.node.split(".")[0]);
/**
 * Private writable memory of a process wall beyond its heap and off-heap
 * allowance: Node's runtime, code, the young generation and malloc arenas.
 * Measured (`VmData`, and the smallest limit Node starts under): Node 20, a
 * locked-down wall at rest has about 95 MiB; Node 24 reserves about 570 MiB
 * before running any code and aborts (SIGTRAP) under a 512 MiB limit. Node
 * 22 is given the newer allowance, untested.
 */
export const RUNTIME_DATA_MB = NODE_MAJOR >= 22 ? 768 : 192;
/**
 * Where the kernel limits are applied before Node starts (invariant 6):
 * a shell sets them and `env -i` starts Node with an empty environment
 * (the shell would otherwise export PWD and the like; invariant 1).
 */
const SHELL = "/bin/sh";
const ENV = "/usr/bin/env";
const USE_SHELL = process.platform === "linux" && existsSync(SHELL) && existsSync(ENV);
/**
 * `$1` is the data limit in KiB (empty: none); the rest is the Node command.
 * The OOM score is raised first, in the shell itself, so Node inherits it.
 */
const LIMITS_SCRIPT = `echo 1000 2>/dev/null >/proc/self/oom_score_adj; if [ -n "$1" ]; then ulimit -d "$1" || exit 71; fi; shift; exec ${ENV} -i "$@"`;
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
  jailed = false,
): WallTransport => {
  installReaper();
  const started = Date.now();
  let cwd: string | undefined;
  let child: ChildProcess;
  try {
    statSync(entry); // a missing build is a start failure, not an exit
    const args = [
      PERMISSION_FLAG,
      ...childReadRoots(entry).map(
        (dir) => `--allow-fs-read=${dir}${NODE_MAJOR >= 22 ? "" : `${sep}*`}`,
      ),
      ...(limits.memoryMb === undefined ? [] : [`--max-old-space-size=${limits.memoryMb}`]),
      ...(limits.stackKb === undefined ? [] : [`--stack-size=${limits.stackKb}`]),
      entry,
    ];
    // A jailed child starts inside the jail (../jail/jail-command.ts), with
    // the kernel limits and the empty /tmp of its own the jail sets; a plain
    // one starts through the shell that sets its data limit, in a fresh
    // temporary directory.
    const dataKb =
      limits.memoryMb === undefined ? "" : String((2 * limits.memoryMb + RUNTIME_DATA_MB) * 1024);
    const [command, commandArgs]: [string, readonly string[]] = jailed
      ? ((jail) => [jail.command, jail.args])(
          makeJailCommand({
            node: process.execPath,
            nodeArgs: args,
            readOnly: childReadRoots(entry),
            ...(limits.memoryMb === undefined ? {} : { memoryMb: limits.memoryMb }),
            ...(limits.cpuMs === undefined ? {} : { cpuMs: limits.cpuMs }),
          }),
        )
      : USE_SHELL
        ? [SHELL, ["-c", LIMITS_SCRIPT, "padded-cell-wall", dataKb, process.execPath, ...args]]
        : [process.execPath, args];
    if (!jailed) cwd = mkdtempSync(join(tmpdir(), "padded-cell-"));
    child = spawn(command, commandArgs, {
      cwd: cwd ?? "/",
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
  const messageLimitText = `cell '{name}' tried to send the host a message of more than ${MAX_WALL_MESSAGE_BYTES} bytes`;
  const pipe = child.stdio[3] as Duplex;
  let killed = false;
  let gone = false;
  let stderrTail = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderrTail = (stderrTail + chunk.toString("latin1")).slice(-4096);
  });
  const reader = makeFrameReader(
    MAX_WALL_MESSAGE_BYTES,
    (msg) => events.onMessage(msg),
    (why) =>
      why === "frame too large"
        ? events.onGone("CELL_MESSAGE_LIMIT", messageLimitText) // invariant 7
        : events.onGone(
            "CELL_PROTOCOL_ERROR",
            `cell '{name}' sent a ${why}; the wall was torn down`,
          ),
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
    } else if (code === MESSAGE_LIMIT_EXIT_CODE) {
      events.onGone("CELL_MESSAGE_LIMIT", messageLimitText);
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
    // A jailed cell's Node runs below bwrap: count the whole tree.
    cpuMs: async () =>
      (HAS_PROC_CLOCKS && child.pid !== undefined
        ? jailed
          ? await readTreeCpuMs(child.pid)
          : await readCpuMs(`/proc/${child.pid}/stat`)
        : undefined) ?? Date.now() - started,
    id: child.pid ?? -1,
  });
};
hardenExport(startProcessTransport);
