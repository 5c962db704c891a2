/**
 * URL allow lists for the HTTP capability: parse the host's URL prefixes and
 * match a cell's URL against them on parsed, canonical parts.
 *
 * Invariants:
 * 1. Matching compares scheme, canonical host and effective port exactly, and
 *    the path on a segment boundary (`/v1/` covers `/v1/x`, and `/v1` covers
 *    `/v1` and `/v1/x` but never `/v10`); never `startsWith` on raw text
 *    (closes `https://api.example.com.evil.com/` and `/v1/../admin` tricks).
 * 2. Cell URLs are parsed by the WHATWG URL parser (captured at load), which
 *    resolves dot segments (including `%2e`) and backslashes, so the path
 *    compared is the path sent.
 * 3. Under a prefix narrower than `/`, a path with an encoded `/` or `\`
 *    (`%2f`, `%5c`) never matches, since servers that decode them would see
 *    another path than the one checked.
 * 4. URLs with credentials (`user:pass@`) are refused; only `http:` and
 *    `https:` are accepted.
 *
 * It does not check addresses (see `address-policy.ts`).
 */
import { CellError } from "@padded-cell/membrane";
import {
  type CanonicalHost,
  canonicalizeHost,
  hostPort,
  quoteForMessage,
} from "../net/address-canonical.js";

const URLCtor = URL;
const NumberCtor = Number;
const MAX_URL_LENGTH = 8192;
const ENCODED_SEPARATOR = /%2f|%5c/i;

/** A cell's URL, parsed and canonical. */
export interface CellUrl {
  /** `http:` or `https:`. */
  readonly protocol: "http:" | "https:";
  /** The canonical host. */
  readonly host: CanonicalHost;
  /** The effective port (default port filled in). */
  readonly port: number;
  /** Path, percent-encoded as sent. */
  readonly pathname: string;
  /** Query including `?`, or empty. */
  readonly search: string;
  /** The URL as text, without fragment. */
  readonly href: string;
  /** `scheme://host:port`, canonical. */
  readonly origin: string;
}

function badUrl(input: string, why: string): never {
  throw new CellError(
    "HTTP_BAD_REQUEST",
    `URL ${JSON.stringify(quoteForMessage(input, 120))} is not valid: ${why}.`,
  );
}

/**
 * Parse a URL (a string only, no coercion) into canonical parts. Throws
 * `HTTP_BAD_REQUEST`.
 *
 * @example
 * ```ts
 * parseCellUrl("HTTPS://API.example.com:443/v1/../v2?q=1").href; // "https://api.example.com/v2?q=1"
 * ```
 */
export function parseCellUrl(input: unknown, base?: string): CellUrl {
  if (typeof input !== "string")
    throw new CellError("HTTP_BAD_REQUEST", `The URL must be a string, got ${typeof input}.`);
  if (input.length > MAX_URL_LENGTH) badUrl(input, `longer than ${MAX_URL_LENGTH} characters`);
  let url: URL;
  try {
    url = base === undefined ? new URLCtor(input) : new URLCtor(input, base);
  } catch {
    return badUrl(input, "not an absolute URL");
  }
  const protocol = url.protocol;
  if (protocol !== "http:" && protocol !== "https:")
    badUrl(input, "only http: and https: URLs are supported");
  if (url.username !== "" || url.password !== "")
    badUrl(input, "credentials in URLs are not allowed");
  let host: CanonicalHost;
  try {
    host = canonicalizeHost(url.hostname);
  } catch {
    return badUrl(input, "bad host");
  }
  const port = url.port === "" ? (protocol === "https:" ? 443 : 80) : NumberCtor(url.port);
  const defaultPort =
    (protocol === "https:" && port === 443) || (protocol === "http:" && port === 80);
  const authority = defaultPort
    ? host.host.includes(":")
      ? `[${host.host}]`
      : host.host
    : hostPort(host.host, port);
  const origin = `${protocol}//${authority}`;
  return harden({
    protocol,
    host,
    port,
    pathname: url.pathname,
    search: url.search,
    href: `${origin}${url.pathname}${url.search}`,
    origin,
  });
}

/** One parsed allow prefix. */
export interface UrlPrefix {
  /** The entry as the host wrote it. */
  readonly source: string;
  /** The parsed prefix. */
  readonly url: CellUrl;
}

/**
 * Parse a host-configured URL prefix such as `https://api.example.com/v1/`.
 * Queries and fragments are not allowed in prefixes.
 *
 * @example
 * ```ts
 * parseUrlPrefix("https://api.example.com/v1/").url.origin; // "https://api.example.com"
 * ```
 */
export function parseUrlPrefix(source: unknown): UrlPrefix {
  if (typeof source !== "string")
    throw new CellError("HTTP_BAD_REQUEST", "URL allow entries must be strings.");
  const url = parseCellUrl(source);
  if (url.search !== "" || source.includes("#"))
    badUrl(source, "allow prefixes cannot have a query or fragment");
  return harden({ source, url });
}

/**
 * Whether a cell URL falls under a prefix (invariants 1 and 3).
 *
 * @example
 * ```ts
 * urlMatchesPrefix(parseUrlPrefix("https://a.example/v1"), parseCellUrl("https://a.example/v1/x")); // true
 * urlMatchesPrefix(parseUrlPrefix("https://a.example/v1"), parseCellUrl("https://a.example/v10")); // false
 * ```
 */
export function urlMatchesPrefix(prefix: UrlPrefix, url: CellUrl): boolean {
  const p = prefix.url;
  if (p.protocol !== url.protocol || p.host.host !== url.host.host || p.port !== url.port)
    return false;
  if (p.pathname === "/") return true;
  const pp = p.pathname;
  const under = pp.endsWith("/")
    ? url.pathname.startsWith(pp)
    : url.pathname === pp || url.pathname.startsWith(`${pp}/`);
  return under && !ENCODED_SEPARATOR.test(url.pathname.slice(pp.length));
}
