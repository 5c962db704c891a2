/**
 * A formatter for values a cell logs, safe against hostile objects.
 *
 * Invariants:
 * 1. Formatting never runs guest code: no getters (accessors print as
 *    `[Getter]`/`[Setter]`/`[Getter/Setter]`), no `toString`, `valueOf`,
 *    `Symbol.toPrimitive`, `toJSON` or `inspect` hooks, and no proxy traps
 *    (proxies print as `[Proxy]`, recognised with `util.types.isProxy`
 *    before anything else touches them). Built-ins (Map, Set, Date, RegExp,
 *    typed arrays, errors) are read through captured intrinsics that use
 *    internal slots.
 * 2. Output is bounded: depth (default 2, deeper objects print as `[Object]`),
 *    items per collection (default 100), characters per string (default
 *    10000) and the total length (default 16 KiB) are capped; cycles print as
 *    `[Circular]`.
 * 3. Any unexpected engine error while inspecting a value prints
 *    `[Uninspectable]` instead of escaping.
 *
 * It does not reproduce `util.inspect` exactly (no colours, no line
 * breaking, no class-specific hooks), and never prints stacks: a stack can
 * hold host paths.
 */
import { types } from "node:util";

const { isProxy, isMap, isSet, isDate, isRegExp, isPromise, isNativeError, isWeakMap, isWeakSet } =
  types;
const { apply, getOwnPropertyDescriptor, getPrototypeOf } = Reflect;
const ownKeys = Reflect.ownKeys as (o: object) => Array<string | symbol>;
const { isArray } = Array;
const TypedArrayPrototype = getPrototypeOf(Uint8Array.prototype) as object;
const getterOf = (proto: object, name: PropertyKey) =>
  getOwnPropertyDescriptor(proto, name)?.get as (this: unknown) => unknown;
const typedArrayTag = getterOf(TypedArrayPrototype, Symbol.toStringTag);
const typedArrayLength = getterOf(TypedArrayPrototype, "length");
const mapSize = getterOf(Map.prototype, "size");
const setSize = getterOf(Set.prototype, "size");
const MapEntries = Map.prototype.entries;
const SetValues = Set.prototype.values;
const iteratorNext = (it: object) =>
  (getPrototypeOf(it) as { next: (this: unknown) => IteratorResult<never> }).next;
const MapIteratorNext = iteratorNext(new Map().entries()) as (
  this: unknown,
) => IteratorResult<[unknown, unknown]>;
const SetIteratorNext = iteratorNext(new Set().values()) as (
  this: unknown,
) => IteratorResult<unknown>;
const DateToISOString = Date.prototype.toISOString;
const DateGetTime = Date.prototype.getTime;
const regExpSource = getterOf(RegExp.prototype, "source");
const regExpFlagGetters: Array<[string, (this: unknown) => unknown]> = [
  ["d", getterOf(RegExp.prototype, "hasIndices")],
  ["g", getterOf(RegExp.prototype, "global")],
  ["i", getterOf(RegExp.prototype, "ignoreCase")],
  ["m", getterOf(RegExp.prototype, "multiline")],
  ["s", getterOf(RegExp.prototype, "dotAll")],
  ["u", getterOf(RegExp.prototype, "unicode")],
  ["v", getterOf(RegExp.prototype, "unicodeSets")],
  ["y", getterOf(RegExp.prototype, "sticky")],
];
const SymbolToString = Symbol.prototype.toString;
const stringify = JSON.stringify;

/** Limits of {@link formatValues}. */
export interface FormatOptions {
  /** How deep to show nested objects (default 2). */
  depth?: number;
  /** Items shown per array, object, map or set (default 100). */
  maxItems?: number;
  /** Characters shown per string (default 10000). */
  maxStringLength?: number;
  /** Characters of the whole output (default 16384). */
  maxLength?: number;
}

/** Raised inside the formatter when the output budget is spent. */
const BUDGET = Symbol("budget");

