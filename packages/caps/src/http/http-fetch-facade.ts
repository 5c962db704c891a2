/**
 * A WHATWG-`fetch`-shaped function over an HTTP capability, so unmodified
 * code that calls `fetch(url, init)` and reads `res.ok`, `res.headers.get()`,
 * `await res.json()` works inside a cell (same names, narrower powers).
 *
 * Invariants:
 * 1. It has no authority of its own: every request goes through the HTTP
 *    capability it wraps, with that capability's checks.
 * 2. Cell inputs are snapshotted into strings and plain records before the
 *    capability sees them; only string-valued `url`/`href` fields are read
 *    from request- and URL-like objects, and nothing is coerced with
 *    `toString`.
 * 3. Everything it returns is hardened.
 *
 * It does not implement `Request`/`Response` constructors, `clone()`,
 * `ReadableStream` bodies or CORS; errors are `CellError`s (with codes), not
 * `TypeError`s.
 */
import { CellError } from "@padded-cell/membrane";
import type { HttpCap, HttpRequestInit } from "./http-cap.js";
import type { ResponseCap } from "./http-response-cap.js";

const ObjectKeys = Object.keys;
const ArrayIsArray = Array.isArray;
const MAX_HEADERS = 100;

/** The `headers` object of a {@link FetchResponse}. */
export interface FetchHeaders extends Iterable<[string, string]> {
  /** The value of a header (case-insensitive), or null. */
  get(name: string): string | null;
  /** Whether a header is present (case-insensitive). */
  has(name: string): boolean;
  /** Call `fn(value, name)` for each header. */
  forEach(fn: (value: string, name: string) => void): void;
  /** `[name, value]` pairs. */
  entries(): IterableIterator<[string, string]>;
  /** Header names. */
  keys(): IterableIterator<string>;
  /** Header values. */
  values(): IterableIterator<string>;
}

/** A `Response`-like object. */
export interface FetchResponse {
  /** Whether the status is 200-299. */
  readonly ok: boolean;
  /** HTTP status code. */
  readonly status: number;
  /** Reason phrase. */
  readonly statusText: string;
  /** Final URL, after redirects. */
  readonly url: string;
  /** Whether a redirect was followed. */
  readonly redirected: boolean;
  /** Always `basic`. */
  readonly type: "basic";
  /** Response headers. */
  readonly headers: FetchHeaders;
  /** Whether the body was read. */
  readonly bodyUsed: boolean;
  /** The body as an async iterable of byte chunks. */
  readonly body: AsyncIterable<Uint8Array>;
  /** The body as UTF-8 text. */
  text(): Promise<string>;
  /** The body parsed as JSON. */
  json(): Promise<unknown>;
  /** The body as bytes. */
  bytes(): Promise<Uint8Array>;
  /** The body as an ArrayBuffer. */
  arrayBuffer(): Promise<ArrayBuffer>;
}

/** A `fetch`-shaped function. */
export type FetchFunction = (input: unknown, init?: unknown) => Promise<FetchResponse>;

function stringField(obj: object, key: string): string | undefined {
  const v = (obj as Record<string, unknown>)[key];
  return typeof v === "string" ? v : undefined;
}

/** Turn record / pairs / Headers-like into pairs of strings (invariant 2). */
function snapshotHeaders(headers: unknown): unknown {
  if (
    headers === undefined ||
    headers === null ||
    typeof headers !== "object" ||
    ArrayIsArray(headers)
  ) {
    return headers;
  }
  const entries = (headers as { entries?: unknown }).entries;
  if (typeof entries !== "function") return headers;
  const pairs: [unknown, unknown][] = [];
  const it = (entries as () => Iterator<unknown>).call(headers);
  for (let step = it.next(); step.done !== true; step = it.next()) {
    if (pairs.length >= MAX_HEADERS)
      throw new CellError("HTTP_BAD_REQUEST", `at most ${MAX_HEADERS} headers are allowed.`);
    const pair = step.value;
    if (!ArrayIsArray(pair))
      throw new CellError("HTTP_BAD_REQUEST", "headers entries must be [name, value] pairs.");
    pairs.push([pair[0], pair[1]]);
  }
  return pairs;
}

