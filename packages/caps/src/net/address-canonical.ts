/**
 * Address canonicalisation: turn every spelling of a host a cell could use
 * into one canonical form, and classify IP addresses into ranges.
 *
 * Invariants:
 * 1. Every IPv4 spelling the C resolver (`inet_aton`) or the WHATWG URL parser
 *    would accept as an address — decimal `2130706433`, octal `0177.0.0.1`,
 *    hex `0x7f.1`, short forms `127.1`, a trailing dot — canonicalises to the
 *    same dotted quad, so a check cannot be bypassed by re-spelling an address
 *    (closes the "alternate IP spelling" class of SSRF bypasses).
 * 2. A host whose last label is numeric must parse as an IPv4 address or is
 *    rejected (`NET_BAD_ADDRESS`): it is never treated as a name that DNS
 *    might resolve to anything.
 * 3. IPv4-mapped IPv6 (`::ffff:127.0.0.1`) canonicalises to its IPv4 address,
 *    so it is classified as the address it really reaches.
 * 4. Canonicalisation is idempotent and the canonical form is ASCII, lower
 *    case, without brackets or trailing dot; IPv6 is RFC 5952 text.
 * 5. Only strings are accepted (no `toString` is ever called on cell input)
 *    and their length is bounded before any parsing work.
 * 6. Every address that is not plain public unicast gets a special class
 *    (loopback, private, link-local, metadata, ...); the policy denies those
 *    unless an entry names them.
 *
 * It does not resolve names (see `address-resolve.ts`) or decide policy (see
 * `address-policy.ts`).
 */
import ipaddr from "ipaddr.js";
import { domainToASCII } from "node:url";
import { CellError } from "@padded-cell/membrane";

const { IPv4, IPv6 } = ipaddr;
const StringCtor = String;
const RegExpTest = RegExp.prototype.test;
const ReflectApply = Reflect.apply;
const test = (re: RegExp, s: string): boolean => ReflectApply(RegExpTest, re, [s]) as boolean;

/** Longest host text accepted (a DNS name is at most 253 octets; IPv6 with a zone is shorter). */
const MAX_HOST_LENGTH = 253;

/**
 * The range an IP address belongs to. Everything but `public` is special and
 * denied unless an allow entry names it explicitly.
 */
export type AddressClass =
  | "public"
  | "loopback"
  | "private"
  | "linkLocal"
  | "metadata"
  | "unspecified"
  | "multicast"
  | "cgnat"
  | "broadcast"
  | "reserved";

/** A host in canonical form. */
export interface CanonicalHost {
  /** `ipv4`, `ipv6` (an address literal) or `name` (a DNS name). */
  readonly kind: "ipv4" | "ipv6" | "name";
  /** Canonical text: dotted quad, RFC 5952 IPv6 (with `%zone` if any), or lower-case ASCII name. */
  readonly host: string;
}

/** Cloud metadata endpoints (AWS, GCP, Azure, Alibaba, Oracle, AWS ECS, AWS IPv6). */
const METADATA = new Set([
  "169.254.169.254",
  "169.254.170.2",
  "100.100.100.200",
  "192.0.0.192",
  "fd00:ec2::254",
]);

/**
 * Quote cell-supplied text in a message: bounded length, control characters
 * removed, so a huge or hostile string cannot flood or forge a message.
 *
 * @example
 * ```ts
 * quoteForMessage("a\nb".repeat(100)); // "a b a b ... (truncated)"
 * ```
 */
export function quoteForMessage(text: string, max = 80): string {
  let out = "";
  for (let i = 0; i < text.length && i < max; i += 1) {
    const c = text.charCodeAt(i);
    out += c < 0x20 || c === 0x7f ? " " : text[i];
  }
  return text.length > max ? `${out}...(truncated)` : out;
}

function bad(what: string, input: string, why: string): never {
  throw new CellError(
    "NET_BAD_ADDRESS",
    `${what} ${JSON.stringify(quoteForMessage(input))} is not valid: ${why}.`,
  );
}

const NAME_LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;
const NUMERIC_LABEL = /^(?:0x[0-9a-f]*|[0-9]+)$/;
const ZONE = /^[a-z0-9_.-]{1,32}$/;