/** A data property's value, or `undefined` if absent, an accessor, or the holder is a proxy. */
const dataValue = (obj: object, key: PropertyKey): { value: unknown } | undefined => {
  if (isProxy(obj)) return undefined;
  const desc = getOwnPropertyDescriptor(obj, key);
  return desc && "value" in desc ? { value: desc.value } : undefined;
};

/** The name of a data property holding a string, looked up the prototype chain without running code. */
/**
 * The names of the built-in error prototypes, read once at load. (Under SES
 * override taming their `name` may be an accessor; these are intrinsics, so
 * reading them here runs no guest code.)
 */
const errorNames = new Map<object, string>(
  [
    Error,
    EvalError,
    RangeError,
    ReferenceError,
    SyntaxError,
    TypeError,
    URIError,
    AggregateError,
  ].map((E) => [E.prototype, E.prototype.name]),
);

const inheritedString = (obj: object, key: PropertyKey): string | undefined => {
  let o: object | null = obj;
  for (let i = 0; o !== null && i < 16; i += 1) {
    if (key === "name" && errorNames.has(o)) return errorNames.get(o);
    if (isProxy(o)) return undefined;
    const found = dataValue(o, key);
    if (found) return typeof found.value === "string" ? found.value : undefined;
    o = getPrototypeOf(o) as object | null;
  }
  return undefined;
};

const constructorName = (obj: object): string | undefined => {
  const proto = getPrototypeOf(obj) as object | null;
  if (proto === null) return undefined;
  if (isProxy(proto)) return "";
  const ctor = dataValue(proto, "constructor");
  if (
    !ctor ||
    (typeof ctor.value !== "function" && typeof ctor.value !== "object") ||
    ctor.value === null
  )
    return "";
  const name = dataValue(ctor.value as object, "name");
  return name && typeof name.value === "string" ? name.value : "";
};

const IDENT = /^[A-Za-z_$][\w$]*$/;
const INDEX = /^(0|[1-9]\d*)$/;

/**
 * Format values the way `console.log` would, without running guest code.
 *
 * @example
 * ```ts
 * formatValues(["n =", 1, { a: [1, 2] }]); // "n = 1 { a: [ 1, 2 ] }"
 * formatValues(["%s items", 3]);            // "3 items"
 * ```
 */
