/**
 * The HTTP capability: `makeHttpCap({ allow: [URL prefixes] })` gives a cell a
 * `fetch(url, init)` limited to those prefixes and methods.
 *
 * Invariants:
 * 1. A URL is allowed only if it falls under an allow prefix, compared on
 *    parsed canonical parts with a path segment boundary (see
 *    `http-url-allow.ts`), and its method is in `methods`.
 * 2. Redirects are followed by hand and every hop is checked again, URL and
 *    address, exactly like the first request; loops and more than
 *    `maxRedirects` hops fail with `HTTP_REDIRECT_DENIED`.
 * 3. The host is resolved once per hop; every answer is checked like a TCP
 *    connection (special addresses need an IP or `localhost` prefix); the
 *    socket connects to the checked address through a `lookup` that returns
 *    only that address, while the Host header and TLS server name stay the
 *    URL's host (closes DNS rebinding and SNI/Host confusion).
 * 4. The request carries only what the cell supplied plus the host-configured
 *    `headers`: no cookies, credentials, proxy settings or environment are
 *    added; the cell cannot set Host or hop-by-hop headers; the cell's
 *    credential headers are dropped on a cross-origin redirect.
 * 5. Response size (`maxResponseBytes`) and total time (`timeoutMs`) are
 *    bounded; the exchange is registered with the scope.
 *
 * It does not cache, store cookies, decompress, or use any proxy or agent pool.
 */
