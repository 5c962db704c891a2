/**
 * The host side of a wall: speaks CapTP to the runtime inside a worker thread
 * or child process, enforces CPU, time and output limits from outside, and
 * settles the cell's fate.
 *
 * Invariants:
 * 1. Everything that arrives from the wall is untrusted: a message that is not
 *    exactly one of the expected shapes ends the wall with
 *    `CELL_PROTOCOL_ERROR`; it never throws into the host.
 * 2. When the wall ends for any reason, every call pending in either direction
 *    rejects at once with a `CellError` carrying the fate's code (CapTP is
 *    aborted), and the thread or process is killed; nothing waits for a dead
 *    peer.
 * 3. The fate is settled exactly once, by the first decisive event; `revoke`
 *    is decisive (a revoked cell's fate is `revoked`).
 * 4. Limits are measured from outside the wall: CPU time by the transport
 *    (the thread's or the process's own CPU clock, see cpu-clock.ts), output
 *    by counting bytes as they arrive; guest code cannot pause the meters.
 * 5. Grants are sent once; a wall serves one cell and is never reused.
 * 6. The wall has at most MAX_CALLS_IN_FLIGHT calls waiting for the host's
 *    answers; a wall that sends more (its runtime queues them, so only a
 *    subverted runtime can) is torn down with `CELL_PROTOCOL_ERROR`. A call
 *    flood therefore costs the host's thread at most one bounded batch at a
 *    time (class: call floods stalling the host).
 *
 * It does not start threads or processes (see worker-wall.ts and
 * process-wall.ts) and does not wrap grants in the membrane (the cell API
 * does that before handing them here).
 */
// CapTP needs the `HandledPromise` global; installs it when the host's own
// bootstrap has not (idempotent).
import "@endo/eventual-send/shim.js";
import { makeCapTP } from "./wall-captp.js";
import { CellError, hardenExport } from "@padded-cell/membrane";
import {
  dataToError,
  makeWallCodec,
  MAX_CALLS_IN_FLIGHT,
  readAttachedBytes,
  type WallErrorData,
} from "./wall-codec.js";
import type { WallErrorCode } from "./wall-error-codes.js";
import { makeCellFate, type CellFate } from "./wall-fate.js";
import type { PackedSnapshot } from "../module/module-snapshot.js";
import type { AmbientGrants } from "../cell/cell-ambient.js";

/** Limits of a walled cell. */
export interface WallLimits {
  /**
   * Heap limit (V8 old generation), in MiB, and as much again off the heap
   * (Linux). Process walls only: a worker wall refuses it. Fixed when the
   * wall starts.
   */
  readonly memoryMb?: number;
  /** CPU time the cell may use after it receives its grants, in ms. */
  readonly cpuMs?: number;
  /** Wall-clock time the cell may live after it receives its grants, in ms. */
  readonly wallMs?: number;
  /** Bytes the cell may write to its console (default 1 MiB). */
  readonly maxOutputBytes?: number;
  /** Stack size, in KiB. Fixed when the wall starts. */
  readonly stackKb?: number;
}

/** Receives the cell's console output. */
export type WallOutputHandler = (stream: "stdout" | "stderr", text: string) => void;

/** What a transport reports to the supervisor. */
export interface WallTransportEvents {
  readonly onMessage: (msg: unknown) => void;
  /** The thread or process is gone; `code` says why, as far as the transport can tell. */
  readonly onGone: (code: WallErrorCode, message: string) => void;
}

/** A started thread or process, as the supervisor sees it. */
export interface WallTransport {
  /**
   * Sends a message; never throws (a dead peer is reported through onGone).
   * `transfer` lists the buffers in the message's `b` that may be moved
   * rather than copied.
   */
  readonly post: (msg: unknown, transfer?: readonly ArrayBuffer[]) => void;
  /** Kills the thread or process. Idempotent. */
  readonly kill: () => void;
  /** CPU time the wall used so far, in ms. */
  readonly cpuMs: () => Promise<number>;
  /** Process id (process walls) or thread id (worker walls). */
  readonly id: number;
}

