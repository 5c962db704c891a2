/**
 * Message framing for the process wall: one JSON value per line on a pipe.
 *
 * Node's own IPC channel (`fork` with serialization "json" or "advanced")
 * throws an uncaught exception in the PARENT when the child writes a corrupt
 * frame, so a subverted child could crash the host. The process wall therefore
 * speaks over a plain pipe with this framing instead.
 *
 * Invariants:
 * 1. A corrupt, partial or oversized frame never throws out of the reader: it
 *    is reported once through `onError`, and the reader stops.
 * 2. The reader never buffers more than `maxFrameBytes` for one frame (class:
 *    a peer that sends a line without end to exhaust host memory).
 *
 * It does not validate what a frame means; the supervisor does.
 */
import { hardenExport } from "@padded-cell/membrane";

/** A frame reader: feed it chunks as they arrive. */
export interface FrameReader {
  readonly push: (chunk: Buffer) => void;
}

/**
 * Makes a reader that splits newline-delimited JSON frames.
 *
 * @example
 * ```ts
 * const reader = makeFrameReader(1 << 20, (msg) => handle(msg), (why) => fail(why));
 * stream.on("data", reader.push);
 * ```
 */
export const makeFrameReader = (
  maxFrameBytes: number,
  onFrame: (value: unknown) => void,
  onError: (why: string) => void,
): FrameReader => {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let failed = false;
  const fail = (why: string) => {
    failed = true;
    pending = [];
    onError(why);
  };
  const push = (chunk: Buffer) => {
    let start = 0;
    while (!failed) {
      const nl = chunk.indexOf(10, start);
      if (nl === -1) {
        const rest = chunk.subarray(start);
        pendingBytes += rest.length;
        if (pendingBytes > maxFrameBytes) return fail("frame too large");
        if (rest.length > 0) pending.push(rest);
        return;
      }
      const piece = chunk.subarray(start, nl);
      start = nl + 1;
      if (pendingBytes + piece.length > maxFrameBytes) return fail("frame too large");
      const line = pending.length === 0 ? piece : Buffer.concat([...pending, piece]);
      pending = [];
      pendingBytes = 0;
      let value: unknown;
      try {
        value = JSON.parse(line.toString("utf8"));
      } catch {
        return fail("corrupt frame");
      }
      onFrame(value);
    }
  };
  return harden({ push });
};
hardenExport(makeFrameReader);

/** Attached buffers (see wall-codec.ts) as base64 text: a pipe carries text. */
const bytesForPipe = (b: readonly ArrayBuffer[]): string[] =>
  b.map((buffer) => Buffer.from(buffer).toString("base64"));

/**
 * Encodes one frame. `JSON.stringify` escapes newlines inside strings, so a
 * frame is exactly one line. Buffers attached to a message (its `b` list,
 * see wall-codec.ts) travel as base64 text.
 *
 * @example
 * ```ts
 * stream.write(encodeFrame({ pc: "ready" }));
 * ```
 */
export const encodeFrame = (value: unknown): string => {
  const b = (value as { b?: unknown } | null)?.b;
  if (Array.isArray(b) && b.every((x) => x instanceof ArrayBuffer)) {
    return `${JSON.stringify({ ...(value as object), b: bytesForPipe(b as ArrayBuffer[]) })}\n`;
  }
  return `${JSON.stringify(value)}\n`;
};
hardenExport(encodeFrame);
