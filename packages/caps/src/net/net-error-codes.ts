/**
 * The error codes of the network and HTTP capabilities, with their cause and
 * mitigation (the docs site's Error codes page is generated from this table).
 *
 * Invariants:
 * 1. Codes are stable API: a code is never renamed or reused for another cause.
 *
 * It does not build messages; each capability writes its message in the cell's
 * terms (the host:port or URL the cell asked for).
 */

/**
 * Every code a network or HTTP capability throws, as a `CellError` code.
 *
 * @example
 * ```ts
 * try {
 *   await tcp.connect("db.internal", 5432);
 * } catch (e) {
 *   if ((e as { code?: string }).code === "NET_DENIED") console.log(netErrorCodes.NET_DENIED.mitigation);
 * }
 * ```
 */
export const netErrorCodes = {
  NET_DENIED: {
    cause:
      "The host:port the cell asked for is not in the capability's allow list, is in its deny list, or the name resolved to a special address (loopback, private, link-local, cloud metadata, ...) that no address entry grants.",
    mitigation:
      "Grant it: add the host:port (e.g. `--allow-net=db.internal:5432` or `allow: ['db.internal:5432']`). Special addresses need an explicit IP/CIDR entry (or `localhost` for loopback); `*` and wildcard names never grant them.",
  },
  NET_BAD_ADDRESS: {
    cause:
      "The host or port is not a valid host name, IP address or port (wrong type, malformed, too long), or an allow/deny entry is malformed (a port or prefix that is not a plain decimal or out of range, bits set beyond a prefix, an IPv4 address not written as a dotted quad, an IPv6 address with a port but no brackets, whitespace). The message says which.",
    mitigation:
      "Pass a string host name or IP address and an integer port from 1 to 65535; write entries as `host:port`, `*.example.com:443`, `10.0.0.0/8:80`, `[::1]:8080`, `host:8000-8100` or `host:*` (IPv4 as a plain dotted quad, IPv6 in brackets, ranges on their network address).",
  },
  NET_BAD_ARGUMENT: {
    cause:
      "A socket method got an argument of the wrong type (for example write() with something that is neither a Uint8Array nor a string).",
    mitigation: "Pass a Uint8Array or a string.",
  },
  NET_LIMIT: {
    cause:
      "The capability's limit on concurrent connections or on total bytes transferred was reached; the connection that crossed the byte limit was closed.",
    mitigation:
      "Close connections you no longer need, or ask the host for a larger `maxConnections` / `maxBytes`.",
  },
  NET_CLOSED: {
    cause:
      "The socket or listener was closed (by the cell, the peer, or the host revoking its scope).",
    mitigation: "Open a new connection.",
  },
  NET_CONNECT_FAILED: {
    cause: "The allowed address could not be reached (refused, unreachable, name not found).",
    mitigation: "Check that the peer is running and reachable; the policy allowed the attempt.",
  },
  NET_IO: {
    cause:
      "Reading from or writing to the socket failed (for example the peer reset the connection).",
    mitigation: "Reconnect; the error is reported without host details.",
  },
  HTTP_DENIED: {
    cause:
      "The URL's method, origin or path is not covered by the capability's allow list, or its host resolved to a special address no address entry grants.",
    mitigation:
      "Ask the host to add a URL prefix that covers it (e.g. `allow: ['https://api.example.com/v1/']`) or the method to `methods`.",
  },
  HTTP_REDIRECT_DENIED: {
    cause:
      "The server redirected to a URL outside the allow list, or redirected more than `maxRedirects` times (or in a loop).",
    mitigation: "Ask the host to allow the redirect target's URL prefix, or raise `maxRedirects`.",
  },
  HTTP_BAD_REQUEST: {
    cause:
      "The request is malformed: the URL does not parse, the method or a header is invalid, or the cell tried to set a header it may not set (Host, hop-by-hop headers).",
    mitigation: "Pass an absolute http(s) URL, a token method, and only end-to-end headers.",
  },
  HTTP_LIMIT: {
    cause: "The response body exceeded `maxResponseBytes`; the response was aborted.",
    mitigation:
      "Ask for less data (ranges, pagination) or ask the host for a larger `maxResponseBytes`.",
  },
  HTTP_TIMEOUT: {
    cause:
      "The whole exchange (connect, redirects, headers and body) took longer than `timeoutMs`; it was aborted.",
    mitigation: "Retry later or ask the host for a larger `timeoutMs`.",
  },
  HTTP_BODY_USED: {
    cause:
      "The response body was already read (by text(), json(), bytes() or iterating body); it can be read once.",
    mitigation: "Keep the first result (for example read bytes() once and decode it yourself).",
  },
  HTTP_BAD_RESPONSE: {
    cause: "The response body is not what was asked for (json() on a body that is not valid JSON).",
    mitigation:
      "Check the response's content-type and status before calling json(), or read text().",
  },
  HTTP_FAILED: {
    cause: "The request failed at the transport level (connection refused, reset, TLS failure).",
    mitigation: "Check the server; the error is reported without host details.",
  },
} as const;

/** A code from {@link netErrorCodes}. */
export type NetErrorCode = keyof typeof netErrorCodes;
