/**
 * Standard output for a cell: a guest side that can only write, and a host
 * side that reads what was written, with bounded memory.
 *
 * Invariants:
 * 1. Output is bounded: each stream keeps at most `limitBytes` bytes; the
 *    first write past the limit is cut there and the marker
 *    "[output truncated after N bytes]" is appended once; later writes are
 *    dropped. Memory never grows past the limit plus the marker (one buffer
 *    per stream, grown by doubling up to that ceiling), and a huge write is
 *    encoded or copied only up to the room left.
 * 2. The guest side (`cap`) cannot read anything back; only `host` can, and
 *    the two are returned separately so the host hands out only `cap`.
 * 3. Written data is copied at the call (strings are immutable; bytes are
 *    copied through captured `buffer`/`byteOffset`/`byteLength` getters, with
 *    no species lookup), so a cell mutating its buffer afterwards changes
 *    nothing and no subclass code runs. Only string primitives and genuine
 *    `Uint8Array`s are accepted; nothing is coerced, so no guest `toString`
 *    runs.
 * 4. A connected host `Writable` receives exactly what is kept in memory
 *    (including the marker), so a flood cannot flood the host's terminal.
 *    Unless `rawConnect` is set, control characters other than tab, newline
 *    and carriage return (C0, DEL, and C1 encoded as UTF-8) are replaced by
 *    `?` on the way there, so a cell cannot drive the host's terminal with
 *    escape sequences (titles, clipboard, cursor). `host.read` stays exact.
 * 5. With a `scope`, writes after the scope closes throw `REVOKED`.
 *
 * It does not provide stdin, and it does not wait for a connected `Writable`
 * to drain (its own buffering applies).
 */
import type { Writable } from "node:stream";
import { CellError } from "@padded-cell/membrane";
import type { ResourceScope } from "./resource-scope.js";

const TypedArrayPrototype = Object.getPrototypeOf(Uint8Array.prototype) as object;
const typedArrayTag = Object.getOwnPropertyDescriptor(TypedArrayPrototype, Symbol.toStringTag)
  ?.get as (this: unknown) => unknown;
const typedArrayGetter = (name: string) =>
  Object.getOwnPropertyDescriptor(TypedArrayPrototype, name)?.get as (this: unknown) => unknown;
const typedArrayBuffer = typedArrayGetter("buffer");
const typedArrayByteOffset = typedArrayGetter("byteOffset");
const typedArrayByteLength = typedArrayGetter("byteLength");
const { apply } = Reflect;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Which stream a write goes to. */
export type StdioStream = "stdout" | "stderr";

/** The guest side of stdio: write only. */
export interface StdioCap {
  /** Append text or bytes to a stream. */
  write(stream: StdioStream, data: string | Uint8Array): Promise<void>;
}

/** One value per output stream. */
export interface PerStream<T> {
  /** For standard output. */
  readonly stdout: T;
  /** For standard error. */
  readonly stderr: T;
}

/** The host side of stdio: read what the guest wrote. */
export interface StdioHost {
  /** Everything kept so far, decoded as UTF-8. */
  read(): PerStream<string>;
  /** Everything kept so far, as bytes. */
  readBytes(): PerStream<Uint8Array>;
  /** Whether each stream hit its limit. */
  truncated(): PerStream<boolean>;
}

/** What {@link makeStdio} returns: give `cap` to the cell, keep `host`. */
export interface StdioPair {
  /** The write-only side, for the cell. */
  readonly cap: StdioCap;
  /** The reading side, for the host only. */
  readonly host: StdioHost;
}

/** Options of {@link makeStdio}. */
export interface StdioOptions {
  /** Bytes kept per stream (default 1 MiB). */
  limitBytes?: number;
  /** Host streams that also receive what is kept (for example `process.stdout`). */
  connect?: Partial<PerStream<Writable>>;
  /** Pass control characters to connected streams unchanged (default false). */
  rawConnect?: boolean;
  /** Close writes when this scope closes. */
  scope?: ResourceScope;
}

/**
 * The default per-stream limit of {@link makeStdio} (1 MiB).
 *
 * @example
 * ```ts
 * makeStdio({ limitBytes: 4 * DEFAULT_STDIO_LIMIT_BYTES });
 * ```
 */
export const DEFAULT_STDIO_LIMIT_BYTES = 1024 * 1024;

/**
 * The marker appended once when a stream passes its limit.
 *
 * @example
 * ```ts
 * host.read().stdout.endsWith(truncationMarker(1024)); // the cell wrote more than 1 KiB
 * ```
 */
export const truncationMarker = (limit: number): string =>
  `\n[output truncated after ${limit} bytes]\n`;

/**
 * Is `value` a genuine Uint8Array (by internal slot, not by properties)?
 *
 * @example
 * ```ts
 * isUint8Array(new Uint8Array(1));                          // true
 * isUint8Array({ [Symbol.toStringTag]: "Uint8Array" });     // false
 * ```
 */
export const isUint8Array = (value: unknown): value is Uint8Array =>
  ArrayBuffer.isView(value) && apply(typedArrayTag, value, []) === "Uint8Array";

/**
 * One bounded stream: a single buffer that grows by doubling up to the limit
 * plus the marker (invariant 1), so many small writes cost no per-write
 * memory.
 */
