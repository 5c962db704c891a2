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
 * 1. Errors cross as exactly `{ name, message, code }` (strings): never a
 *    stack, a cause, or any other property. CapTP's marshal drops `code` and
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
 *
 * It does not transport messages (see wall-channel.ts) and does not limit
 * resources (see the supervisors).
 */
import { hardenExport } from "@padded-cell/membrane";
import { E, Far } from "@endo/far";
import { makeTagged, passStyleOf, type Passable } from "@endo/marshal";
import { types } from "node:util";

const {
  freeze,
  getPrototypeOf,
  getOwnPropertyDescriptors,
  keys,
  entries,
  prototype: ObjectProto,
} = Object;
const { isArray } = Array;
const { fromCharCode } = String;
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

/** The plain-data shape every error is reduced to before it crosses. */
export interface WallErrorData {
  readonly name: string;
  readonly message: string;
  readonly code?: string;
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

/** One side's codec. */
export interface WallCodec {
  readonly exportValue: (value: unknown) => unknown;
  readonly importValue: (value: unknown) => unknown;
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
      return typeof e.code === "string"
        ? harden({ name, message, code: e.code.slice(0, MAX_NAME_LENGTH) })
        : harden({ name, message });
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
  return r.code === undefined
    ? harden({ name: r.name, message: r.message })
    : harden({ name: r.name, message: r.message, code: r.code });
};

const bytesToString = (bytes: Uint8Array): string => {
  let out = "";
  for (let i = 0; i < bytes.length; i += 8192) {
    out += fromCharCode(...bytes.subarray(i, i + 8192));
  }
  return out;
};

const stringToBytes = (s: string): Uint8Array => {
  const bytes = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i += 1) bytes[i] = s.charCodeAt(i) & 0xff;
  return bytes;
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
  const unpassable = (what: string): never => {
    throw makeError(
      harden({
        name: "CellError",
        message: `Cannot pass ${what} across the wall.`,
        code: "WALL_UNPASSABLE",
      }),
    );
  };

  const answer = async (run: () => unknown): Promise<Envelope> => {
    if (cutError !== undefined) return harden({ t: "err", e: errorToData(cutError) });
    try {
      const result = await untilCut(Promise.resolve(run()));
      return harden({ t: "ok", v: exportValue(result) });
    } catch (err) {
      return harden({ t: "err", e: errorToData(err) });
    }
  };

  const exportCap = (obj: object): unknown => {
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
    return makeTagged(TAG_CAP, harden({ ref: remotable as Passable, methods: methodNamesOf(obj) }));
  };

  const exportRec = (value: unknown, depth: number, seen: Set<object>): unknown => {
    if (depth > MAX_DEPTH) return unpassable("a value nested this deep");
    switch (typeof value) {
      case "undefined":
      case "boolean":
      case "number":
      case "bigint":
      case "string":
        return value;
      case "symbol":
        return unpassable("a symbol");
      case "function":
        return presenceOf.has(value) ? reExport(value) : exportCap(value);
      default:
        break;
    }
    if (value === null) return null;
    const obj = value as object;
    if (presenceOf.has(obj)) return reExport(obj);
    if (seen.has(obj)) return unpassable("a cyclic value");
    seen.add(obj);
    try {
      if (isArray(obj)) {
        const descs = getOwnPropertyDescriptors(obj);
        const out: unknown[] = [];
        for (let i = 0; i < obj.length; i += 1) {
          const d = descs[i];
          if (d === undefined || !("value" in d))
            return unpassable("an array with holes or getters");
          out.push(exportRec(d.value, depth + 1, seen));
        }
        return harden(out);
      }
      const proto = getPrototypeOf(obj);
      if (proto === Uint8ArrayProto) {
        return makeTagged(TAG_BYTES, bytesToString(obj as Uint8Array));
      }
      if (obj instanceof Error) {
        return makeTagged(TAG_ERROR, errorToData(obj));
      }
      if (proto !== ObjectProto && proto !== null) {
        if (hasBuiltinProto(obj)) return unpassable("a built-in object that is not plain data");
        return methodNamesOf(obj).length > 0 ? exportCap(obj) : unpassable("a non-plain object");
      }
      const descs = getOwnPropertyDescriptors(obj);
      let hasMethod = false;
      for (const d of Object.values(descs)) {
        if (!("value" in d)) return unpassable("an object with getters or setters");
        if (typeof d.value === "function") hasMethod = true;
      }
      if (hasMethod) return exportCap(obj);
      const out: Record<string, unknown> = {};
      for (const k of keys(descs)) {
        out[k] = exportRec((descs[k] as PropertyDescriptor).value, depth + 1, seen);
      }
      return harden(out);
    } finally {
      seen.delete(obj);
    }
  };

  /** A wrapper we imported goes back as the presence it stands for. */
  const reExport = (wrapper: object): unknown => {
    const presence = presenceOf.get(wrapper) as object;
    return typeof wrapper === "function"
      ? makeTagged(TAG_FN, harden({ ref: presence as Passable }))
      : makeTagged(TAG_CAP, harden({ ref: presence as Passable, methods: keys(wrapper) }));
  };

  const exportValue = (value: unknown): unknown => exportRec(value, 0, new Set());

  const callRemote = async (
    presence: unknown,
    method: string,
    args: unknown[],
  ): Promise<unknown> => {
    if (cutError !== undefined) throw cutError;
    const encoded = harden(args.map(exportValue));
    const envelope = (await untilCut(
      (E(presence) as Record<string, (a: unknown) => Promise<unknown>>)[method]!(encoded),
    )) as Record<string, unknown>;
    if (typeof envelope !== "object" || envelope === null) {
      throw makeError(harden({ name: "Error", message: "malformed answer across the wall" }));
    }
    if (envelope.t === "ok") return importValue(envelope.v);
    throw makeError(readErrorData(envelope.e));
  };

  const importCap = (payload: unknown, isFn: boolean): unknown => {
    const p = payload as { ref?: unknown; methods?: unknown };
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
      wrapper = methods;
    }
    harden(wrapper);
    wrapperOf.set(ref, wrapper);
    presenceOf.set(wrapper, ref);
    return wrapper;
  };

  const importValue = (value: unknown): unknown => {
    const style = passStyleOf(value);
    switch (style) {
      case "copyArray":
        return harden((value as unknown[]).map(importValue));
      case "copyRecord": {
        const out: Record<string, unknown> = {};
        for (const [k, v] of entries(value as Record<string, unknown>)) out[k] = importValue(v);
        return harden(out);
      }
      case "tagged": {
        const tag = (value as { [Symbol.toStringTag]: string })[Symbol.toStringTag];
        const payload = (value as { payload: unknown }).payload;
        if (tag === TAG_CAP) return importCap(payload, false);
        if (tag === TAG_FN) return importCap(payload, true);
        if (tag === TAG_BYTES && typeof payload === "string") return stringToBytes(payload);
        if (tag === TAG_ERROR) return dataToError(readErrorData(payload));
        return unpassable("an unknown tagged value");
      }
      case "remotable":
      case "promise":
      case "error":
      case "symbol":
        return unpassable(`a bare ${style}`);
      default:
        return value;
    }
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
  };
  const revoke = (reason: string) => {
    if (cutError !== undefined) return;
    revokedReason = reason;
    cut(revokedError());
  };

  return harden({ exportValue, importValue, revoke, cut });
};
hardenExport(makeWallCodec);
