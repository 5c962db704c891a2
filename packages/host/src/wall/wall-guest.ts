/**
 * The runtime inside a wall (worker thread or child process): connects CapTP
 * to the host, receives the grants, and evaluates guest code in a Compartment.
 *
 * Invariants:
 * 1. Guest code runs only inside a Compartment whose globals are the frozen
 *    intrinsics plus the names a compartment cell's global has (`caps`,
 *    `console`, `TextEncoder`, `TextDecoder`, `URL`, `URLSearchParams`,
 *    `global`, `self`, and the authority-free `process` facade of
 *    `cell-global-object.ts`), all hardened; Node's `process`, `require`,
 *    timers and dynamic `import` of Node built-ins are unreachable, so
 *    `process.exit`/`process.abort` are too.
 * 2. Capabilities appear to guest code as plain hardened objects with the same
 *    method names as on the host; their methods return promises; the guest
 *    never needs `E()`.
 * 3. Console output is counted here: the write that passes
 *    `maxOutputBytes` is forwarded (so the host sees the overflow and ends the
 *    wall with `CELL_OUTPUT_LIMIT`) and then throws, as does every later
 *    write. The host counts again, so a subverted runtime cannot flood it.
 * 4. An error nobody handled (an unhandled rejection, an exception thrown from
 *    a microtask) is reported to the host as `{ name, message }` and ends the
 *    wall; nothing of it reaches the host but those two strings. A Proxy
 *    thrown or rejected, handled or not, is encoded unread as
 *    `MEMBRANE_HOSTILE_VALUE` (wall-codec.ts, `errorToData`), as in a
 *    compartment cell, so the host's call settles the same way.
 * 5. Grants are accepted once (`init` twice is refused), so a pooled wall can
 *    only ever serve one cell.
 * 6. A plugin folder arrives once, under the hash of its contents
 *    (`loadPlugin`), and its loader is kept, so a later `runPlugin` re-runs
 *    the already-loaded module as a compartment cell does; the wall never
 *    reads the host's files.
 *
 * It does not enforce CPU, memory or time limits: the host's supervisor does,
 * from outside the wall, because code inside cannot police itself.
 */
import { hardenExport } from "@padded-cell/membrane";
import { makeConsoleFacade } from "@padded-cell/caps";
import { addGlobalAliases, makeCellProcess } from "../cell/cell-global-object.js";
import {
  ambientFromData,
  cryptoBuiltins,
  makeAmbientGlobals,
  type AmbientGrants,
} from "../cell/cell-ambient.js";
import { makeCapTP } from "./wall-captp.js";
import { errorToData, dataToError, makeWallCodec, readAttachedBytes } from "./wall-codec.js";
import { unpackSnapshot, type PluginSnapshot } from "../module/module-snapshot.js";
import type { ModuleLoader } from "../module/module-loader.js";

/** The raw channel the entry gives the runtime. */
export interface GuestPort {
  /** Sends a message; `transfer` lists the buffers of its `b` that may be moved, not copied. */
  readonly post: (msg: unknown, transfer?: readonly ArrayBuffer[]) => void;
  readonly onMessage: (handler: (msg: unknown) => void) => void;
  readonly exit: (code: number) => void;
}

/** What the host sends with the grants. */
interface InitConfig {
  readonly name: string;
  readonly maxOutputBytes: number;
  readonly ambient: AmbientGrants;
}

const { byteLength } = Buffer;

/**
 * Starts the guest runtime on a port. Called once by a wall entry.
 *
 * @example
 * ```ts
 * runWallGuest({ post: (m) => parentPort.postMessage(m), onMessage: (h) => parentPort.on("message", h), exit: (c) => process.exit(c) });
 * ```
 */