import { request as httpRequest, type IncomingMessage, type ClientRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { rootCertificates } from "node:tls";
import type { LookupAddress } from "node:dns";
import type { LookupFunction } from "node:net";
import { CellError } from "@padded-cell/membrane";
import { hostPort, quoteForMessage } from "../net/address-canonical.js";
import { isAddressEntry, makeNetPolicy, type NetPolicy } from "../net/address-policy.js";
import { type Resolver, resolveChecked, systemResolver } from "../net/address-resolve.js";
import {
  CREDENTIAL_HEADERS,
  mergeHeaders,
  readCellHeaders,
  responseHeaders,
} from "./http-headers.js";
import { type Exchange, startExchange } from "./http-exchange.js";
import { makeResponseCap, type ResponseCap } from "./http-response-cap.js";
import {
  type CellUrl,
  parseCellUrl,
  parseUrlPrefix,
  type UrlPrefix,
  urlMatchesPrefix,
} from "./http-url-allow.js";
import { denialError } from "../net/net-denial.js";
import { copyCellBytes } from "../net/net-socket-cap.js";
import type { ResourceScope } from "../resource-scope.js";

type LookupCallback = (
  err: Error | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

const TOKEN = /^[!#$%&'*+.^_`|~0-9a-z-]+$/i;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** Options of {@link makeHttpCap}. */
export interface HttpCapOptions {
  /** URL prefixes, e.g. `https://api.example.com/v1/`. */
  readonly allow: readonly string[];
  /**
   * Address entries (IP, CIDR or `localhost`, as for TCP, e.g. `10.0.0.0/8:443`)
   * that names under the allowed prefixes may resolve to. Without one, a name
   * prefix only reaches public addresses.
   */
  readonly allowAddresses?: readonly string[] | undefined;
  /** Network deny entries (as for TCP), checked on every hop; deny wins. */
  readonly deny?: readonly string[] | undefined;
  /** Allowed methods (default `["GET", "HEAD"]`). */
  readonly methods?: readonly string[] | undefined;
  /** Largest response body in bytes (default 10 MiB). */
  readonly maxResponseBytes?: number | undefined;
  /** Total time for the whole exchange in ms (default 30000). */
  readonly timeoutMs?: number | undefined;
  /** Headers the host adds to every request (they win over the cell's). */
  readonly headers?: Readonly<Record<string, string>> | undefined;
  /** Redirects to follow (default 5). */
  readonly maxRedirects?: number | undefined;
  /**
   * Extra CA certificates (PEM) trusted for HTTPS, in addition to Node's
   * defaults, e.g. an internal CA. Certificates are always verified.
   */
  readonly ca?: string | readonly string[] | undefined;
  /** Scope that owns in-flight exchanges. */
  readonly scope?: ResourceScope | undefined;
  /** Name resolver (default: the system resolver). */
  readonly resolve?: Resolver | undefined;
}

/** What a cell may pass as `init`. */
export interface HttpRequestInit {
  /** Method (default `GET`). */
  readonly method?: string;
  /** Headers: a record or `[name, value]` pairs. */
  readonly headers?: Readonly<Record<string, string>> | readonly (readonly [string, string])[];
  /** Body: a string (UTF-8) or bytes. */
  readonly body?: string | Uint8Array | null;
  /** `follow` (default), `manual` (return the 3xx response) or `error`. */
  readonly redirect?: "follow" | "manual" | "error";
}

/** The HTTP capability a cell holds. */
export interface HttpCap {
  /** Send a request, `fetch`-style. */
  fetch(url: string, init?: HttpRequestInit): Promise<ResponseCap>;
}

interface Request {
  readonly url: CellUrl;
  readonly method: string;
  readonly headers: Record<string, string>;
  readonly body: Uint8Array | undefined;
}

function readInit(init: unknown): {
  method: unknown;
  headers: unknown;
  body: unknown;
  redirect: unknown;
} {
  if (init === undefined || init === null)
    return { method: undefined, headers: undefined, body: undefined, redirect: undefined };
  if (typeof init !== "object") throw new CellError("HTTP_BAD_REQUEST", "init must be an object.");
  // Snapshot each field once, so a getter cannot answer differently later.
  const i = init as Record<string, unknown>;
  return { method: i.method, headers: i.headers, body: i.body, redirect: i.redirect };
}

/**
 * Make an HTTP capability limited to the given URL prefixes.
 *
 * @example
 * ```ts
 * const http = makeHttpCap({ allow: ["https://api.example.com/v1/"], methods: ["GET"], maxResponseBytes: 1 << 20 });
 * const res = await http.fetch("https://api.example.com/v1/items?page=2");
 * const items = await res.json();
 * ```
 */
export function makeHttpCap(options: HttpCapOptions): HttpCap {
  const prefixes: readonly UrlPrefix[] = harden([...options.allow].map(parseUrlPrefix));
  // Each prefix grants exactly its own host:port at the address level, so an IP
  // or localhost prefix grants that special address and a name prefix grants
  // public addresses only (address-policy invariant 2).
  const allowAddresses = [...(options.allowAddresses ?? [])];
  for (const entry of allowAddresses) {
    // Only address-level entries: a name or wildcard here would widen the URL allow list.
    if (!isAddressEntry(entry)) {
      throw new CellError(
        "NET_BAD_ADDRESS",
        "allowAddresses takes IP, CIDR or localhost entries only.",
      );
    }
  }
  const policies = new Map<UrlPrefix, NetPolicy>();
  for (const p of prefixes) {
    const own = hostPort(p.url.host.host, p.url.port);
    policies.set(p, makeNetPolicy({ allow: [own, ...allowAddresses], deny: options.deny }));
  }
  const methods = new Set((options.methods ?? ["GET", "HEAD"]).map((m) => m.toUpperCase()));
  const maxResponseBytes = options.maxResponseBytes ?? 10 * 1024 * 1024;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const maxRedirects = options.maxRedirects ?? 5;
  const hostHeaders: Readonly<Record<string, string>> = harden({ ...(options.headers ?? {}) });
  const { scope } = options;
  const resolve = options.resolve ?? systemResolver;
  const ca = options.ca === undefined ? undefined : [...rootCertificates, ...[options.ca].flat()];

  const suggestion = (url: CellUrl): string => `${url.origin}${url.pathname}`;

  /** Check a URL against the prefixes and its address against that prefix's policy. */
  const checkHop = async (
    url: CellUrl,
    method: string,
    code: string,
    action: string,
  ): Promise<string> => {
    if (!methods.has(method)) {
      throw new CellError(
        "HTTP_DENIED",
        `${action} denied: method ${method} is not allowed by this capability; the host can grant it with methods: ['${method}'].`,
      );
    }
    const prefix = prefixes.find((p) => urlMatchesPrefix(p, url));
    if (prefix === undefined) {
      throw new CellError(
        code,
        `${action} denied: not under any URL prefix of this capability's allow list; grant --allow-http=${suggestion(url)} (or allow: ['${suggestion(url)}']) to allow it.`,
      );
    }
    const outcome = await resolveChecked(
      policies.get(prefix) as NetPolicy,
      url.host,
      url.port,
      resolve,
    );
    if (outcome.ok) return outcome.addresses[0] as string;
    if (outcome.refusal === undefined) {
      throw new CellError("HTTP_FAILED", `${action} failed: ${url.host.host} did not resolve.`);
    }
    throw denialError(
      code,
      action,
      url.host.host,
      url.host.kind === "name",
      outcome.refusal,
      suggestion(url),
      "--allow-http",
    );
  };

  const send = (
    req: Request,
    ip: string,
    exchange: Exchange,
    action: string,
  ): Promise<IncomingMessage> =>
    new Promise((resolvePromise, reject) => {
      const family = ip.includes(":") ? 6 : 4;
      // Invariant 3: whatever name node:http asks about, answer the checked address.
      const lookup = ((_hostname: string, opts: { all?: boolean }, cb: LookupCallback): void => {
        if (opts.all === true) cb(null, [{ address: ip, family }]);
        else cb(null, ip, family);
      }) as unknown as LookupFunction;
      const isName = req.url.host.kind === "name";
      const headers: Record<string, string> = {
        ...req.headers,
        host: req.url.origin.slice(req.url.protocol.length + 2),
      };
      if (req.body !== undefined) headers["content-length"] = String(req.body.length);
      const common = {
        host: isName ? req.url.host.host : ip,
        port: req.url.port,
        path: `${req.url.pathname}${req.url.search}`,
        method: req.method,
        headers,
        setHost: false,
        agent: false as const,
        family,
        ...(isName ? { lookup } : {}),
      };
      const cr: ClientRequest =
        req.url.protocol === "https:"
          ? httpsRequest({
              ...common,
              ...(isName ? { servername: req.url.host.host } : {}),
              ...(ca === undefined ? {} : { ca }),
              rejectUnauthorized: true,
            })
          : httpRequest(common);
      exchange.track(cr);
      cr.once("response", (res) => {
        exchange.track(res);
        resolvePromise(res);
      });
      cr.once("error", () => {
        reject(
          exchange.failure ??
            new CellError("HTTP_FAILED", `${action} failed: the server could not be reached.`),
        );
      });
      cr.end(req.body);
    });

  const doFetch = async (rawUrl: unknown, init?: unknown): Promise<ResponseCap> => {
    scope?.assertOpen();
    const i = readInit(init);
    let url = parseCellUrl(rawUrl);
    if (i.method !== undefined && (typeof i.method !== "string" || !TOKEN.test(i.method))) {
      throw new CellError("HTTP_BAD_REQUEST", "method must be an HTTP token string such as 'GET'.");
    }
    let method = i.method === undefined ? "GET" : i.method.toUpperCase();
    const redirectMode = i.redirect ?? "follow";
    if (redirectMode !== "follow" && redirectMode !== "manual" && redirectMode !== "error") {
      throw new CellError("HTTP_BAD_REQUEST", "redirect must be 'follow', 'manual' or 'error'.");
    }
    const cellHeaders = readCellHeaders(i.headers);
    let body: Uint8Array | undefined;
    if (i.body !== undefined && i.body !== null) {
      body = copyCellBytes(i.body);
      if (body === undefined)
        throw new CellError("HTTP_BAD_REQUEST", "body must be a string or a Uint8Array.");
      if (method === "GET" || method === "HEAD")
        throw new CellError("HTTP_BAD_REQUEST", `a ${method} request cannot have a body.`);
    }
    let headers = cellHeaders;
    const firstAction = `${method} ${quoteForMessage(url.href, 200)}`;
    const exchange = startExchange(firstAction, timeoutMs, scope);
    try {
      const visited = new Set<string>();
      for (let hop = 0; ; hop += 1) {
        const action = `${method} ${quoteForMessage(url.href, 200)}`;
        const code = hop === 0 ? "HTTP_DENIED" : "HTTP_REDIRECT_DENIED";
        const ip = await exchange.race(
          checkHop(url, method, code, hop === 0 ? action : `redirect to ${action}`),
        );
        exchange.assertUsable();
        visited.add(`${method} ${url.href}`);
        const res = await send(
          { url, method, headers: mergeHeaders(headers, hostHeaders), body },
          ip,
          exchange,
          action,
        );
        const location = res.headers.location;
        if (
          REDIRECTS.has(res.statusCode ?? 0) &&
          typeof location === "string" &&
          redirectMode !== "manual"
        ) {
          res.destroy();
          if (redirectMode === "error") {
            throw new CellError(
              "HTTP_REDIRECT_DENIED",
              `${action} was redirected, and redirect: 'error' was asked for.`,
            );
          }
          if (hop >= maxRedirects) {
            throw new CellError(
              "HTTP_REDIRECT_DENIED",
              `${firstAction} redirected more than ${maxRedirects} times.`,
            );
          }
          let next: CellUrl;
          try {
            next = parseCellUrl(location, url.href);
          } catch {
            throw new CellError(
              "HTTP_REDIRECT_DENIED",
              `${action} redirected to ${JSON.stringify(quoteForMessage(location, 120))}, which is not a valid http(s) URL.`,
            );
          }
          const status = res.statusCode ?? 0;
          if (status === 303 || ((status === 301 || status === 302) && method === "POST")) {
            if (method !== "HEAD") method = "GET";
            body = undefined;
            headers = headers.filter(([n]) => n !== "content-type");
          }
          if (next.origin !== url.origin)
            headers = headers.filter(([n]) => !CREDENTIAL_HEADERS.has(n));
          if (visited.has(`${method} ${next.href}`)) {
            throw new CellError(
              "HTTP_REDIRECT_DENIED",
              `${firstAction} redirected in a loop (back to ${quoteForMessage(next.href, 200)}).`,
            );
          }
          url = next;
          continue;
        }
        const declared = Number(res.headers["content-length"] ?? "0");
        if (declared > maxResponseBytes) {
          throw exchange.fail(
            new CellError(
              "HTTP_LIMIT",
              `${action}: the response (${declared} bytes) is larger than this capability's limit of ${maxResponseBytes} bytes.`,
            ),
          );
        }
        const noBody = method === "HEAD" || res.statusCode === 204 || res.statusCode === 304;
        if (noBody) {
          res.destroy();
          exchange.finish();
        }
        return makeResponseCap({
          status: res.statusCode ?? 0,
          statusText: res.statusMessage ?? "",
          headers: responseHeaders(res.headers),
          url: url.href,
          redirected: hop > 0,
          stream: noBody ? undefined : res,
          maxResponseBytes,
          exchange,
          label: action,
        });
      }
    } catch (e) {
      exchange.finish();
      if (e instanceof CellError) throw exchange.failure ?? e;
      throw exchange.failure ?? new CellError("HTTP_FAILED", `${firstAction} failed.`);
    }
  };

  // Revocation aborts a request in flight (closes "revocation leaves work in
  // flight" for HTTP): each fetch is an operation of the scope, so the
  // scope's close destroys the request and waits until its caller has
  // REVOKED; nothing of it is sent afterwards.
  const fetch = async (rawUrl: unknown, init?: unknown): Promise<ResponseCap> =>
    scope === undefined ? doFetch(rawUrl, init) : scope.run(() => doFetch(rawUrl, init));
  return harden({ fetch: fetch as HttpCap["fetch"] });
}