export function formatValues(args: readonly unknown[], options: FormatOptions = {}): string {
  const depthLimit = options.depth ?? 2;
  const maxItems = options.maxItems ?? 100;
  const maxString = options.maxStringLength ?? 10000;
  const maxLength = options.maxLength ?? 16384;
  let length = 0;
  const parts: string[] = [];
  const emit = (s: string) => {
    const room = maxLength - length;
    if (s.length > room) {
      parts.push(s.slice(0, room));
      length = maxLength;
      throw BUDGET;
    }
    parts.push(s);
    length += s.length;
  };
  const seen: object[] = [];

  const str = (s: string, quoted: boolean) => {
    const cut = s.length > maxString ? s.slice(0, maxString) : s;
    const more = s.length > maxString ? `... ${s.length - maxString} more characters` : "";
    emit(quoted ? `${stringify(cut)}${more ? ` ${more}` : ""}` : cut + more);
  };

  const key = (k: string | symbol) => {
    if (typeof k === "symbol") emit(`[${apply(SymbolToString, k, []) as string}]`);
    else if (IDENT.test(k)) emit(k);
    else emit(stringify(k));
  };

  const items = <T>(
    list: Iterable<T>,
    total: number,
    each: (item: T) => void,
    open: string,
    close: string,
  ) => {
    emit(open);
    let n = 0;
    for (const item of list) {
      if (n >= maxItems) break;
      emit(n === 0 ? " " : ", ");
      each(item);
      n += 1;
    }
    if (total > n) emit(`${n === 0 ? " " : ", "}... ${total - n} more items`);
    emit(n === 0 && total === 0 ? close : ` ${close}`);
  };

  const iterate = function* <T>(
    next: (this: unknown) => IteratorResult<T>,
    it: unknown,
  ): Generator<T> {
    for (;;) {
      const r = apply(next, it, []) as IteratorResult<T>;
      if (r.done) return;
      yield r.value;
    }
  };

  const properties = (obj: object, depth: number, skipIndices: boolean) => {
    // Descriptors are read for at most `maxItems` keys; the rest are only
    // counted, so a huge object costs one `ownKeys` and a cheap scan.
    const keys: Array<string | symbol> = [];
    let more = 0;
    for (const k of ownKeys(obj)) {
      if (skipIndices && typeof k === "string" && (k === "length" || INDEX.test(k))) continue;
      if (keys.length >= maxItems) more += 1;
      else if (getOwnPropertyDescriptor(obj, k)?.enumerable === true) keys.push(k);
    }
    return {
      keys,
      total: keys.length + more,
      show: (k: string | symbol) => {
        key(k);
        emit(": ");
        const desc = getOwnPropertyDescriptor(obj, k);
        if (!desc) emit("undefined");
        else if ("value" in desc) value(desc.value, depth + 1, true);
        else emit(desc.get && desc.set ? "[Getter/Setter]" : desc.get ? "[Getter]" : "[Setter]");
      },
    };
  };

  const object = (obj: object, depth: number) => {
    if (isProxy(obj)) return emit(typeof obj === "function" ? "[Function: Proxy]" : "[Proxy]");
    if (seen.includes(obj)) return emit("[Circular]");
    if (typeof obj === "function") {
      const name = dataValue(obj, "name");
      const label =
        name && typeof name.value === "string" && name.value ? `: ${name.value}` : " (anonymous)";
      return emit(`[Function${label}]`);
    }
    if (isNativeError(obj)) {
      const name = inheritedString(obj, "name") ?? "Error";
      const message = dataValue(obj, "message");
      return emit(
        typeof message?.value === "string" && message.value ? `${name}: ${message.value}` : name,
      );
    }
    if (isDate(obj)) {
      const t = apply(DateGetTime, obj, []) as number;
      return emit(Number.isNaN(t) ? "Invalid Date" : (apply(DateToISOString, obj, []) as string));
    }
    if (isRegExp(obj)) {
      const flags = regExpFlagGetters.map(([f, get]) => (apply(get, obj, []) ? f : "")).join("");
      return emit(`/${apply(regExpSource, obj, []) as string}/${flags}`);
    }
    if (isPromise(obj)) return emit("Promise { <unknown> }");
    if (isWeakMap(obj)) return emit("WeakMap { <items unknown> }");
    if (isWeakSet(obj)) return emit("WeakSet { <items unknown> }");
    const ctor = constructorName(obj);
    const tag = ArrayBuffer.isView(obj)
      ? (apply(typedArrayTag, obj, []) as string | undefined)
      : undefined;
    const isArr = isArray(obj);
    const prefix =
      ctor === undefined
        ? "[Object: null prototype] "
        : (isArr && ctor === "Array") || (!isArr && ctor === "Object") || tag !== undefined
          ? ""
          : ctor
            ? `${ctor} `
            : "";
    if (depth > depthLimit) {
      return emit(isArr ? "[Array]" : `[${ctor || tag || "Object"}]`);
    }
    seen.push(obj);
    try {
      if (tag !== undefined) {
        const len = apply(typedArrayLength, obj, []) as number;
        const view = obj as unknown as ArrayLike<number | bigint>;
        const indices = (function* () {
          for (let i = 0; i < len; i += 1) yield i;
        })();
        emit(`${tag}(${len}) `);
        return items(indices, len, (i) => value(view[i], depth + 1, true), "[", "]");
      }
      if (isMap(obj)) {
        const size = apply(mapSize, obj, []) as number;
        emit(`${ctor && ctor !== "Map" ? ctor : "Map"}(${size}) `);
        return items(
          iterate(MapIteratorNext, apply(MapEntries, obj, [])),
          size,
          ([k, v]) => {
            value(k, depth + 1, true);
            emit(" => ");
            value(v, depth + 1, true);
          },
          "{",
          "}",
        );
      }
      if (isSet(obj)) {
        const size = apply(setSize, obj, []) as number;
        emit(`${ctor && ctor !== "Set" ? ctor : "Set"}(${size}) `);
        return items(
          iterate(SetIteratorNext, apply(SetValues, obj, [])),
          size,
          (v) => value(v, depth + 1, true),
          "{",
          "}",
        );
      }
      if (isArr) {
        const lengthDesc = getOwnPropertyDescriptor(obj, "length");
        const len = typeof lengthDesc?.value === "number" ? lengthDesc.value : 0;
        const indices = (function* () {
          for (let i = 0; i < len; i += 1) yield i;
        })();
        const extra = properties(obj, depth, true);
        emit(prefix);
        return items(
          (function* () {
            yield* indices;
            for (const k of extra.keys) yield { k };
          })(),
          len + extra.total,
          (item) => {
            if (typeof item === "number") {
              const desc = getOwnPropertyDescriptor(obj, String(item));
              if (!desc) emit("<empty>");
              else if ("value" in desc) value(desc.value, depth + 1, true);
              else
                emit(desc.get && desc.set ? "[Getter/Setter]" : desc.get ? "[Getter]" : "[Setter]");
            } else {
              extra.show(item.k);
            }
          },
          "[",
          "]",
        );
      }
      const props = properties(obj, depth, false);
      emit(prefix);
      return items(props.keys, props.total, props.show, "{", "}");
    } finally {
      seen.pop();
    }
  };

  const value = (v: unknown, depth: number, nested: boolean): void => {
    switch (typeof v) {
      case "string":
        return str(v, nested);
      case "number":
        return emit(Object.is(v, -0) ? "-0" : String(v));
      case "bigint":
        return emit(`${String(v)}n`);
      case "boolean":
        return emit(v ? "true" : "false");
      case "undefined":
        return emit("undefined");
      case "symbol":
        return emit(apply(SymbolToString, v, []) as string);
      default:
        if (v === null) return emit("null");
        try {
          return object(v as object, depth);
        } catch (err) {
          if (err === BUDGET) throw err;
          return emit("[Uninspectable]");
        }
    }
  };

  const number = (v: unknown, integer: boolean): string => {
    if (typeof v === "bigint") return `${String(v)}n`;
    if (typeof v !== "number") return "NaN";
    return String(integer ? Math.trunc(v) : v);
  };

  try {
    let rest = args;
    const first = args[0];
    if (typeof first === "string" && first.includes("%")) {
      // printf-style directives; conversions never coerce objects.
      let i = 1;
      let out = "";
      for (let p = 0; p < first.length; p += 1) {
        const c = first[p];
        const d = first[p + 1];
        if (c !== "%" || d === undefined) {
          out += c;
          continue;
        }
        if (d === "%") {
          out += "%";
          p += 1;
          continue;
        }
        if (!"sdifjoOc".includes(d)) {
          out += c;
          continue;
        }
        p += 1;
        if (d === "c") {
          i += 1;
          continue;
        }
        if (i >= args.length) {
          out += `%${d}`;
          continue;
        }
        const arg = args[i];
        i += 1;
        if (d === "d" || d === "i") out += number(arg, d === "i");
        else if (d === "f") out += typeof arg === "number" ? String(arg) : "NaN";
        else {
          // %s, %j, %o, %O: format the value with the safe formatter.
          emit(out);
          out = "";
          value(arg, 0, d !== "s");
        }
        if (out.length > maxLength) break;
      }
      str(out, false);
      rest = args.slice(i);
      for (const v of rest) {
        emit(" ");
        value(v, 0, false);
      }
    } else {
      rest.forEach((v, n) => {
        if (n > 0) emit(" ");
        value(v, 0, false);
      });
    }
  } catch (err) {
    if (err !== BUDGET) throw err;
    parts.push(" ... [truncated]");
  }
  return parts.join("");
}