function makeHeaders(record: Readonly<Record<string, string>>): FetchHeaders {
  const names = ObjectKeys(record).sort();
  const lookup = (name: unknown): string | undefined =>
    typeof name === "string" && names.includes(name.toLowerCase())
      ? record[name.toLowerCase()]
      : undefined;
  const pairs = (): IterableIterator<[string, string]> =>
    harden(names.map((n) => harden([n, record[n] as string] as [string, string])))[
      Symbol.iterator
    ]();
  return harden({
    get: (name: string) => lookup(name) ?? null,
    has: (name: string) => lookup(name) !== undefined,
    forEach(fn: (value: string, name: string) => void) {
      for (const n of names) fn(record[n] as string, n);
    },
    entries: pairs,
    keys: () => harden([...names])[Symbol.iterator](),
    values: () => harden(names.map((n) => record[n] as string))[Symbol.iterator](),
    [Symbol.iterator]: pairs,
  });
}

function wrapResponse(res: ResponseCap): FetchResponse {
  let used = false;
  const mark = <T>(p: () => Promise<T>) => {
    used = true;
    return p();
  };
  return harden({
    ok: res.ok,
    status: res.status,
    statusText: res.statusText,
    url: res.url,
    redirected: res.redirected,
    type: "basic" as const,
    headers: makeHeaders(res.headers),
    get bodyUsed() {
      return used;
    },
    body: harden({
      [Symbol.asyncIterator]() {
        used = true;
        return res.body[Symbol.asyncIterator]();
      },
    }),
    text: () => mark(() => res.text()),
    json: () => mark(() => res.json()),
    bytes: () => mark(() => res.bytes()),
    arrayBuffer: () =>
      mark(async () => {
        const b = await res.bytes();
        return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
      }),
  });
}

/**
 * Make a `fetch` function over an HTTP capability.
 *
 * @example
 * ```ts
 * const fetch = makeFetchFacade(makeHttpCap({ allow: ["https://api.example.com/v1/"] }));
 * const res = await fetch(new URL("https://api.example.com/v1/items"), { headers: { accept: "application/json" } });
 * if (res.ok) console.log(res.headers.get("Content-Type"), await res.json());
 * ```
 */
export function makeFetchFacade(http: HttpCap): FetchFunction {
  const fetch = async (input: unknown, init?: unknown): Promise<FetchResponse> => {
    let url: unknown = input;
    let method: unknown;
    let headers: unknown;
    if (typeof input === "object" && input !== null) {
      // A Request-like ({ url, method, headers }) or URL-like ({ href }) object.
      url = stringField(input, "url") ?? stringField(input, "href");
      if (url === undefined)
        throw new CellError(
          "HTTP_BAD_REQUEST",
          "fetch input must be a URL string, a URL or a Request-like object.",
        );
      if (stringField(input, "url") !== undefined) {
        method = stringField(input, "method");
        headers = (input as { headers?: unknown }).headers;
      }
    }
    const out: Record<string, unknown> = {};
    if (init !== undefined && init !== null) {
      if (typeof init !== "object")
        throw new CellError("HTTP_BAD_REQUEST", "init must be an object.");
      const i = init as Record<string, unknown>;
      const initMethod = i.method;
      const initHeaders = i.headers;
      const body = i.body;
      const redirect = i.redirect;
      if (initMethod !== undefined) method = initMethod;
      if (initHeaders !== undefined) headers = initHeaders;
      if (body !== undefined) out.body = body;
      if (redirect !== undefined) out.redirect = redirect;
    }
    if (method !== undefined) out.method = method;
    if (headers !== undefined) out.headers = snapshotHeaders(headers);
    return wrapResponse(await http.fetch(url as string, out as HttpRequestInit));
  };
  return harden(fetch);
}
