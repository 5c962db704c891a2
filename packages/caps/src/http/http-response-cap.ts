/**
 * The response capability: what a cell gets back from `http.fetch`.
 *
 * Invariants:
 * 1. Status, headers and URL are plain hardened data; the body is reachable
 *    only through methods that copy bytes into fresh `Uint8Array`s.
 * 2. The body is counted as it arrives; crossing `maxResponseBytes` aborts
 *    the response with `HTTP_LIMIT` (a larger `Content-Length` fails before
 *    any byte is read), so a server that streams forever is stopped.
 * 3. The body can be consumed once; a second read fails with `HTTP_BODY_USED`.
 * 4. Every read checks the exchange (time limit, scope) first.
 *
 * It does not decompress, cache or follow anything.
 */
import type { IncomingMessage } from "node:http";
import { CellError } from "@padded-cell/membrane";
import type { Exchange } from "./http-exchange.js";

const Uint8ArrayCtor = Uint8Array;
const JSONParse = JSON.parse;
const decoder = new TextDecoder();

/** A response, as a cell sees it. */
export interface ResponseCap {
  /** HTTP status code. */
  readonly status: number;
  /** Reason phrase sent by the server. */
  readonly statusText: string;
  /** Whether the status is 200-299. */
  readonly ok: boolean;
  /** Response headers, lower-case names, repeated values joined with `, `. */
  readonly headers: Readonly<Record<string, string>>;
  /** The final URL (after redirects). */
  readonly url: string;
  /** Whether any redirect was followed. */
  readonly redirected: boolean;
  /** The body as UTF-8 text. */
  text(): Promise<string>;
  /** The body parsed as JSON (hardened). */
  json(): Promise<unknown>;
  /** The body as bytes. */
  bytes(): Promise<Uint8Array>;
  /** The body as a stream of chunks: `for await (const chunk of res.body)`. */
  readonly body: AsyncIterable<Uint8Array>;
}

/** What {@link makeResponseCap} needs. */
export interface ResponseCapOptions {
  readonly status: number;
  readonly statusText: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly url: string;
  readonly redirected: boolean;
  /** The body stream, or undefined for a response without a body (HEAD, 204, 304). */
  readonly stream: IncomingMessage | undefined;
  readonly maxResponseBytes: number;
  readonly exchange: Exchange;
  /** Used in messages, e.g. `GET https://api.example.com/v1/x`. */
  readonly label: string;
}

/**
 * Wrap a received response (host side only).
 *
 * @example
 * ```ts
 * const res = makeResponseCap({ status: 200, statusText: "OK", headers, url, redirected: false,
 *   stream: incoming, maxResponseBytes: 1 << 20, exchange, label: "GET https://a.example/" });
 * ```
 */
export function makeResponseCap(options: ResponseCapOptions): ResponseCap {
  const { stream, maxResponseBytes, exchange, label } = options;
  let used = false;
  let received = 0;

  const limitError = (): CellError =>
    exchange.fail(
      new CellError(
        "HTTP_LIMIT",
        `${label}: the response is larger than this capability's limit of ${maxResponseBytes} bytes; it was aborted.`,
      ),
    );

  const claim = (): void => {
    exchange.assertUsable();
    if (used)
      throw new CellError("HTTP_BODY_USED", `${label}: the response body was already read.`);
    used = true;
  };

  async function* chunks(): AsyncGenerator<Uint8Array, void, undefined> {
    if (stream === undefined) {
      exchange.finish();
      return;
    }
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        exchange.assertUsable();
        received += chunk.length;
        if (received > maxResponseBytes) throw limitError();
        yield new Uint8ArrayCtor(chunk);
      }
      // A stream torn down by the time limit or scope may end without an error.
      exchange.assertUsable();
    } catch (e) {
      if (e instanceof CellError) throw e;
      throw (
        exchange.failure ??
        new CellError("HTTP_FAILED", `${label}: the connection failed while reading the body.`)
      );
    } finally {
      stream.destroy();
      exchange.finish();
    }
  }

  const bytes = async (): Promise<Uint8Array> => {
    claim();
    const parts: Uint8Array[] = [];
    let total = 0;
    for await (const c of chunks()) {
      parts.push(c);
      total += c.length;
    }
    const out = new Uint8ArrayCtor(total);
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  };
  const text = async (): Promise<string> => decoder.decode(await bytes());

  const body: AsyncIterable<Uint8Array> = harden({
    [Symbol.asyncIterator]() {
      claim();
      const gen = chunks();
      const iterator: AsyncIterableIterator<Uint8Array> = harden({
        next: () => gen.next(),
        return: async () => {
          await gen.return(undefined);
          return harden({ done: true as const, value: undefined });
        },
        [Symbol.asyncIterator]: () => iterator,
      });
      return iterator;
    },
  });

  return harden({
    status: options.status,
    statusText: options.statusText,
    ok: options.status >= 200 && options.status < 300,
    headers: options.headers,
    url: options.url,
    redirected: options.redirected,
    bytes,
    text,
    async json() {
      const t = await text();
      try {
        return harden(JSONParse(t) as unknown);
      } catch {
        throw new CellError("HTTP_BAD_RESPONSE", `${label}: the response body is not valid JSON.`);
      }
    },
    body,
  });
}
