/**
 * The socket capability: a connected TCP stream handed to a cell, whether it
 * was opened by `makeTcpCap` or accepted by `makeListenCap`.
 *
 * Invariants:
 * 1. The cell never receives the `net.Socket`: only a hardened record of
 *    methods, and bytes as fresh `Uint8Array` copies (never a pooled
 *    `Buffer`, whose backing store may hold other data).
 * 2. Bytes written by the cell are brand-checked with captured intrinsics and
 *    copied before use, so a Proxy, a fake typed array or a later mutation
 *    cannot change what is sent after the check (closes TOCTOU on write data).
 * 3. Every byte read or written counts against the shared byte budget; the
 *    operation that crosses it fails with `NET_LIMIT` and the socket is
 *    destroyed.
 * 4. Every operation first checks the scope is open; the socket is registered
 *    with the scope and destroyed when the scope closes. A write is an
 *    operation of the scope (closes "revocation leaves work in flight" for
 *    sockets): the scope's `close` waits for it; bytes the operating system
 *    accepted before the socket was destroyed report success, bytes the
 *    destruction discarded report `REVOKED`, and nothing is sent afterwards.
 * 5. Errors reaching the cell are `CellError`s with generic text: no host
 *    error object, errno detail or address crosses.
 *
 * It does not decide who may connect (see `net-tcp-cap.ts`).
 */
import type { Socket } from "node:net";
import { CellError } from "@padded-cell/membrane";
import type { ResourceScope } from "../resource-scope.js";

const ReflectApply = Reflect.apply;
const TypedArrayProto = Reflect.getPrototypeOf(Uint8Array.prototype) as object;
const getDesc = (name: string | symbol) =>
  Reflect.getOwnPropertyDescriptor(TypedArrayProto, name)?.get as () => unknown;
const typedArrayTag = getDesc(Symbol.toStringTag);
const typedArrayBuffer = getDesc("buffer");
const typedArrayOffset = getDesc("byteOffset");
const typedArrayLength = getDesc("byteLength");
const Uint8ArrayCtor = Uint8Array;
const ObjectFreeze = Object.freeze;
const encoder = new TextEncoder();
const encode = (s: string): Uint8Array => encoder.encode(s);

/**
 * Copy cell-supplied bytes (a `Uint8Array` or a string, UTF-8 encoded) into
 * a fresh host-owned `Uint8Array`. Returns `undefined` for anything else.
 *
 * @example
 * ```ts
 * copyCellBytes("hi"); // Uint8Array [104, 105]
 * ```
 */
export function copyCellBytes(data: unknown): Uint8Array | undefined {
  if (typeof data === "string") return encode(data);
  if (typeof data !== "object" || data === null) return undefined;
  // Invariant 2: the TypedArray toStringTag getter returns "Uint8Array" only
  // for real Uint8Array instances (a Proxy or look-alike gets undefined).
  if (ReflectApply(typedArrayTag, data, []) !== "Uint8Array") return undefined;
  const buffer = ReflectApply(typedArrayBuffer, data, []) as ArrayBuffer;
  const offset = ReflectApply(typedArrayOffset, data, []) as number;
  const length = ReflectApply(typedArrayLength, data, []) as number;
  return new Uint8ArrayCtor(buffer, offset, length).slice();
}

/** A shared count of bytes a capability may still move. */
export interface ByteBudget {
  /** Count `n` bytes; false if that crosses the limit. */
  take(n: number): boolean;
}

/**
 * Make a byte budget of `max` bytes (Infinity for none).
 *
 * @example
 * ```ts
 * const budget = makeByteBudget(1024);
 * budget.take(1000); // true
 * budget.take(100);  // false
 * ```
 */
export function makeByteBudget(max: number): ByteBudget {
  let used = 0;
  return harden({
    take(n: number) {
      used += n;
      return used <= max;
    },
  });
}

/** Where a socket goes, in the cell's terms. */
export interface SocketPeer {
  /** The host as the cell named it (canonical), or the peer's loopback address for accepted sockets. */
  readonly host: string;
  /** The port. */
  readonly port: number;
}

/** A connected TCP stream, as a cell sees it. */
export interface SocketCap {
  /** The peer, in the cell's terms. */
  readonly remote: SocketPeer;
  /** The incoming bytes, as fresh `Uint8Array` chunks; ends when the peer ends. */
  read(): AsyncIterableIterator<Uint8Array>;
  /** Same as `read()`, so `for await (const chunk of socket)` works. */
  [Symbol.asyncIterator](): AsyncIterableIterator<Uint8Array>;
  /** Send bytes (a string is sent as UTF-8); resolves when handed to the OS. */
  write(data: Uint8Array | string): Promise<void>;
  /** Half-close: no more writes, reads continue until the peer ends. */
  end(): Promise<void>;
  /** Close both directions now. */
  close(): Promise<void>;
}