/** What a cell gets when it is activated on a booted wall. */
export interface WallCellOptions {
  /** The cell's name, used in messages. */
  readonly name: string;
  /** Capabilities: hardened objects whose methods are async. */
  readonly grants: Record<string, object>;
  /** CPU, time and output limits (memory and stack are fixed at boot). */
  readonly limits?: WallLimits;
  /** Receives console output; default: the host's console, prefixed with the name. */
  readonly onOutput?: WallOutputHandler;
  /** What the grants say about time and randomness (cell-ambient.ts); default: none granted, deterministic. */
  readonly ambient?: AmbientGrants;
}

/**
 * A cell running behind a wall.
 *
 * @example
 * ```ts
 * const wall = await startWall({ kind: "worker", name: "p", grants: { fs } });
 * console.log(await wall.evaluate("caps.fs.readFile('/a.txt')"));
 * await wall.terminate("done");
 * ```
 */
export interface Wall {
  /** `"worker"`, `"process"` or `"jail"`. */
  readonly kind: "worker" | "process" | "jail";
  /** The cell's name. */
  readonly name: string;
  /** Process id or thread id of the wall. */
  readonly id: number;
  /** Evaluates a script in the cell's Compartment inside the wall (one per cell; scripts share its globals); resolves to its completion value, as data. */
  readonly evaluate: (source: string) => Promise<unknown>;
  /** Imports `source` as a module in a fresh Compartment and returns `await module[exportName](caps)`, as data. */
  readonly run: (source: string, exportName?: string) => Promise<unknown>;
  /**
   * Loads `specifier` from a packed snapshot of a plugin folder (see
   * `snapshotPluginFolder` and `packSnapshot`), with the packages in `allow`
   * importable; returns `await main(caps)` when `exportName` is given, else
   * the module's exports. The snapshot crosses once per wall (by its hash).
   */
  readonly runPlugin: (
    snapshot: PackedSnapshot,
    specifier: string,
    allow: readonly string[],
    exportName: string | null,
  ) => Promise<unknown>;
  /** Cuts every capability: calls in flight and later calls fail with `REVOKED`. */
  readonly revoke: (reason: string) => void;
  /** Ends the wall; resolves to its fate. */
  readonly terminate: (reason?: string) => Promise<CellFate>;
  /** Settles once, when the wall ends, with how it ended. */
  readonly fate: Promise<CellFate>;
}

/** A thread or process that has booted and locked down, waiting for a cell. */
export interface BootedWall {
  /** Resolves when the wall's runtime is locked down and connected. */
  readonly ready: Promise<void>;
  /** Settles once, when the wall ends. */
  readonly fate: Promise<CellFate>;
  /** Whether the wall is still running. */
  readonly isAlive: () => boolean;
  /** Gives the wall its one cell: sends the grants and starts the limits. */
  readonly activate: (options: WallCellOptions) => Wall;
  /** Ends the wall; resolves to its fate. */
  readonly terminate: (reason?: string) => Promise<CellFate>;
}

const DEFAULT_MAX_OUTPUT = 1024 * 1024;
const READY_TIMEOUT_MS = 15_000;
const MAX_FAULT_TEXT = 1000;
const { byteLength } = Buffer;

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** Host-side errors are CellErrors whenever they carry a code. */
const makeHostError = (data: WallErrorData): Error => {
  if (data.code === undefined) return dataToError(data);
  const err = new CellError(data.code, data.message);
  if (data.name !== "CellError") {
    Object.defineProperty(err, "name", { value: data.name, writable: true, configurable: true });
  }
  return err;
};

const defaultOutput =
  (name: string): WallOutputHandler =>
  (stream, text) => {
    const line = `[${name}] ${text.replace(/\n$/, "")}`;
    if (stream === "stderr") console.error(line);
    else console.log(line);
  };

/**
 * Supervises a wall: give it a function that starts the transport.
 *
 * @example
 * ```ts
 * const booted = superviseWall("worker", (events) => startWorkerTransport({}, events));
 * await booted.ready;
 * const wall = booted.activate({ name: "p", grants: {} });
 * ```
 */
