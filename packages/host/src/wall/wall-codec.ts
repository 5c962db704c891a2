/**
 * The passing rules of a wall: how values cross between the host and a cell
 * running in a worker thread or child process, on top of Endo's CapTP.
 *
 * Each side has one codec. `exportValue` turns a local value into something
 * CapTP can pass; `importValue` turns what arrived back into a local value.
 * Data is copied; an object with methods (a capability) or a function crosses
 * by reference as a CapTP remotable, and arrives as a local object with the
 * same method names whose methods call `E(presence)[name](...)`, so plugin code
 * never writes `E()` and looks the same at every isolation level.
 *
 * Invariants:
 * 1. Errors cross as exactly `{ name, message, code, frames }`: strings,
 *    and the frames of their stack in the plugin's own files
 *    (plugin-frames.ts), checked again on arrival; never another frame, a
 *    cause, or any other property. CapTP's marshal drops `code` and
 *    renames errors, so each remote method answers with an envelope
 *    (`{ t: "ok", v }` or `{ t: "err", e }`) that this codec encodes and
 *    decodes itself. A thrown Proxy is encoded unread, as
 *    `MEMBRANE_HOSTILE_VALUE`.
 * 2. Only data and capabilities cross. Accessors (hostile getters), symbols,
 *    built-in objects (Date, Map, Promise...), non-plain objects without
 *    methods and cycles are refused with `WALL_UNPASSABLE` before
 *    anything is sent; records are rebuilt from their own string keys, so a
 *    guest cannot forge the codec's tagged envelopes.
 * 3. A capability that comes back to the side that exported it is unwrapped to
 *    the original object (identity is preserved across a round trip).
 * 4. Once `revoke` is called, every exported method answers `REVOKED`, and
 *    calls in flight reject with `REVOKED` at once (they do not wait for the
 *    target).
 * 5. Imported method names are bounded in number and length, and `then` is
 *    never installed (a remote object cannot make itself a thenable and hijack
 *    an `await` on the receiving side).
 * 6. Records cross with their own keys in their own order (CapTP's marshal
 *    sorts record keys, so records travel as tagged lists of pairs), and a
 *    value that cannot cross is refused with the path where it was found
 *    (`result.items[3]`).
 * 7. Bytes are never hardened element by element and never travel inside a
 *    CapTP message: each crosses as one fresh copy of its buffer, attached to
 *    the message (transferred to a worker, base64 on a pipe), and arrives as
 *    a fresh Uint8Array its receiver owns. The receiver takes each attachment
 *    at most once and holds at most MAX_PENDING_BYTES of them unclaimed
 *    (class: huge inputs).
 * 8. A capability's own plain data properties (a record of settings beside
 *    its methods) cross with it, copied when it crosses, so a walled cell
 *    sees the same grant as a compartment cell (class: a grant that reads
 *    differently at each level). Accessors never cross; `then` never does.
 * 9. At most MAX_CALLS_IN_FLIGHT calls of one side wait for answers from the
 *    other; further calls wait on this side until one settles (class: call
 *    floods stalling the receiver's event loop). The host counts again, so a
 *    subverted wall runtime cannot lift the bound (see wall-supervisor.ts).
 *
 * It does not transport messages (see wall-channel.ts) and does not limit
 * resources (see the supervisors).
 */
import { hardenExport } from "@padded-cell/membrane";
import { E, Far } from "@endo/far";
import { makeTagged, passStyleOf, type Passable } from "@endo/marshal";
import { types } from "node:util";
import { pluginFrames, pluginFramesOf } from "../module/plugin-frames.js";

const {
  freeze,
  getPrototypeOf,
  getOwnPropertyDescriptors,
  keys,
  entries,
  prototype: ObjectProto,
} = Object;
const { isArray } = Array;
const ErrorCtors: Readonly<Record<string, ErrorConstructor>> = freeze({
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
});
const Uint8ArrayProto = Uint8Array.prototype;
/**
 * Built-in prototypes whose instances are neither data nor capabilities
 * (class: a Date, Map or Promise would otherwise pass as a "capability" of its
 * prototype's methods).
 */
