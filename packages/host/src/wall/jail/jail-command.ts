/**
 * The command line that starts a process inside a jail: Linux namespaces by
 * bubblewrap (`bwrap`), kernel resource limits by util-linux `prlimit`, and,
 * when the host runs as root, a user id of the jail's own by `setpriv`.
 *
 * Invariants (each enforced by the kernel, not by code in the jail):
 * 1. New user, PID, mount, IPC, UTS, cgroup and network namespaces: the jail
 *    has no network interface but its own loopback, sees only its own
 *    processes, and cannot signal the host's.
 * 2. A minimal file system: the Node runtime and the runner's own package
 *    folders read-only, a private empty `/tmp` of bounded size, `/proc` of
 *    its own PID namespace and a minimal `/dev`; nothing else of the host
 *    (no home, no `/etc`, no plugin folder: plugins arrive as a snapshot).
 * 3. Kernel limits: address space (bounds off-heap memory such as
 *    `ArrayBuffer`s, not only the V8 heap), number of processes and threads
 *    (no fork bombs; per jail, since each jail of a root host gets its own
 *    user id), open files, file size and CPU seconds (a backstop to the
 *    supervisor's own CPU budget).
 * 4. An empty environment, no capabilities, a new session (no terminal
 *    injection), no further user namespaces, and death with its parent.
 *
 * It does not decide whether this machine can run jails (jail-support.ts) or
 * watch the jail (the process wall does, as for any child process).
 */
import { existsSync, lstatSync, readlinkSync, realpathSync } from "node:fs";
import { dirname } from "node:path";

/** What the jail is given. */
export interface JailSpec {
  /** The Node binary to run inside (bound read-only at its real path). */
  readonly node: string;
  /** Arguments for Node (flags, then the entry file). */
  readonly nodeArgs: readonly string[];
  /** Folders bound read-only at the same paths (the runner and its packages). */
  readonly readOnly: readonly string[];
  /** Heap limit of the cell in MiB, if any; the address-space limit follows from it. */
  readonly memoryMb?: number;
  /** CPU budget of the cell in ms, if any; the kernel's CPU limit is a backstop above it. */
  readonly cpuMs?: number;
}

/** An executable and its arguments. */
export interface JailCommand {
  readonly command: string;
  readonly args: readonly string[];
}

/**
 * Address space a Node process needs before the cell allocates anything
 * (code, V8's reservations, thread stacks), measured on Node 20-24 at about
 * 0.8-1.1 GiB, with room to spare.
 */
const BASE_ADDRESS_SPACE_MB = 2048;
/** Address space for a cell that sets no memory limit. */
const DEFAULT_CELL_MEMORY_MB = 512;
/** Processes and threads in one jail: Node needs about a dozen threads. */
const MAX_TASKS = 64;
const MAX_OPEN_FILES = 256;
const MAX_FILE_BYTES = 16 * 1024 * 1024;
const TMP_BYTES = 16 * 1024 * 1024;
/** User ids for jails of a root host: one per jail, so process limits do not add up. */
const FIRST_JAIL_UID = 2_000_000;
const JAIL_UIDS = 1_000_000;
let nextUid = 0;

/** The top-level folders of a Debian-like root that the runtime's libraries live in. */
const SYSTEM_DIRS = ["/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin"];

/** Binds a system folder as it is: a symbolic link stays a link (usr-merged systems). */
const systemBinds = (): string[] => {
  const args: string[] = [];
  for (const dir of SYSTEM_DIRS) {
    if (!existsSync(dir)) continue;
    if (lstatSync(dir).isSymbolicLink()) args.push("--symlink", readlinkSync(dir), dir);
    else args.push("--ro-bind", dir, dir);
  }
  return args;
};

const addressSpaceBytes = (memoryMb: number | undefined): number =>
  (BASE_ADDRESS_SPACE_MB + 2 * (memoryMb ?? DEFAULT_CELL_MEMORY_MB)) * 1024 * 1024;

/**
 * Builds the command that runs `node nodeArgs...` inside a jail.
 *
 * @example
 * ```ts
 * const { command, args } = makeJailCommand({ node: process.execPath, nodeArgs: [entry], readOnly: [pkg] });
 * spawn(command, args, { env: {}, stdio: ["ignore", "ignore", "pipe", "pipe"] });
 * ```
 */
export const makeJailCommand = (spec: JailSpec): JailCommand => {
  const node = realpathSync(spec.node);
  const readOnly = new Set([dirname(node), ...spec.readOnly]);
  const cpuSeconds = spec.cpuMs === undefined ? 3600 : Math.ceil(spec.cpuMs / 1000) + 2;
  const limits = [
    `--as=${addressSpaceBytes(spec.memoryMb)}`,
    `--nproc=${MAX_TASKS}`,
    `--nofile=${MAX_OPEN_FILES}`,
    `--fsize=${MAX_FILE_BYTES}`,
    `--cpu=${cpuSeconds}`,
    `--core=0`,
  ];
  // Root ignores the process limit; a jail of a root host runs as a user id
  // of its own, so its limit counts only its own processes (invariant 3).
  const asRoot = process.getuid?.() === 0;
  const uid = FIRST_JAIL_UID + (nextUid++ % JAIL_UIDS);
  const dropRoot = asRoot
    ? ["setpriv", `--reuid=${uid}`, `--regid=${uid}`, "--clear-groups", "--"]
    : [];
  const bwrap = [
    "bwrap",
    "--unshare-all",
    "--unshare-user",
    "--die-with-parent",
    "--new-session",
    "--disable-userns",
    "--cap-drop",
    "ALL",
    "--clearenv",
    ...systemBinds(),
    "--proc",
    "/proc",
    "--dev",
    "/dev",
    "--size",
    String(TMP_BYTES),
    "--tmpfs",
    "/tmp",
    // After /tmp: a runner installed below the host's /tmp stays visible.
    ...[...readOnly].flatMap((dir) => ["--ro-bind", dir, dir]),
    "--chdir",
    "/tmp",
    "--",
    node,
    ...spec.nodeArgs,
  ];
  return harden({ command: "prlimit", args: [...limits, "--", ...dropRoot, ...bwrap] });
};