/** What {@link makeSocketCap} needs. */
export interface SocketCapOptions {
  readonly remote: SocketPeer;
  /** Used in messages, e.g. `db.internal:5432`. */
  readonly label: string;
  readonly budget: ByteBudget;
  readonly maxBytes: number;
  readonly scope?: ResourceScope | undefined;
  /** Called once when the socket has closed (for connection counting). */
  readonly onClose: () => void;
}

/**
 * Wrap a connected host socket as a socket capability (host side only).
 *
 * @example
 * ```ts
 * const cap = makeSocketCap(socket, { remote: { host: "db.internal", port: 5432 }, label: "db.internal:5432",
 *   budget: makeByteBudget(Infinity), maxBytes: Infinity, onClose: () => {} });
 * ```
 */
export function makeSocketCap(socket: Socket, options: SocketCapOptions): SocketCap {
  const { label, budget, scope, maxBytes } = options;
  let failure: CellError | undefined;
  let closed = false;
  const closedPromise = new Promise<void>((resolve) => {
    socket.once("close", () => {
      closed = true;
      unregister();
      options.onClose();
      resolve();
    });
  });
  // Errors surface through read/write; this listener keeps them from crashing the host.
  socket.on("error", () => {});

  const destroy = (): Promise<void> => {
    socket.destroy();
    return closedPromise;
  };
  let unregister = (): void => {};
  if (scope !== undefined) {
    try {
      unregister = scope.add({ close: destroy });
    } catch (e) {
      socket.destroy();
      throw e;
    }
  }

  const limitError = (): CellError => {
    failure = new CellError(
      "NET_LIMIT",
      `${label}: this capability's byte limit (${maxBytes}) was reached; the connection was closed.`,
    );
    socket.destroy();
    return failure;
  };
  /** `REVOKED` if the scope closed, else the failure `other` describes. */
  const revokedOr = (other: () => CellError): unknown => {
    try {
      scope?.assertOpen();
    } catch (revoked) {
      return revoked;
    }
    return other();
  };
  const assertUsable = (): void => {
    scope?.assertOpen();
    if (failure !== undefined) throw failure;
  };

  let inner: AsyncIterator<Buffer> | undefined;
  let queue: Promise<unknown> = Promise.resolve();
  const nextChunk = async (): Promise<IteratorResult<Uint8Array>> => {
    assertUsable();
    inner ??= socket[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    let step: IteratorResult<Buffer>;
    try {
      step = await inner.next();
    } catch {
      throw failure ?? new CellError("NET_IO", `${label}: the connection failed while reading.`);
    }
    if (failure !== undefined) throw failure;
    if (step.done === true) return harden({ done: true, value: undefined });
    if (!budget.take(step.value.length)) throw limitError();
    // Freeze the record, not harden it: hardening walks every index of the
    // fresh copy (O(n) per chunk) and cannot freeze typed array elements anyway.
    return ObjectFreeze({ done: false, value: new Uint8ArrayCtor(step.value) });
  };
  const iterator: AsyncIterableIterator<Uint8Array> = harden({
    next() {
      // Serialise concurrent next() calls so chunks keep their order.
      const result = queue.then(nextChunk, nextChunk);
      queue = result.catch(() => {});
      return result;
    },
    async return() {
      return harden({ done: true as const, value: undefined });
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  });

  return harden({
    remote: harden({ host: options.remote.host, port: options.remote.port }),
    read: () => iterator,
    [Symbol.asyncIterator]: () => iterator,
    async write(data: Uint8Array | string) {
      assertUsable();
      const bytes = copyCellBytes(data);
      if (bytes === undefined) {
        throw new CellError(
          "NET_BAD_ARGUMENT",
          `${label}: write() takes a Uint8Array or a string.`,
        );
      }
      if (closed || socket.destroyed || socket.writableEnded) {
        throw new CellError("NET_CLOSED", `${label}: the connection is closed.`);
      }
      if (!budget.take(bytes.length)) throw limitError();
      const send = () =>
        new Promise<void>((resolve, reject) => {
          socket.write(bytes, (err) => {
            if (err)
              reject(
                failure ??
                  revokedOr(
                    () => new CellError("NET_IO", `${label}: the connection failed while writing.`),
                  ),
              );
            else resolve();
          });
        });
      await (scope === undefined ? send() : scope.run(send));
    },
    async end() {
      assertUsable();
      if (closed || socket.writableEnded) return;
      await new Promise<void>((resolve) => socket.end(resolve));
    },
    async close() {
      if (closed) return;
      await destroy();
    },
  });
}