const BUILTIN_PROTOS: ReadonlySet<object> = new Set<object>([
  Date.prototype,
  Map.prototype,
  Set.prototype,
  WeakMap.prototype,
  WeakSet.prototype,
  RegExp.prototype,
  Promise.prototype,
  ArrayBuffer.prototype,
  DataView.prototype,
  getPrototypeOf(Uint8ArrayProto) as object,
  Function.prototype,
]);
const hasBuiltinProto = (obj: object): boolean => {
  for (let o: object | null = getPrototypeOf(obj); o !== null; o = getPrototypeOf(o)) {
    if (BUILTIN_PROTOS.has(o)) return true;
  }
  return false;
};

/** Bounds on what one side accepts from the other (class: huge inputs). */
const MAX_METHODS = 256;
const MAX_NAME_LENGTH = 128;
const MAX_DEPTH = 64;

const TAG_CAP = "pc-cap";
const TAG_FN = "pc-fn";
const TAG_BYTES = "pc-bytes";
const TAG_ERROR = "pc-error";
const TAG_RECORD = "pc-rec";

/**
 * Calls one side may have waiting for answers from the other (invariant 9):
 * enough to keep a wall busy, few enough that one batch of them is a few
 * milliseconds of the host's thread.
 */
export const MAX_CALLS_IN_FLIGHT = 64;
/** Unclaimed attached bytes one side holds at most (invariant 7). */
const MAX_PENDING_BYTES = 256 * 1024 * 1024;
/** Attachments one message may carry at most. */
const MAX_ATTACHMENTS = 4096;

/** The plain-data shape every error is reduced to before it crosses. */
export interface WallErrorData {
  readonly name: string;
  readonly message: string;
  readonly code?: string;
  /** Frames in the plugin's own files (`at main (file:///plugin/index.js:3:9)`). */
  readonly frames?: readonly string[];
}

type Envelope =
  { readonly t: "ok"; readonly v: unknown } | { readonly t: "err"; readonly e: WallErrorData };

/** Options for {@link makeWallCodec}. */
export interface WallCodecOptions {
  /** Makes the error thrown on this side for an error that arrived. */
  readonly makeError: (data: WallErrorData) => Error;
  /** Interface name prefix for remotables this side exports. */
  readonly side: string;
}

/** Byte buffers to send with the next message, and their ids. */
export interface WallAttachments {
  readonly ids: readonly number[];
  readonly buffers: readonly ArrayBuffer[];
}

/** One side's codec. */
export interface WallCodec {
  readonly exportValue: (value: unknown) => unknown;
  readonly importValue: (value: unknown) => unknown;
  /** Bytes exported since the last call, to attach to the message being sent (invariant 7). */
  readonly takeAttachments: () => WallAttachments | undefined;
  /**
   * Keeps the bytes attached to a message that arrived until the values that
   * name them are imported; false when the attachments are malformed or
   * exceed the bound (the receiver then treats the peer as broken).
   */
  readonly receiveAttachments: (ids: unknown, bytes: readonly Uint8Array[]) => boolean;
  readonly revoke: (reason: string) => void;
  /** Cuts every call like `revoke`, failing them with `error` (the wall ended). */
  readonly cut: (error: Error) => void;
}

/** An Error with a stable own `code`, shaped as CellError is. */
const makeCodeError = (code: string, message: string, name: string): Error => {
  const err = new Error(message);
  Object.defineProperties(err, {
    name: { value: name, writable: true, configurable: true },
    code: { value: code, enumerable: true, writable: true, configurable: true },
  });
  return err;
};

const HOSTILE_VALUE: WallErrorData = freeze({
  name: "CellError",
  message:
    "A value the cell passed, threw or rejected could not be examined without running its code (a Proxy, or a promise or thenable whose lookups run code); it was refused.",
  code: "MEMBRANE_HOSTILE_VALUE",
});

/**
 * Reduces any thrown value to `{ name, message, code }` of strings
 * (invariant 1). Reading the properties of a hostile error may throw; then a
 * generic record is sent instead.
 */