const QUESTION = 0x3f;

/**
 * A copy of `bytes` safe for a terminal: C0 controls except tab, newline and
 * carriage return, DEL, and UTF-8-encoded C1 controls (0xC2 0x80-0x9F)
 * become `?`.
 *
 * @example
 * ```ts
 * new TextDecoder().decode(terminalSafe(new TextEncoder().encode("\x1b]52;c;...\x07ok\n"))); // "?]52;c;...?ok\n"
 * ```
 */
export function terminalSafe(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes);
  for (let i = 0; i < out.length; i += 1) {
    const b = out[i]!;
    if ((b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) || b === 0x7f) out[i] = QUESTION;
    else if (b === 0xc2 && i + 1 < out.length && out[i + 1]! >= 0x80 && out[i + 1]! <= 0x9f) {
      out[i] = QUESTION;
      out[i + 1] = QUESTION;
      i += 1;
    }
  }
  return out;
}

const makeSink = (limit: number, out: Writable | undefined, raw: boolean) => {
  const ceiling = limit + encoder.encode(truncationMarker(limit)).length;
  let buf = new Uint8Array(Math.min(limit, 4096));
  let size = 0;
  let truncated = false;
  const append = (bytes: Uint8Array) => {
    if (bytes.length === 0) return;
    if (size + bytes.length > buf.length) {
      let cap = Math.max(buf.length, 1);
      while (cap < size + bytes.length) cap *= 2;
      cap = Math.max(size + bytes.length, Math.min(cap, ceiling));
      const grown = new Uint8Array(cap);
      grown.set(buf.subarray(0, size));
      buf = grown;
    }
    buf.set(bytes, size);
    size += bytes.length;
    out?.write(raw ? bytes : terminalSafe(bytes));
  };
  return {
    /** Bytes that still fit before the limit. */
    room: () => (truncated ? 0 : limit - size),
    write(bytes: Uint8Array) {
      if (truncated) return;
      const room = limit - size;
      if (bytes.length <= room) {
        append(bytes);
        return;
      }
      append(bytes.subarray(0, room));
      append(encoder.encode(truncationMarker(limit)));
      truncated = true;
    },
    bytes: (): Uint8Array => buf.slice(0, size),
    get truncated() {
      return truncated;
    },
  };
};

/**
 * Copy at most `max` bytes of a genuine Uint8Array, reading its extent
 * through captured getters (no species lookup, no guest getter).
 */
const copyPrefix = (data: Uint8Array, max: number): Uint8Array => {
  const length = Math.min(apply(typedArrayByteLength, data, []) as number, max);
  const view = new Uint8Array(
    apply(typedArrayBuffer, data, []) as ArrayBuffer,
    apply(typedArrayByteOffset, data, []) as number,
    length,
  );
  const copy = new Uint8Array(length);
  copy.set(view);
  return copy;
};

/**
 * Make a pair: a write-only stdio capability for a cell and the host's reader.
 * Give the cell only `cap`.
 *
 * @example
 * ```ts
 * const { cap, host } = makeStdio({ limitBytes: 64 * 1024 });
 * await cap.write("stdout", "hello\n");
 * host.read().stdout; // "hello\n"
 * ```
 */
export function makeStdio(options: StdioOptions = {}): StdioPair {
  const limit = options.limitBytes ?? DEFAULT_STDIO_LIMIT_BYTES;
  if (!(Number.isSafeInteger(limit) && limit >= 0)) {
    throw new CellError("ATTENUATE_INVALID_OPTION", "limitBytes must be a non-negative integer.");
  }
  const { scope } = options;
  const sinks = {
    stdout: makeSink(limit, options.connect?.stdout, options.rawConnect === true),
    stderr: makeSink(limit, options.connect?.stderr, options.rawConnect === true),
  };

  const cap: StdioCap = {
    async write(stream: StdioStream, data: string | Uint8Array): Promise<void> {
      scope?.assertOpen();
      if (stream !== "stdout" && stream !== "stderr") {
        throw new CellError("STDIO_INVALID_STREAM", 'Write to "stdout" or "stderr".');
      }
      const sink = sinks[stream];
      // Only what can still be kept is copied or encoded (plus one unit, to
      // detect overflow): a huge write costs no more than the room left.
      const room = sink.room();
      let bytes: Uint8Array;
      if (typeof data === "string")
        bytes = encoder.encode(data.length > room ? data.slice(0, room + 1) : data);
      else if (isUint8Array(data)) bytes = copyPrefix(data, room + 1);
      else
        throw new CellError(
          "STDIO_INVALID_DATA",
          `Write a string or a Uint8Array, not ${typeof data}.`,
        );
      sink.write(bytes);
    },
  };
  const host: StdioHost = {
    read: () =>
      harden({
        stdout: decoder.decode(sinks.stdout.bytes()),
        stderr: decoder.decode(sinks.stderr.bytes()),
      }),
    readBytes: () => harden({ stdout: sinks.stdout.bytes(), stderr: sinks.stderr.bytes() }),
    truncated: () => harden({ stdout: sinks.stdout.truncated, stderr: sinks.stderr.truncated }),
  };
  return harden({ cap, host });
}
