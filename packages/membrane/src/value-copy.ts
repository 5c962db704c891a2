/**
 * Copies the values that cross a membrane by copy rather than by reference:
 * bytes (typed arrays, `Buffer`, `ArrayBuffer`, `SharedArrayBuffer`,
 * `DataView`), `Date` and `RegExp`.
 *
 * Why copy: these are values whose meaning lives in internal slots. A proxy
 * of one fails every brand check (`new TextDecoder().decode(proxy)`,
 * `Buffer.from(proxy)`, `date.getTime()` through a bare proxy), and sharing
 * the original would share mutable memory between host and guest, a channel.
 *
 * Invariants:
 * 1. Recognition and copying read internal slots only, through getters and
 *    constructors captured here; no code of the value's owner runs (a
 *    guest-made Proxy is not recognised as any of these kinds, and so is
 *    wrapped instead of copied).
 * 2. A copy never shares memory with its original, and is built from the
 *    realm's intrinsic constructors (a `Buffer` arrives as a `Uint8Array`).
 */
import { getterOf, ReflectGetPrototypeOf } from "./commons.js";

type TypedArrayCtor = new (source: ArrayLike<number> | ArrayLike<bigint>) => ArrayBufferView;

const TypedArrayPrototype = ReflectGetPrototypeOf(Uint8Array.prototype) as object;
const typedArrayTag = getterOf(TypedArrayPrototype, Symbol.toStringTag);
const arrayBufferByteLength = getterOf(ArrayBuffer.prototype, "byteLength");
const sharedArrayBufferByteLength =
  typeof SharedArrayBuffer === "function"
    ? getterOf(SharedArrayBuffer.prototype, "byteLength")
    : undefined;
const dataViewBuffer = getterOf(DataView.prototype, "buffer");
const dataViewByteOffset = getterOf(DataView.prototype, "byteOffset");
const dataViewByteLength = getterOf(DataView.prototype, "byteLength");
const dateGetTime = Date.prototype.getTime;
const regExpSource = getterOf(RegExp.prototype, "source");
const regExpFlagGetters: Array<[string, (this: unknown) => unknown]> = [];
for (const [flag, key] of [
  ["d", "hasIndices"],
  ["g", "global"],
  ["i", "ignoreCase"],
  ["m", "multiline"],
  ["s", "dotAll"],
  ["u", "unicode"],
  ["v", "unicodeSets"],
  ["y", "sticky"],
] as const) {
  if (Object.getOwnPropertyDescriptor(RegExp.prototype, key)) {
    regExpFlagGetters.push([flag, getterOf(RegExp.prototype, key)]);
  }
}
const ArrayBufferView = ArrayBuffer.isView;

const typedArrayCtors: Record<string, TypedArrayCtor> = {
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
} as unknown as Record<string, TypedArrayCtor>;

/** Marks "this value is not one of the copied kinds". */
export const NOT_COPIED: unique symbol = Symbol("not copied");

const brand = (getter: (this: unknown) => unknown, value: object): boolean => {
  try {
    getter.call(value);
    return true;
  } catch {
    return false;
  }
};

const copyBytes = (buffer: ArrayBufferLike, offset: number, length: number): ArrayBuffer =>
  new Uint8Array(new Uint8Array(buffer, offset, length)).buffer;

/** The copied kinds, by the intrinsic prototype that announces them. */
export const copiedKinds = new Map<object, string>([
  [ArrayBuffer.prototype, "ArrayBuffer"],
  [Date.prototype, "Date"],
  [RegExp.prototype, "RegExp"],
]);
if (typeof SharedArrayBuffer === "function") {
  copiedKinds.set(SharedArrayBuffer.prototype, "SharedArrayBuffer");
}

/**
 * Returns a copy of `value` if it is bytes (recognised by its internal
 * slots alone), or of the kind its prototype chain announces and its
 * internal slots confirm; otherwise {@link NOT_COPIED}. A value whose
 * prototype claims a kind its slots deny (`Object.create(Date.prototype)`)
 * is not copied.
 */
export const copyValue = (value: object, announced: string | undefined): unknown => {
  if (ArrayBufferView(value)) {
    const tag = typedArrayTag.call(value);
    if (typeof tag === "string") {
      const Ctor = typedArrayCtors[tag] as TypedArrayCtor;
      return new Ctor(value as unknown as ArrayLike<number>);
    }
    const buffer = dataViewBuffer.call(value) as ArrayBufferLike;
    const offset = dataViewByteOffset.call(value) as number;
    const length = dataViewByteLength.call(value) as number;
    return new DataView(copyBytes(buffer, offset, length));
  }
  switch (announced) {
    case "ArrayBuffer":
      if (!brand(arrayBufferByteLength, value)) return NOT_COPIED;
      return copyBytes(value as ArrayBuffer, 0, arrayBufferByteLength.call(value) as number);
    case "SharedArrayBuffer": {
      const getter = sharedArrayBufferByteLength as (this: unknown) => unknown;
      if (!brand(getter, value)) return NOT_COPIED;
      return copyBytes(value as SharedArrayBuffer, 0, getter.call(value) as number);
    }
    case "Date":
      if (!brand(dateGetTime as (this: unknown) => unknown, value)) return NOT_COPIED;
      return new Date(dateGetTime.call(value as Date));
    case "RegExp": {
      if (!brand(regExpSource, value)) return NOT_COPIED;
      let flags = "";
      for (const [flag, getter] of regExpFlagGetters) if (getter.call(value)) flags += flag;
      return new RegExp(regExpSource.call(value) as string, flags);
    }
    default:
      return NOT_COPIED;
  }
};