export const errorToData = (err: unknown): WallErrorData => {
  // A Proxy is refused unread, as a compartment cell's membrane refuses it,
  // with the same code and message (closes "a hostile value thrown or
  // rejected towards the host runs its traps while it is encoded").
  if (types.isProxy(err)) return HOSTILE_VALUE;
  try {
    if (typeof err === "object" && err !== null) {
      const e = err as { name?: unknown; message?: unknown; code?: unknown };
      const name = typeof e.name === "string" ? e.name.slice(0, MAX_NAME_LENGTH) : "Error";
      const message = typeof e.message === "string" ? e.message : "";
      const frames = pluginFramesOf(err);
      return harden({
        name,
        message,
        ...(typeof e.code === "string" ? { code: e.code.slice(0, MAX_NAME_LENGTH) } : {}),
        ...(frames.length > 0 ? { frames } : {}),
      });
    }
    return harden({ name: "Error", message: `${String(err)}` });
  } catch {
    return harden({ name: "Error", message: "unreadable error" });
  }
};
hardenExport(errorToData);

/**
 * Makes an error on this side from error data that crossed the wall: a
 * standard constructor when the name is a standard one, with own `name` and
 * `code` properties otherwise.
 */
export const dataToError = (data: WallErrorData): Error => {
  const err = rebuildError(data);
  // Class closed: frames and file paths of the side that rebuilt the error
  // (the wall runtime, or the host) reaching the other side through `stack`,
  // whatever the realm's error taming renders. A copy's stack is its first
  // line and the plugin's own frames, as the membrane's copies are.
  Object.defineProperty(err, "stack", {
    value: `${data.name}: ${data.message}${(data.frames ?? []).map((f) => `\n    ${f}`).join("")}`,
    writable: true,
    configurable: true,
  });
  return err;
};

const rebuildError = (data: WallErrorData): Error => {
  if (data.code !== undefined) return makeCodeError(data.code, data.message, data.name);
  const Ctor = Object.hasOwn(ErrorCtors, data.name) ? ErrorCtors[data.name] : undefined;
  if (Ctor !== undefined) return new Ctor(data.message);
  const err = new Error(data.message);
  Object.defineProperty(err, "name", { value: data.name, writable: true, configurable: true });
  return err;
};
hardenExport(dataToError);

const readErrorData = (raw: unknown): WallErrorData => {
  const r = raw as Record<string, unknown> | undefined;
  if (
    typeof r !== "object" ||
    r === null ||
    typeof r.name !== "string" ||
    typeof r.message !== "string" ||
    (r.code !== undefined && typeof r.code !== "string")
  ) {
    return harden({ name: "Error", message: "malformed error from the other side of the wall" });
  }
  // Invariant 1, on arrival: a subverted side sends only frames that read
  // as the plugin's own.
  const frames = isArray(r.frames)
    ? pluginFrames(r.frames.filter((f): f is string => typeof f === "string").join("\n"))
    : [];
  return harden({
    name: r.name,
    message: r.message,
    ...(r.code === undefined ? {} : { code: r.code }),
    ...(frames.length > 0 ? { frames } : {}),
  });
};

/** Function-valued properties along the prototype chain, up to Object.prototype. */
const methodNamesOf = (obj: object): string[] => {
  const names = new Set<string>();
  for (let o: object | null = obj; o !== null && o !== ObjectProto; o = getPrototypeOf(o)) {
    for (const [name, desc] of entries(getOwnPropertyDescriptors(o))) {
      if (name === "constructor" || name === "then") continue;
      if ("value" in desc && typeof desc.value === "function") names.add(name);
    }
  }
  return [...names].sort();
};

/**
 * Reads the bytes attached to a message (invariant 7): transferred buffers
 * from a worker, base64 text from a pipe. Undefined when malformed.
 *
 * @example
 * ```ts
 * const bytes = readAttachedBytes(msg.b);
 * ```
 */