function canonicalIPv6(text: string, input: string): CanonicalHost {
  const pct = text.indexOf("%");
  const addrText = pct === -1 ? text : text.slice(0, pct);
  const zone = pct === -1 ? "" : text.slice(pct + 1);
  if (pct !== -1 && !test(ZONE, zone)) bad("Host", input, "malformed IPv6 zone id");
  // An embedded IPv4 tail (`::ffff:127.0.0.1`, `::0.0.0.1`) is converted to two
  // hex groups here, as inet_pton reads it: ipaddr.js reads any `::a.b.c.d` as
  // IPv4-mapped, so `::0.0.0.1` (which is ::1) would be misclassified (closes
  // the parser-differential class between the check and the OS).
  let hexText = addrText;
  const lastColon = addrText.lastIndexOf(":");
  const tail = addrText.slice(lastColon + 1);
  if (tail.includes(".")) {
    if (!IPv4.isValidFourPartDecimal(tail))
      bad("Host", input, "malformed IPv4 part in IPv6 address");
    const [a, b, c, d] = IPv4.parse(tail).octets as [number, number, number, number];
    hexText = `${addrText.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  if (!IPv6.isValid(hexText)) bad("Host", input, "not an IPv6 address");
  const addr = IPv6.parse(hexText);
  if (addr.isIPv4MappedAddress()) {
    if (zone !== "") bad("Host", input, "an IPv4-mapped address cannot have a zone id");
    return harden({ kind: "ipv4", host: addr.toIPv4Address().toString() });
  }
  const host = addr.toRFC5952String() + (zone === "" ? "" : `%${zone}`);
  return harden({ kind: "ipv6", host });
}

/**
 * Canonicalise a host the cell supplied (name, IPv4 in any spelling, IPv6
 * with or without brackets). Throws `NET_BAD_ADDRESS` for anything else.
 *
 * @example
 * ```ts
 * canonicalizeHost("0x7f.1");              // { kind: "ipv4", host: "127.0.0.1" }
 * canonicalizeHost("[::FFFF:127.0.0.1]");  // { kind: "ipv4", host: "127.0.0.1" }
 * canonicalizeHost("API.Example.com.");    // { kind: "name", host: "api.example.com" }
 * ```
 */
export function canonicalizeHost(input: unknown): CanonicalHost {
  // Invariant 5: a string primitive only; never coerce (hostile toString).
  if (typeof input !== "string") {
    throw new CellError("NET_BAD_ADDRESS", `Host must be a string, got ${typeof input}.`);
  }
  if (input.length === 0) bad("Host", input, "empty");
  if (input.length > MAX_HOST_LENGTH + 2)
    bad("Host", input, `longer than ${MAX_HOST_LENGTH} characters`);
  let text = input.toLowerCase();
  if (text.startsWith("[")) {
    if (!text.endsWith("]")) bad("Host", input, "unbalanced brackets");
    text = text.slice(1, -1);
    if (!text.includes(":")) bad("Host", input, "brackets only enclose IPv6 addresses");
    return canonicalIPv6(text, input);
  }
  if (text.includes(":")) return canonicalIPv6(text, input);
  if (text.endsWith(".")) text = text.slice(0, -1);
  if (text.length === 0) bad("Host", input, "empty");
  const labels = text.split(".");
  const last = labels[labels.length - 1] ?? "";
  // Invariant 2: ends in a number => must be an IPv4 address.
  if (test(NUMERIC_LABEL, last)) {
    if (!IPv4.isValid(text)) bad("Host", input, "malformed IPv4 address");
    return harden({ kind: "ipv4", host: IPv4.parse(text).toString() });
  }
  let ascii = text;
  for (let i = 0; i < text.length; i += 1) {
    if (text.charCodeAt(i) > 0x7e) {
      ascii = domainToASCII(text);
      if (ascii === "") bad("Host", input, "not a valid internationalised domain name");
      break;
    }
  }
  if (ascii.length > MAX_HOST_LENGTH)
    bad("Host", input, `longer than ${MAX_HOST_LENGTH} characters`);
  for (const label of ascii.split(".")) {
    if (!test(NAME_LABEL, label)) bad("Host", input, "not a host name or IP address");
  }
  return harden({ kind: "name", host: ascii });
}

/**
 * Parse a canonical IP text (as produced by {@link canonicalizeHost}) into an
 * ipaddr.js address, dropping any zone id.
 *
 * @example
 * ```ts
 * parseCanonicalIp("fe80::1%eth0").kind(); // "ipv6"
 * ```
 */
export function parseCanonicalIp(ip: string): ipaddr.IPv4 | ipaddr.IPv6 {
  const pct = ip.indexOf("%");
  return ipaddr.parse(pct === -1 ? ip : ip.slice(0, pct));
}

const V4_CLASSES: Readonly<Record<string, AddressClass>> = {
  unicast: "public",
  loopback: "loopback",
  private: "private",
  linkLocal: "linkLocal",
  unspecified: "unspecified",
  multicast: "multicast",
  carrierGradeNat: "cgnat",
  broadcast: "broadcast",
};
const V6_CLASSES: Readonly<Record<string, AddressClass>> = {
  unicast: "public",
  loopback: "loopback",
  uniqueLocal: "private",
  linkLocal: "linkLocal",
  unspecified: "unspecified",
  multicast: "multicast",
};

/**
 * Classify a canonical IP address. Anything ipaddr.js does not call plain
 * unicast (documentation, benchmarking, 6to4, Teredo, NAT64, IPv4-compatible
 * `::a.b.c.d`, site-local, ...) is `reserved`.
 *
 * @example
 * ```ts
 * classifyAddress("169.254.169.254"); // "metadata"
 * classifyAddress("10.1.2.3");        // "private"
 * classifyAddress("93.184.215.14");   // "public"
 * ```
 */
export function classifyAddress(ip: string): AddressClass {
  const addr = parseCanonicalIp(ip);
  if (addr.kind() === "ipv6" && (addr as ipaddr.IPv6).isIPv4MappedAddress()) {
    return classifyAddress((addr as ipaddr.IPv6).toIPv4Address().toString());
  }
  const plain = addr.kind() === "ipv4" ? addr.toString() : (addr as ipaddr.IPv6).toRFC5952String();
  if (METADATA.has(plain)) return "metadata";
  const range = addr.range();
  if (addr.kind() === "ipv4") return V4_CLASSES[range] ?? "reserved";
  const cls = V6_CLASSES[range] ?? "reserved";
  // IPv4-compatible (::/96, deprecated) addresses are treated as reserved.
  if (cls === "public" && (addr as ipaddr.IPv6).parts.slice(0, 6).every((p) => p === 0))
    return "reserved";
  return cls;
}

/**
 * Render a canonical host for messages and entries: IPv6 in brackets.
 *
 * @example
 * ```ts
 * hostPort("::1", 8080); // "[::1]:8080"
 * ```
 */
export function hostPort(host: string, port: number): string {
  return `${host.includes(":") ? `[${host}]` : host}:${StringCtor(port)}`;
}
