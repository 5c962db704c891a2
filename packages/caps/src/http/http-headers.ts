/**
 * Request and response headers for the HTTP capability.
 *
 * Invariants:
 * 1. Cell headers are snapshotted once into plain strings: names must be
 *    HTTP tokens, values strings without CR, LF or NUL; nothing is coerced
 *    (closes header injection / request splitting and hostile toString).
 * 2. A cell cannot set `Host`, hop-by-hop headers (`Connection`,
 *    `Keep-Alive`, `Transfer-Encoding`, `TE`, `Trailer`, `Upgrade`,
 *    `Proxy-*`), `Content-Length` or `Expect`: the capability owns framing
 *    and routing (closes request smuggling and virtual-host confusion).
 * 3. Host-configured headers are added last and win over the cell's.
 * 4. The number and total size of cell headers are bounded.
 *
 * It does not add any header the host did not configure (no cookies, no
 * credentials, no proxy headers, no User-Agent).
 */
import { CellError } from "@padded-cell/membrane";
import { quoteForMessage } from "../net/address-canonical.js";

const ObjectKeys = Object.keys;
const ObjectCreate = Object.create;
const ArrayIsArray = Array.isArray;
const ReflectApply = Reflect.apply;
const RegExpTest = RegExp.prototype.test;
const TOKEN = /^[!#$%&'*+.^_`|~0-9a-z-]+$/i;
const BAD_VALUE = /[\r\n\0]/;
const test = (re: RegExp, s: string): boolean => ReflectApply(RegExpTest, re, [s]) as boolean;
const MAX_HEADERS = 100;
const MAX_HEADER_BYTES = 64 * 1024;

const FORBIDDEN = new Set([
  "host",
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authorization",
  "proxy-authenticate",
  "transfer-encoding",
  "te",
  "trailer",
  "upgrade",
  "content-length",
  "expect",
  "http2-settings",
]);

/** Header names that must not follow a redirect to another origin. */
export const CREDENTIAL_HEADERS: ReadonlySet<string> = new Set([
  "authorization",
  "cookie",
  "proxy-authorization",
]);

function badHeader(why: string): never {
  throw new CellError("HTTP_BAD_REQUEST", why);
}

/**
 * Snapshot cell-supplied headers (a plain record or an array of
 * `[name, value]` pairs) into lower-case name → value pairs.
 *
 * @example
 * ```ts
 * readCellHeaders({ Accept: "application/json" }); // [["accept", "application/json"]]
 * ```
 */
export function readCellHeaders(headers: unknown): readonly (readonly [string, string])[] {
  if (headers === undefined || headers === null) return harden([]);
  if (typeof headers !== "object")
    badHeader("headers must be a record or an array of [name, value] pairs.");
  const pairs: [unknown, unknown][] = [];
  if (ArrayIsArray(headers)) {
    const list = headers as unknown[];
    if (list.length > MAX_HEADERS) badHeader(`at most ${MAX_HEADERS} headers are allowed.`);
    for (let i = 0; i < list.length; i += 1) {
      const pair = list[i];
      if (!ArrayIsArray(pair) || pair.length !== 2)
        badHeader("header pairs must be [name, value] arrays.");
      pairs.push([(pair as unknown[])[0], (pair as unknown[])[1]]);
    }
  } else {
    const keys = ObjectKeys(headers as object);
    if (keys.length > MAX_HEADERS) badHeader(`at most ${MAX_HEADERS} headers are allowed.`);
    for (const k of keys) pairs.push([k, (headers as Record<string, unknown>)[k]]);
  }
  let total = 0;
  const out: (readonly [string, string])[] = [];
  for (const [name, value] of pairs) {
    if (typeof name !== "string" || !test(TOKEN, name)) {
      badHeader(
        `header name ${typeof name === "string" ? JSON.stringify(quoteForMessage(name)) : typeof name} is not valid.`,
      );
    }
    if (typeof value !== "string" || test(BAD_VALUE, value)) {
      badHeader(`the value of header ${name} must be a string without CR, LF or NUL.`);
    }
    total += name.length + value.length;
    if (total > MAX_HEADER_BYTES) badHeader(`headers may total at most ${MAX_HEADER_BYTES} bytes.`);
    const lower = name.toLowerCase();
    if (FORBIDDEN.has(lower)) {
      badHeader(
        `a cell may not set the ${name} header; the capability sets framing and routing headers itself.`,
      );
    }
    out.push(harden([lower, value] as const));
  }
  return harden(out);
}

/**
 * Merge cell headers with host-configured headers (host wins) into the
 * record given to `node:http`. Repeated cell headers are joined with `, `.
 *
 * @example
 * ```ts
 * mergeHeaders([["accept", "text/plain"]], { authorization: "Bearer host-token" });
 * ```
 */
export function mergeHeaders(
  cell: readonly (readonly [string, string])[],
  host: Readonly<Record<string, string>>,
): Record<string, string> {
  // A null-prototype record, so a header named __proto__ is just a header.
  const out = ObjectCreate(null) as Record<string, string>;
  for (const [name, value] of cell)
    out[name] = out[name] === undefined ? value : `${out[name]}, ${value}`;
  for (const name of ObjectKeys(host)) out[name.toLowerCase()] = host[name] as string;
  return out;
}

/**
 * Copy response headers from `node:http` into a hardened plain record with
 * lower-case names; repeated headers are joined with `, `.
 *
 * @example
 * ```ts
 * responseHeaders(res.headers); // { "content-type": "application/json" }
 * ```
 */
export function responseHeaders(
  raw: Readonly<Record<string, string | string[] | undefined>>,
): Readonly<Record<string, string>> {
  const out = ObjectCreate(null) as Record<string, string>;
  for (const name of ObjectKeys(raw)) {
    const v = raw[name];
    if (v === undefined) continue;
    out[name] = typeof v === "string" ? v : v.join(", ");
  }
  return harden(out);
}