export const readAttachedBytes = (b: unknown): Uint8Array[] | undefined => {
  if (!isArray(b) || b.length > MAX_ATTACHMENTS) return undefined;
  const out: Uint8Array[] = [];
  for (const item of b) {
    if (item instanceof ArrayBuffer) out.push(new Uint8Array(item));
    else if (typeof item === "string") out.push(new Uint8Array(Buffer.from(item, "base64")));
    else return undefined;
  }
  return out;
};
hardenExport(readAttachedBytes);

/**
 * Makes one side's codec.
 *
 * @example
 * ```ts
 * const codec = makeWallCodec({ side: "host", makeError: dataToError });
 * const passable = codec.exportValue(harden({ fs }));
 * ```
 */
export const makeWallCodec = ({ makeError, side }: WallCodecOptions): WallCodec => {
  let revokedReason: string | undefined;
  /** Set once calls are cut (revoked, or the wall ended): every call fails with it. */
  let cutError: Error | undefined;
  /**
   * Rejecters of the calls in flight, removed as each settles (a shared
   * never-settling promise raced against every call would keep one reaction
   * per call forever).
   */
  const inFlight = new Set<(err: Error) => void>();
  const untilCut = <T>(p: Promise<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      if (cutError !== undefined) return reject(cutError);
      inFlight.add(reject);
      p.then(
        (v) => {
          inFlight.delete(reject);
          resolve(v);
        },
        (e: unknown) => {
          inFlight.delete(reject);
          reject(e);
        },
      );
      return undefined;
    });

  /** Exported remotable -> original local object (invariant 3). */
  const originalOf = new WeakMap<object, object>();
  /** Original local object -> exported remotable (one remotable per object). */
  const remotableOf = new WeakMap<object, object>();
  /** Imported presence -> local wrapper, and back. */
  const wrapperOf = new WeakMap<object, object>();
  const presenceOf = new WeakMap<object, unknown>();

  const revokedError = () =>
    makeError(
      harden({
        name: "RevokedError",
        message: `Revoked: ${revokedReason ?? "revoked"}`,
        code: "REVOKED",
      }),
    );
  const unpassable = (what: string, path?: readonly (string | number)[]): never => {
    const where =
      path === undefined
        ? ""
        : ` (at ${path
            .map((k, i) =>
              typeof k === "number"
                ? `[${k}]`
                : i === 0 || /^[A-Za-z_$][\w$]*$/.test(k)
                  ? `${i === 0 ? "" : "."}${k.slice(0, MAX_NAME_LENGTH)}`
                  : `[${JSON.stringify(k.slice(0, MAX_NAME_LENGTH))}]`,
            )
            .join("")})`;
    throw makeError(
      harden({
        name: "CellError",
        message: `Cannot pass ${what} across the wall${where}.`,
        code: "WALL_UNPASSABLE",
      }),
    );
  };

  /** Outgoing bytes not yet attached to a message (invariant 7). */
  let outIds: number[] = [];
  let outBuffers: ArrayBuffer[] = [];
  let nextBytesId = 0;
  /** Incoming bytes not yet imported. */
  const pendingBytes = new Map<number, Uint8Array>();
  let pendingByteCount = 0;

  const exportBytes = (bytes: Uint8Array): unknown => {
    // One copy, which the other side then owns: the sender keeps its own.
    const copy = bytes.slice().buffer;
    const id = nextBytesId;
    nextBytesId += 1;
    outIds.push(id);
    outBuffers.push(copy);
    return makeTagged(TAG_BYTES, id);
  };
  const takeAttachments = (): WallAttachments | undefined => {
    if (outIds.length === 0) return undefined;
    const taken = { ids: outIds, buffers: outBuffers };
    outIds = [];
    outBuffers = [];
    return taken;
  };
  const receiveAttachments = (ids: unknown, bytes: readonly Uint8Array[]): boolean => {
    if (!isArray(ids) || ids.length !== bytes.length || ids.length > MAX_ATTACHMENTS) return false;
    for (let i = 0; i < ids.length; i += 1) {
      const id: unknown = ids[i];
      const b = bytes[i] as Uint8Array;
      if (!Number.isSafeInteger(id) || pendingBytes.has(id as number)) return false;
      pendingByteCount += b.byteLength;
      if (pendingByteCount > MAX_PENDING_BYTES) return false;
      pendingBytes.set(id as number, b);
    }
    return true;
  };
  const importBytes = (id: unknown): Uint8Array => {
    const bytes = typeof id === "number" ? pendingBytes.get(id) : undefined;
    if (bytes === undefined) return unpassable("bytes that did not arrive");
    pendingBytes.delete(id as number);
    pendingByteCount -= bytes.byteLength;
    return bytes;
  };

  /** Invariant 9: calls waiting for a slot, and how many are out. */
  let callsOut = 0;
  const waitingForSlot: Array<() => void> = [];
  const takeSlot = (): Promise<void> | undefined => {
    if (callsOut < MAX_CALLS_IN_FLIGHT) {
      callsOut += 1;
      return undefined;
    }
    return new Promise<void>((resolve) => waitingForSlot.push(resolve));
  };
  const releaseSlot = () => {
    const next = waitingForSlot.shift();
    // The slot passes straight to the next waiting call.
    if (next !== undefined) next();
    else callsOut -= 1;
  };

  const answer = async (run: () => unknown): Promise<Envelope> => {
    if (cutError !== undefined) return harden({ t: "err", e: errorToData(cutError) });
    try {
      const result = await untilCut(Promise.resolve(run()));
      return harden({ t: "ok", v: exportValue(result, "result") });
    } catch (err) {
      return harden({ t: "err", e: errorToData(err) });
    }
  };

  /**
   * Invariant 8: a capability's own data properties other than functions, in
   * its own key order, exported like any record's (accessors are skipped:
   * running a getter here would run the owner's code at export time).
   */
  const exportCapData = (
    obj: object,
    depth: number,
    seen: Set<object>,
    path: (string | number)[],
  ): unknown[] => {
    const pairs: unknown[] = [];
    for (const [k, d] of entries(getOwnPropertyDescriptors(obj))) {
      if (!("value" in d) || typeof d.value === "function" || k === "then") continue;
      path.push(k);
      pairs.push(harden([k, exportRec(d.value, depth + 1, seen, path)]));
      path.pop();
    }
    return pairs;
  };

  const exportCap = (
    obj: object,
    depth: number,
    seen: Set<object>,
    path: (string | number)[],
  ): unknown => {
    const isFn = typeof obj === "function";
    let remotable = remotableOf.get(obj);
    if (remotable === undefined) {
      if (isFn) {
        const fn = obj as (...args: unknown[]) => unknown;
        remotable = Far(`${side}-fn`, {
          call: (args: unknown) => answer(() => fn(...importArgs(args))),
        });
      } else {
        const target = obj as Record<string, (...args: unknown[]) => unknown>;
        const methods: Record<string, (args: unknown) => Promise<Envelope>> = {};
        for (const name of methodNamesOf(obj)) {
          methods[name] = (args: unknown) =>
            answer(() =>
              Reflect.apply(target[name] as (...a: unknown[]) => unknown, target, importArgs(args)),
            );
        }
        remotable = Far(`${side}-cap`, methods);
      }
      remotableOf.set(obj, remotable);
      originalOf.set(remotable, obj);
    }
    if (isFn) return makeTagged(TAG_FN, harden({ ref: remotable as Passable }));
    return makeTagged(
      TAG_CAP,
      harden({
        ref: remotable as Passable,
        methods: methodNamesOf(obj),
        data: harden(exportCapData(obj, depth, seen, path)) as Passable,
      }),
    );
  };

  const exportRec = (
    value: unknown,
    depth: number,
    seen: Set<object>,
    path: (string | number)[],
  ): unknown => {
    if (depth > MAX_DEPTH) return unpassable("a value nested this deep", path);
    switch (typeof value) {
      case "undefined":
      case "boolean":
      case "number":
      case "bigint":
      case "string":
        return value;
      case "symbol":
        return unpassable("a symbol", path);
      case "function":
        return presenceOf.has(value) ? reExport(value) : exportCap(value, depth, seen, path);
      default:
        break;
    }
    if (value === null) return null;
    const obj = value as object;
    if (presenceOf.has(obj)) return reExport(obj);
    if (seen.has(obj)) return unpassable("a cyclic value", path);
    seen.add(obj);
    try {
      if (isArray(obj)) {
        const descs = getOwnPropertyDescriptors(obj);
        const out: unknown[] = [];
        for (let i = 0; i < obj.length; i += 1) {
          const d = descs[i];
          if (d === undefined || !("value" in d))
            return unpassable("an array with holes or getters", path);
          path.push(i);
          out.push(exportRec(d.value, depth + 1, seen, path));
          path.pop();
        }
        return harden(out);
      }
      const proto = getPrototypeOf(obj);
      if (proto === Uint8ArrayProto) return exportBytes(obj as Uint8Array);
      if (obj instanceof Error) {
        return makeTagged(TAG_ERROR, errorToData(obj));
      }
      if (proto !== ObjectProto && proto !== null) {
        if (hasBuiltinProto(obj))
          return unpassable("a built-in object that is not plain data", path);
        return methodNamesOf(obj).length > 0
          ? exportCap(obj, depth, seen, path)
          : unpassable("a non-plain object", path);
      }
      const descs = getOwnPropertyDescriptors(obj);
      let hasMethod = false;
      for (const d of Object.values(descs)) {
        if (!("value" in d)) return unpassable("an object with getters or setters", path);
        if (typeof d.value === "function") hasMethod = true;
      }
      if (hasMethod) return exportCap(obj, depth, seen, path);
      // Invariant 6: pairs, in the record's own key order.
      const pairs: unknown[] = [];
      for (const k of keys(descs)) {
        path.push(k);
        pairs.push(
          harden([k, exportRec((descs[k] as PropertyDescriptor).value, depth + 1, seen, path)]),
        );
        path.pop();
      }
      return makeTagged(TAG_RECORD, harden(pairs) as Passable);
    } finally {
      seen.delete(obj);
    }
  };

  /**
   * A wrapper we imported goes back as the presence it stands for; the other
   * side unwraps it to its original (invariant 3), so no data travels.
   */
  const reExport = (wrapper: object): unknown => {
    const presence = presenceOf.get(wrapper) as object;
    return typeof wrapper === "function"
      ? makeTagged(TAG_FN, harden({ ref: presence as Passable }))
      : makeTagged(TAG_CAP, harden({ ref: presence as Passable, methods: [], data: [] }));
  };

  const exportValue = (value: unknown, root: string = "value"): unknown => {
    const mark = outIds.length;
    try {
      return exportRec(value, 0, new Set(), [root]);
    } catch (err) {
      // A value refused half-way sends none of its bytes.
      outIds.length = mark;
      outBuffers.length = mark;
      throw err;
    }
  };

  const callRemote = async (
    presence: unknown,
    method: string,
    args: unknown[],
  ): Promise<unknown> => {
    if (cutError !== undefined) throw cutError;
    const encoded = harden(args.map((arg, i) => exportValue(arg, `arguments[${i}]`)));
    const waiting = takeSlot();
    if (waiting !== undefined) await untilCut(waiting);
    let envelope: Record<string, unknown>;
    try {
      envelope = (await untilCut(
        (E(presence) as Record<string, (a: unknown) => Promise<unknown>>)[method]!(encoded),
      )) as Record<string, unknown>;
    } finally {
      releaseSlot();
    }
    if (typeof envelope !== "object" || envelope === null) {
      throw makeError(harden({ name: "Error", message: "malformed answer across the wall" }));
    }
    if (envelope.t === "ok") return importValue(envelope.v);
    throw makeError(readErrorData(envelope.e));
  };

  const importCap = (payload: unknown, isFn: boolean): unknown => {
    const p = payload as { ref?: unknown; methods?: unknown; data?: unknown };
    if (typeof p !== "object" || p === null || passStyleOf(p.ref) !== "remotable") {
      return unpassable("a malformed capability");
    }
    const ref = p.ref as object;
    const original = originalOf.get(ref);
    if (original !== undefined) return original;
    const existing = wrapperOf.get(ref);
    if (existing !== undefined) return existing;
    let wrapper: object;
    if (isFn) {
      wrapper = (...args: unknown[]) => callRemote(ref, "call", args);
    } else {
      const names = p.methods;
      if (!isArray(names) || names.length > MAX_METHODS)
        return unpassable("a malformed capability");
      const methods: Record<string, (...args: unknown[]) => Promise<unknown>> = {};
      for (const name of names) {
        if (typeof name !== "string" || name.length > MAX_NAME_LENGTH || name === "then") continue;
        Object.defineProperty(methods, name, {
          value: (...args: unknown[]) => callRemote(ref, name, args),
          enumerable: true,
        });
      }
      const data = p.data;
      if (!isArray(data) || data.length > MAX_METHODS) return unpassable("a malformed capability");
      for (const pair of data) {
        const k: unknown = isArray(pair) && pair.length === 2 ? pair[0] : undefined;
        if (typeof k !== "string" || k === "then" || Object.hasOwn(methods, k))
          return unpassable("a malformed capability");
        Object.defineProperty(methods, k, {
          value: importValue((pair as unknown[])[1]),
          enumerable: true,
        });
      }
      wrapper = methods;
    }
    harden(wrapper);
    wrapperOf.set(ref, wrapper);
    presenceOf.set(wrapper, ref);
    return wrapper;
  };

  /**
   * Data arrives as fresh objects this side owns: each array and record is
   * frozen as it is built (its prototype is an intrinsic, hardened at
   * lockdown), and bytes are left as the receiver's own mutable copy, so no
   * hardening walks them (invariant 7).
   */
  const importValue = (value: unknown): unknown => {
    const style = passStyleOf(value);
    switch (style) {
      case "copyArray":
        return freeze((value as unknown[]).map(importValue));
      case "tagged": {
        const tag = (value as { [Symbol.toStringTag]: string })[Symbol.toStringTag];
        const payload = (value as { payload: unknown }).payload;
        if (tag === TAG_RECORD) return importRecord(payload);
        if (tag === TAG_CAP) return importCap(payload, false);
        if (tag === TAG_FN) return importCap(payload, true);
        if (tag === TAG_BYTES) return importBytes(payload);
        if (tag === TAG_ERROR) return harden(dataToError(readErrorData(payload)));
        return unpassable("an unknown tagged value");
      }
      case "copyRecord":
      case "remotable":
      case "promise":
      case "error":
      case "symbol":
        return unpassable(`a bare ${style}`);
      default:
        return value;
    }
  };

  const importRecord = (payload: unknown): object => {
    if (!isArray(payload)) return unpassable("a malformed record");
    const out: Record<string, unknown> = {};
    for (const pair of payload) {
      const k: unknown = isArray(pair) && pair.length === 2 ? pair[0] : undefined;
      if (typeof k !== "string" || Object.hasOwn(out, k)) return unpassable("a malformed record");
      // defineProperty, not assignment: a key named `__proto__` stays data.
      Object.defineProperty(out, k, {
        value: importValue((pair as unknown[])[1]),
        writable: true,
        enumerable: true,
        configurable: true,
      });
    }
    return freeze(out);
  };

  const importArgs = (args: unknown): unknown[] => {
    if (!isArray(args)) return unpassable("malformed arguments");
    return args.map(importValue);
  };

  const cut = (error: Error) => {
    if (cutError !== undefined) return;
    cutError = error;
    for (const reject of inFlight) reject(error);
    inFlight.clear();
    pendingBytes.clear();
    pendingByteCount = 0;
  };
  const revoke = (reason: string) => {
    if (cutError !== undefined) return;
    revokedReason = reason;
    cut(revokedError());
  };

  return harden({
    exportValue: (value: unknown) => exportValue(value),
    importValue,
    takeAttachments,
    receiveAttachments,
    revoke,
    cut,
  });
};
hardenExport(makeWallCodec);