export const superviseWall = (
  kind: "worker" | "process" | "jail",
  startTransport: (events: WallTransportEvents) => WallTransport,
): BootedWall => {
  let ended: CellFate | undefined;
  let resolveFate: (fate: CellFate) => void = () => {};
  const fate = new Promise<CellFate>((resolve) => {
    resolveFate = resolve;
  });
  let resolveReady: () => void = () => {};
  let rejectReady: (err: Error) => void = () => {};
  const ready = new Promise<void>((resolve, reject) => {
    resolveReady = resolve;
    rejectReady = reject;
  });
  ready.catch(() => {});
  const timers: ReturnType<typeof setTimeout>[] = [];
  let revokedReason: string | undefined;
  let output: WallOutputHandler = () => {};
  let maxOutput = DEFAULT_MAX_OUTPUT;
  let outputBytes = 0;
  let cellName = "cell";

  const codec = makeWallCodec({ side: "host", makeError: makeHostError });
  // eslint-disable-next-line prefer-const
  let transport: WallTransport;

  const end = (code: WallErrorCode, message: string, callCode: WallErrorCode = code) => {
    if (ended !== undefined) return;
    ended =
      revokedReason !== undefined && code !== "REVOKED"
        ? makeCellFate(
            "REVOKED",
            `cell '${cellName}' was revoked (${revokedReason}); then: ${message}`,
          )
        : makeCellFate(code, message);
    for (const t of timers) clearTimeout(t);
    const reason = new CellError(callCode, message);
    rejectReady(reason);
    // Calls the cell made to the host and calls the host made to the cell
    // both fail now; host capabilities still running are let go of.
    codec.cut(reason);
    captp.abort(reason);
    transport.kill();
    resolveFate(ended);
  };

  const protocolError = (what: string) =>
    end("CELL_PROTOCOL_ERROR", `cell '${cellName}' sent ${what}; the wall was torn down`);

  const onMessage = (msg: unknown) => {
    if (ended !== undefined) return;
    if (!isRecord(msg)) return protocolError("a malformed message");
    switch (msg.pc) {
      case "captp": {
        const m = msg.m;
        if (!isRecord(m) || typeof m.type !== "string" || !m.type.startsWith("CTP_")) {
          return protocolError("a malformed CapTP message");
        }
        if (msg.b !== undefined) {
          const bytes = readAttachedBytes(msg.b);
          if (bytes === undefined || !codec.receiveAttachments(msg.bi, bytes)) {
            return protocolError("malformed or too many attached bytes");
          }
        }
        if (m.type === "CTP_CALL") {
          // Invariant 6: the bound is counted here, on the host's side.
          openAnswers.add(m.questionID);
          if (openAnswers.size > MAX_CALLS_IN_FLIGHT) {
            return protocolError(`more than ${MAX_CALLS_IN_FLIGHT} calls in flight`);
          }
        }
        let ok = false;
        try {
          ok = captp.dispatch(m as never);
        } catch {
          ok = false;
        }
        if (!ok && ended === undefined) protocolError("a CapTP message it could not process");
        return undefined;
      }
      case "out": {
        const { s, d } = msg;
        if ((s !== "stdout" && s !== "stderr") || typeof d !== "string") {
          return protocolError("malformed output");
        }
        outputBytes += byteLength(d);
        if (outputBytes > maxOutput) {
          return end(
            "CELL_OUTPUT_LIMIT",
            `cell '${cellName}' wrote more than ${maxOutput} bytes of output`,
          );
        }
        try {
          output(s, d);
        } catch {
          // The host's own handler failing must not look like a cell fault.
        }
        return undefined;
      }
      case "fault": {
        const e = isRecord(msg.e) ? msg.e : {};
        const text = `${String(e.name ?? "Error")}: ${String(e.message ?? "")}`.slice(
          0,
          MAX_FAULT_TEXT,
        );
        return end("CELL_CRASHED", `cell '${cellName}' crashed on an unhandled error: ${text}`);
      }
      case "ready":
        resolveReady();
        return undefined;
      default:
        return protocolError("a message of unknown kind");
    }
  };

  /** Question ids of the wall's calls the host has not answered yet (invariant 6). */
  const openAnswers = new Set<unknown>();
  const captp = makeCapTP(
    "host",
    (m: unknown) => {
      if (ended !== undefined) return;
      const sent = m as { type?: unknown; answerID?: unknown };
      if (sent.type === "CTP_RETURN") openAnswers.delete(sent.answerID);
      const attached = codec.takeAttachments();
      if (attached === undefined) transport.post({ pc: "captp", m });
      else
        transport.post({ pc: "captp", m, bi: attached.ids, b: attached.buffers }, attached.buffers);
    },
    undefined,
    { onReject: () => {} },
  );

  transport = startTransport({
    onMessage: (msg) => {
      try {
        onMessage(msg);
      } catch {
        protocolError("a message that broke the supervisor");
      }
    },
    onGone: (code, message) => end(code, message.replace("{name}", cellName)),
  });

  const readyTimer = setTimeout(
    () => end("CELL_START_FAILED", `the ${kind} wall did not start within ${READY_TIMEOUT_MS} ms`),
    READY_TIMEOUT_MS,
  );
  readyTimer.unref();
  timers.push(readyTimer);
  const guestP = ready.then(async () => {
    clearTimeout(readyTimer);
    return codec.importValue(await captp.getBootstrap()) as Record<
      string,
      (...args: unknown[]) => Promise<unknown>
    >;
  });
  guestP.catch(() => {});

  const terminate = async (reason = "terminated by the host") => {
    end("CELL_OK", `cell '${cellName}' ${reason}`, "CELL_TERMINATED");
    return fate;
  };

  let activated = false;
  const activate = (options: WallCellOptions): Wall => {
    if (activated) throw new CellError("CELL_START_FAILED", "this wall already serves a cell");
    activated = true;
    cellName = options.name;
    const limits = options.limits ?? {};
    maxOutput = limits.maxOutputBytes ?? DEFAULT_MAX_OUTPUT;
    output = options.onOutput ?? defaultOutput(options.name);

    const startLimits = async () => {
      const { cpuMs, wallMs } = limits;
      if (wallMs !== undefined) {
        const t = setTimeout(
          () => end("CELL_TIMEOUT", `cell '${cellName}' ran longer than ${wallMs} ms`),
          wallMs,
        );
        t.unref();
        timers.push(t);
      }
      if (cpuMs !== undefined) {
        const base = await transport.cpuMs();
        const pollMs = Math.max(5, Math.min(50, Math.floor(cpuMs / 10)));
        const poll = async () => {
          if (ended !== undefined) return;
          const used = (await transport.cpuMs()) - base;
          if (used > cpuMs) {
            end("CELL_CPU_EXCEEDED", `cell '${cellName}' used more than ${cpuMs} ms of CPU time`);
            return;
          }
          const t = setTimeout(poll, pollMs);
          t.unref();
          timers.push(t);
        };
        await poll();
      }
    };

    const initP = guestP.then(async (guest) => {
      // Grants go as [name, grant] pairs so each one crosses on its own: a
      // record holding a function would otherwise cross as one capability.
      const pairs = harden(Object.entries(options.grants));
      await guest.init!(
        pairs,
        harden({
          name: options.name,
          maxOutputBytes: maxOutput,
          ambient: options.ambient ?? { random: false, ungranted: "deterministic" },
        }),
      );
      await startLimits();
      return guest;
    });
    initP.catch(() => {});

    const evaluate = async (source: string) => (await initP).evaluate!(source);
    const run = async (source: string, exportName = "main") =>
      (await initP).run!(source, exportName);
    /** Snapshots sent to this wall, by hash: each crosses once. */
    const sentSnapshots = new Map<string, Promise<unknown>>();
    const runPlugin = async (
      snapshot: PackedSnapshot,
      specifier: string,
      allow: readonly string[],
      exportName: string | null,
    ) => {
      const guest = await initP;
      let sent = sentSnapshots.get(snapshot.hash);
      if (sent === undefined) {
        sent = guest.loadPlugin!(snapshot.hash, snapshot.index, snapshot.bytes);
        sentSnapshots.set(snapshot.hash, sent);
      }
      await sent;
      return guest.runPlugin!(snapshot.hash, specifier, harden([...allow]), exportName);
    };
    const revoke = (reason: string) => {
      if (ended !== undefined || revokedReason !== undefined) return;
      revokedReason = reason;
      codec.revoke(reason);
      // Tell the wall too, so its own calls fail without a round trip. The
      // host-side cut above is what enforces it.
      transport.post({ pc: "revoke", reason });
    };

    return harden({
      kind,
      name: options.name,
      id: transport.id,
      evaluate,
      run,
      runPlugin,
      revoke,
      terminate,
      fate,
    });
  };

  return harden({
    ready,
    fate,
    isAlive: () => ended === undefined,
    activate,
    terminate,
  });
};
hardenExport(superviseWall);