export const runWallGuest = (port: GuestPort): void => {
  harden([TextEncoder, TextDecoder, URL, URLSearchParams]);

  let faulted = false;
  const fault = (err: unknown) => {
    if (faulted) return;
    faulted = true;
    port.post({ pc: "fault", e: errorToData(err) });
    port.exit(70);
  };
  process.on("unhandledRejection", fault);
  process.on("uncaughtException", fault);

  const codec = makeWallCodec({ side: "wall", makeError: dataToError });
  let config: InitConfig | undefined;
  let caps: unknown = harden({});
  // Rebuilt from the grants' options when they arrive (cell-ambient.ts, invariant 3).
  let ambient = makeAmbientGlobals({ random: false, ungranted: "deterministic" });
  // Replaced by a facade over the env grant's snapshot when grants arrive.
  let cellProcess = makeCellProcess({});
  let outputBytes = 0;

  const outputLimit = () => {
    const err = new Error(`output limit of ${config?.maxOutputBytes} bytes reached`);
    Object.defineProperties(err, {
      name: { value: "CellError" },
      code: { value: "CELL_OUTPUT_LIMIT", enumerable: true },
    });
    return harden(err);
  };
  const write = (stream: "stdout" | "stderr", text: string | Uint8Array): Promise<void> => {
    if (config === undefined) return Promise.resolve();
    if (outputBytes > config.maxOutputBytes) throw outputLimit();
    const line = typeof text === "string" ? text : new TextDecoder().decode(text);
    outputBytes += byteLength(line);
    port.post({ pc: "out", s: stream, d: line });
    // The line that crosses the limit is still sent, so the host sees the
    // overflow and ends the wall; throwing stops a logging loop, so a
    // process wall's event loop gets to flush the pipe.
    if (outputBytes > config.maxOutputBytes) throw outputLimit();
    return Promise.resolve();
  };
  // The console a compartment cell has, formatting the same way (one
  // semantics at every level), over this wall's output.
  const guestConsole = makeConsoleFacade(harden({ write }));

  const cellGlobals = () =>
    harden({
      caps,
      console: guestConsole,
      TextEncoder,
      TextDecoder,
      URL,
      URLSearchParams,
      process: cellProcess,
      ...ambient,
    });
  const makeCompartment = (modules?: Record<string, unknown>) => {
    const compartment = new Compartment({
      globals: cellGlobals(),
      ...(modules === undefined ? {} : { modules }),
      __options__: true,
    } as never);
    addGlobalAliases(compartment as unknown as Parameters<typeof addGlobalAliases>[0]);
    return compartment;
  };

  /**
   * One compartment for every `evaluate` of the cell (scripts share its
   * globals, as in a REPL). It is made, and its first evaluation run, while
   * the wall boots, so a pooled wall serves its cell without that cost; `caps`
   * is added to it when the grants arrive.
   */
  const scriptCompartment = makeCompartment();
  scriptCompartment.evaluate("0");

  /** Plugin snapshots by content hash, and their loaders (invariant 6). */
  const snapshots = new Map<string, PluginSnapshot>();
  const loaders = new Map<string, ModuleLoader>();
  const makeLoader = async (files: PluginSnapshot, allow: string[]): Promise<ModuleLoader> => {
    const { makeModuleLoader } = await import("../module/module-loader.js");
    const { makeFsFacade, makeFsPromisesFacade } = await import("@padded-cell/caps");
    const granted = caps as Record<string, unknown>;
    const builtins: Record<string, object> = {
      "node:process": cellProcess,
      process: cellProcess,
      ...cryptoBuiltins(ambient.crypto),
    };
    if (granted.fs !== undefined) {
      const fs = granted.fs as Parameters<typeof makeFsPromisesFacade>[0];
      const promises = makeFsPromisesFacade(fs);
      const fsFacade = makeFsFacade(fs);
      Object.assign(builtins, {
        "node:fs/promises": promises,
        "fs/promises": promises,
        "node:fs": fsFacade,
        fs: fsFacade,
      });
    }
    const { readShimSources } = await import("../module/builtin-shims.js");
    return makeModuleLoader({
      files,
      allow,
      builtins: harden(builtins),
      globals: cellGlobals(),
      shims: readShimSources(),
    });
  };

  const bootstrap = harden({
    init: async (pairs: [string, unknown][], cfg: InitConfig) => {
      if (config !== undefined) throw new Error("this wall already serves a cell");
      config = harden({
        name: String(cfg.name),
        maxOutputBytes: Number(cfg.maxOutputBytes),
        ambient: ambientFromData(cfg.ambient),
      });
      ambient = makeAmbientGlobals(config.ambient);
      for (const [key, value] of Object.entries(ambient)) {
        Object.defineProperty(scriptCompartment.globalThis, key, {
          value,
          writable: true,
          enumerable: false,
          configurable: true,
        });
      }
      const grants = harden(Object.fromEntries(pairs)) as Record<string, unknown>;
      caps = grants;
      Object.defineProperty(scriptCompartment.globalThis, "caps", {
        value: grants,
        writable: false,
        enumerable: false,
        configurable: false,
      });
      // The same snapshot a compartment cell's `process.env` shows.
      const env = grants.env as { toObject?: () => unknown } | undefined;
      if (typeof env?.toObject === "function") {
        const snapshot = await env.toObject();
        if (typeof snapshot === "object" && snapshot !== null) {
          cellProcess = makeCellProcess(snapshot as Record<string, unknown>);
          Object.defineProperty(scriptCompartment.globalThis, "process", {
            value: cellProcess,
            writable: true,
            enumerable: false,
            configurable: true,
          });
        }
      }
    },
    evaluate: (source: string) => {
      if (config === undefined) throw new Error("this wall has no cell yet");
      return scriptCompartment.evaluate(String(source));
    },
    /** Receives a plugin folder's snapshot once, under its content hash (invariant 6). */
    loadPlugin: (hash: string, index: unknown, bytes: Uint8Array) => {
      if (config === undefined) throw new Error("this wall has no cell yet");
      if (!snapshots.has(String(hash))) snapshots.set(String(hash), unpackSnapshot(index, bytes));
    },
    /** Whether the snapshot with this content hash is here already. */
    hasPlugin: (hash: string) => snapshots.has(String(hash)),
    /**
     * Loads a plugin from a snapshot of its folder with the same module
     * loader as a compartment cell, and returns `await main(caps)` (with an
     * export name) or a copy of the module's namespace.
     */
    runPlugin: async (
      hash: string,
      specifier: string,
      allow: string[],
      exportName: string | null,
    ) => {
      if (config === undefined) throw new Error("this wall has no cell yet");
      const files = snapshots.get(String(hash));
      if (files === undefined) throw new Error("this wall has no such plugin snapshot");
      const allowed = [...allow].map(String);
      const loaderKey = `${String(hash)}\0${JSON.stringify(allowed)}`;
      let loader = loaders.get(loaderKey);
      if (loader === undefined) {
        loader = await makeLoader(files, allowed);
        loaders.set(loaderKey, loader);
      }
      const ns = await loader.importModule(String(specifier));
      if (exportName === null) return harden({ ...ns });
      const main = ns[String(exportName)];
      if (typeof main !== "function") return undefined;
      return main(caps);
    },
    run: async (source: string, exportName: string) => {
      if (config === undefined) throw new Error("this wall has no cell yet");
      const { ModuleSource } = await import("@endo/module-source");
      const compartment = makeCompartment({
        "./main.js": { source: new ModuleSource(String(source), "./main.js") },
      });
      const ns = (await compartment.import("./main.js")).namespace as Record<string, unknown>;
      const main = ns[String(exportName)];
      if (typeof main !== "function") {
        throw new TypeError(`the module has no exported function ${JSON.stringify(exportName)}`);
      }
      return main(caps);
    },
  });

  const captp = makeCapTP(
    "wall",
    (m: unknown) => {
      const attached = codec.takeAttachments();
      if (attached === undefined) port.post({ pc: "captp", m });
      else port.post({ pc: "captp", m, bi: attached.ids, b: attached.buffers }, attached.buffers);
    },
    codec.exportValue(bootstrap),
    {
      onReject: () => {},
    },
  );
  port.onMessage((msg) => {
    const m = msg as { pc?: unknown; m?: unknown };
    if (typeof m !== "object" || m === null) return;
    if (m.pc === "captp") {
      const { b, bi } = m as { b?: unknown; bi?: unknown };
      if (b !== undefined) {
        const bytes = readAttachedBytes(b);
        if (bytes === undefined || !codec.receiveAttachments(bi, bytes)) return;
      }
      captp.dispatch(m.m as never);
    } else if (m.pc === "revoke") {
      codec.revoke(String((m as { reason?: unknown }).reason));
    }
  });
  port.post({ pc: "ready" });
};
hardenExport(runWallGuest);
