/**
 * Network allow/deny policy: parse `host:port` entries and decide whether a
 * connection to a host (as the cell named it) and a resolved address is
 * permitted.
 *
 * Entry forms: `host:port`, `host` (any port), `*` / `*:443` (any public
 * host), `*.example.com:443` (any subdomain, at any depth, never the apex),
 * `10.0.0.0/8:80`, `[::1]:8080`, `[fc00::/7]:443`, `localhost:3000`,
 * port ranges `host:8000-8100`, any port `host:*`.
 *
 * Invariants:
 * 1. Deny wins: a connection matched by any deny entry is refused, whatever
 *    the allow list says.
 * 2. Special addresses (loopback, private, link-local, metadata, unspecified,
 *    multicast, CGNAT, broadcast, reserved) are granted only by an address
 *    entry that covers them: an IP/CIDR entry (other than a `/0` entry), or a
 *    `localhost` entry for loopback. Name entries, wildcards and `*` grant
 *    public addresses only, so a name that resolves (or is rebound) to
 *    127.0.0.1 or 169.254.169.254 is refused (closes DNS-based SSRF).
 * 3. Every resolved address is checked, not just the first.
 * 4. Hosts and entries are compared in canonical form only (see
 *    `address-canonical.ts`), never as raw strings.
 * 5. The policy is immutable after construction.
 * 6. A name is resolved only when an allow entry names it at that port:
 *    exactly, by a declared wildcard (`*.example.com`, `*`), or `localhost`.
 *    IP and range entries match literal addresses, and the addresses a named
 *    host resolves to; they never make a name resolvable (closes DNS as a
 *    side channel: a query for `<secret>.attacker.example` never leaves, and a
 *    granted range is not reached through names nobody granted).
 * 7. Malformed entries (ports, prefixes, hosts, IPv4 in other spellings than
 *    a dotted quad, bare IPv6 with a port, bits beyond the prefix) are refused
 *    when the policy is made, allow and deny lists alike, with a message
 *    saying what is wrong: a deny entry can never silently deny nothing.
 *
 * It does not resolve names or open sockets.
 */
import ipaddr from "ipaddr.js";
import { CellError } from "@padded-cell/membrane";
import {
  type AddressClass,
  type CanonicalHost,
  canonicalizeHost,
  classifyAddress,
  parseCanonicalIp,
  quoteForMessage,
} from "./address-canonical.js";

const NumberCtor = Number;
const ArrayIsArray = Array.isArray;
const { IPv4 } = ipaddr;
/** A decimal number without leading zeros (so `010` is never read as 8 or as 10). */
const DECIMAL = /^(?:0|[1-9][0-9]*)$/;
/** Whitespace (controls are caught by the character loop in `hasStray`). */
const SPACE = /\s/u;
const hasStray = (text: string): boolean => {
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return SPACE.test(text);
};
const MAX_ENTRY_LENGTH = 300;

/** One parsed allow or deny entry. */
interface NetEntry {
  readonly source: string;
  readonly kind: "any" | "name" | "wildcard" | "cidr" | "localhost";
  /** name: the canonical name; wildcard: the suffix including the leading dot. */
  readonly name: string;
  readonly network: ipaddr.IPv4 | ipaddr.IPv6 | undefined;
  readonly prefix: number;
  readonly portLo: number;
  readonly portHi: number;
}

const FORMS =
  "Use host:port, *.example.com:443, 10.0.0.0/8:80, [::1]:8080, host:8000-8100 or host:*.";

function badEntry(source: string, why: string): never {
  throw new CellError(
    "NET_BAD_ADDRESS",
    `Network entry ${JSON.stringify(quoteForMessage(source))} is not valid: ${why}. ${FORMS}`,
  );
}

const quoted = (text: string): string => JSON.stringify(quoteForMessage(text, 20));

/**
 * A port of an entry: decimal, 1 to 65535 (issue 16, "malformed entries"
 * class: a port that does not parse must never become NaN or a default).
 */
function parsePort(text: string, source: string): number {
  if (text === "") badEntry(source, "the port is empty");
  if (!DECIMAL.test(text)) badEntry(source, `port ${quoted(text)} is not a decimal number`);
  if (NumberCtor(text) > 65535) badEntry(source, `port ${text} is above 65535`);
  const n = NumberCtor(text);
  if (n === 0) badEntry(source, "port 0 cannot be connected to; ports go from 1 to 65535");
  return n;
}

/**
 * An IPv4 address in an entry must be a plain dotted quad: the other
 * spellings a cell may use (`0x7f.1`, `010.0.0.1`, `127.1`) are refused in
 * entries, where `010` meaning 8 would silently grant or deny another network.
 */
function checkEntryIp(addrText: string, canonical: CanonicalHost, source: string): void {
  if (
    canonical.kind === "ipv4" &&
    !addrText.includes(":") &&
    !IPv4.isValidFourPartDecimal(addrText)
  )
    badEntry(
      source,
      `write the IPv4 address as four decimal numbers without leading zeros (${canonical.host})`,
    );
}

function parseCidr(
  text: string,
  source: string,
): { network: ipaddr.IPv4 | ipaddr.IPv6; prefix: number } {
  const slash = text.indexOf("/");
  const addrText = slash === -1 ? text : text.slice(0, slash);
  let canonical: CanonicalHost;
  try {
    canonical = canonicalizeHost(addrText);
  } catch {
    return badEntry(source, `${quoted(addrText)} is not an IP address`);
  }
  if (canonical.kind === "name")
    badEntry(source, "a range (/prefix) needs an IP address, not a name");
  checkEntryIp(addrText, canonical, source);
  // A zone id only picks the interface; the entry covers the address on any interface.
  const network = parseCanonicalIp(canonical.host);
  // An IPv4-mapped IPv6 CIDR (::ffff:a.b.c.d/96+n) is the IPv4 CIDR a.b.c.d/n.
  const mapped = network.kind() === "ipv4" && addrText.includes(":");
  const max = mapped || network.kind() === "ipv6" ? 128 : 32;
  let prefix = max;
  if (slash !== -1) {
    const p = text.slice(slash + 1);
    if (p === "") badEntry(source, "the prefix length after / is empty");
    if (!DECIMAL.test(p)) badEntry(source, `prefix length ${quoted(p)} is not a decimal number`);
    if (NumberCtor(p) > max)
      badEntry(source, `prefix length ${p} is above ${max}, the length of the address`);
    prefix = NumberCtor(p);
  }
  if (mapped) {
    if (prefix < 96) badEntry(source, "an IPv4-mapped range needs a prefix length of at least 96");
    prefix -= 96;
  }
  // Bits beyond the prefix mean the writer had another range in mind (a typo
  // in a deny entry would otherwise deny less than it says).
  const base = (network.kind() === "ipv4" ? ipaddr.IPv4 : ipaddr.IPv6).networkAddressFromCIDR(
    `${network.toString()}/${prefix}`,
  );
  if (base.toString() !== network.toString())
    badEntry(
      source,
      `the address has bits set beyond its /${prefix} prefix; write ${base.toString()}/${prefix}`,
    );
  return { network, prefix };
}

/**
 * Parse one allow/deny entry. Throws `NET_BAD_ADDRESS` if malformed, saying
 * what is wrong (issue 16: a malformed deny entry must never silently deny
 * nothing).
 *
 * @example
 * ```ts
 * parseNetEntry("*.example.com:443");
 * parseNetEntry("[::1]:8000-8100");
 * ```
 */
function parseNetEntry(source: unknown): NetEntry {
  if (typeof source !== "string")
    throw new CellError("NET_BAD_ADDRESS", "Network entries must be strings.");
  if (source.length === 0) badEntry(source, "the entry is empty");
  if (source.length > MAX_ENTRY_LENGTH)
    badEntry(source, `longer than ${MAX_ENTRY_LENGTH} characters`);
  if (hasStray(source)) badEntry(source, "it contains whitespace or control characters");
  const text = source.toLowerCase();
  let hostText: string;
  let portText: string | undefined;
  if (text.startsWith("[")) {
    const close = text.indexOf("]");
    if (close === -1) badEntry(source, "the [ has no matching ]");
    hostText = text.slice(1, close);
    const rest = text.slice(close + 1);
    if (rest !== "") {
      if (!rest.startsWith(":")) badEntry(source, "expected :port after ]");
      portText = rest.slice(1);
    }
    if (!hostText.includes(":")) badEntry(source, "brackets only enclose IPv6 addresses");
  } else if (text.indexOf(":") !== text.lastIndexOf(":")) {
    // A bare IPv6 address is ambiguous (is `::1:80` port 80?); a bare range is not.
    if (!text.includes("/"))
      badEntry(
        source,
        "more than one ':'; write an IPv6 address in brackets, [addr]:port or [addr] for any port",
      );
    hostText = text;
  } else {
    const colon = text.indexOf(":");
    hostText = colon === -1 ? text : text.slice(0, colon);
    portText = colon === -1 ? undefined : text.slice(colon + 1);
  }
  if (hostText === "") badEntry(source, "the host is empty");
  let portLo = 1;
  let portHi = 65535;
  if (portText !== undefined && portText !== "*") {
    const dash = portText.indexOf("-");
    if (dash === -1) {
      portLo = portHi = parsePort(portText, source);
    } else {
      if (dash === 0 || dash === portText.length - 1)
        badEntry(source, `the port range ${quoted(portText)} is missing an end`);
      portLo = parsePort(portText.slice(0, dash), source);
      portHi = parsePort(portText.slice(dash + 1), source);
      if (portLo > portHi) badEntry(source, `the port range ${portText} is empty`);
    }
  }
  const base = { source, portLo, portHi, network: undefined, prefix: 0, name: "" };
  if (hostText === "*") return harden({ ...base, kind: "any" });
  if (hostText.startsWith("*.")) {
    let suffix: CanonicalHost;
    try {
      suffix = canonicalizeHost(hostText.slice(2));
    } catch {
      return badEntry(source, "the part after *. is not a host name");
    }
    if (suffix.kind !== "name") badEntry(source, "wildcards apply to names, not addresses");
    return harden({ ...base, kind: "wildcard", name: `.${suffix.host}` });
  }
  if (hostText.includes("*")) badEntry(source, "* is only allowed as the whole leftmost label");
  if (hostText.includes("/"))
    return harden({ ...base, kind: "cidr", ...parseCidr(hostText, source) });
  let host: CanonicalHost;
  try {
    host = canonicalizeHost(hostText);
  } catch {
    return badEntry(source, `${quoted(hostText)} is not a host name or IP address`);
  }
  if (host.kind !== "name")
    return harden({ ...base, kind: "cidr", ...parseCidr(hostText, source) });
  if (host.host === "localhost") return harden({ ...base, kind: "localhost", name: "localhost" });
  return harden({ ...base, kind: "name", name: host.host });
}

/**
 * Whether an entry is address-level (an IP, a CIDR or `localhost`), i.e. it
 * grants addresses rather than names. Throws `NET_BAD_ADDRESS` if malformed.
 *
 * @example
 * ```ts
 * isAddressEntry("10.0.0.0/8:443"); // true
 * isAddressEntry("*.example.com");  // false
 * ```
 */
export function isAddressEntry(entry: unknown): boolean {
  const kind = parseNetEntry(entry).kind;
  return kind === "cidr" || kind === "localhost";
}

const portMatches = (e: NetEntry, port: number): boolean => port >= e.portLo && port <= e.portHi;

/**
 * Name-level entries that grant public addresses: match the name as the cell
 * wrote it.
 */
function nameMatches(e: NetEntry, host: CanonicalHost): boolean {
  if (e.kind === "any") return true;
  if (host.kind !== "name") return false;
  if (e.kind === "name") return e.name === host.host;
  if (e.kind === "wildcard") return host.host.endsWith(e.name) && host.host.length > e.name.length;
  return false;
}

/**
 * Whether an entry names this host name, so that it may be resolved: a name
 * or wildcard entry, `*`, or `localhost` for the name `localhost`. IP and
 * range entries never name a host name (invariant 6).
 */
const namesHost = (e: NetEntry, host: CanonicalHost): boolean =>
  nameMatches(e, host) ||
  (e.kind === "localhost" && host.kind === "name" && host.host === "localhost");

function cidrCovers(e: NetEntry, ip: string): boolean {
  if (e.kind !== "cidr" || e.network === undefined) return false;
  let addr = parseCanonicalIp(ip);
  if (addr.kind() !== e.network.kind()) {
    // An IPv6 entry may cover IPv4 addresses through the mapped range (::ffff:0:0/96).
    if (addr.kind() === "ipv4" && e.network.kind() === "ipv6")
      addr = (addr as ipaddr.IPv4).toIPv4MappedAddress();
    else return false;
  }
  return addr.match(e.network, e.prefix);
}

/** Address-level entries: match the resolved address, whatever name led there. */
function addressMatches(e: NetEntry, ip: string, cls: AddressClass): boolean {
  if (e.kind === "localhost") return cls === "loopback";
  if (!cidrCovers(e, ip)) return false;
  // Invariant 2: 0.0.0.0/0 and ::/0 are "anything public", like `*`.
  return e.prefix > 0 || cls === "public";
}

/** Why a connection was refused. */
export type NetRefusal =
  | { readonly reason: "denied"; readonly entry: string }
  | { readonly reason: "not-allowed" }
  | { readonly reason: "special"; readonly addressClass: AddressClass };

/** An immutable allow/deny policy. */
export interface NetPolicy {
  /**
   * Check before resolving: refuses if a deny entry matches the name, or no
   * allow entry names it (a name, wildcard, `*` or `localhost` entry at that
   * port). `undefined` means "go on and resolve".
   */
  checkName(host: CanonicalHost, port: number): NetRefusal | undefined;
  /** Check one resolved address. `undefined` means allowed. */
  checkAddress(host: CanonicalHost, port: number, ip: string): NetRefusal | undefined;
}

/** What {@link makeNetPolicy} takes. */
export interface NetPolicyOptions {
  /** Allow entries (see the file header for the forms). */
  readonly allow: readonly string[];
  /** Deny entries; deny wins over allow. */
  readonly deny?: readonly string[] | undefined;
}

function parseList(list: unknown, what: string): readonly NetEntry[] {
  if (list === undefined) return [];
  if (!ArrayIsArray(list))
    throw new CellError("NET_BAD_ADDRESS", `${what} must be an array of strings.`);
  return harden([...(list as unknown[])].map(parseNetEntry));
}

/**
 * Build a policy from allow and deny entries (malformed entries throw
 * `NET_BAD_ADDRESS` here, at grant time).
 *
 * @example
 * ```ts
 * const policy = makeNetPolicy({ allow: ["*.example.com:443", "10.0.0.0/8:5432"], deny: ["evil.example.com"] });
 * policy.checkName(canonicalizeHost("api.example.com"), 443); // undefined: go on and resolve
 * ```
 */
export function makeNetPolicy(options: NetPolicyOptions): NetPolicy {
  const allow = parseList(options.allow, "allow");
  const deny = parseList(options.deny, "deny");

  const checkName = (host: CanonicalHost, port: number): NetRefusal | undefined => {
    for (const e of deny) {
      if (portMatches(e, port) && namesHost(e, host))
        return harden({ reason: "denied", entry: e.source });
    }
    if (host.kind !== "name") return checkAddress(host, port, host.host);
    // Invariant 6 (issue 10, "name resolution outside the grant"): only an
    // allow entry that names this host at this port lets it be resolved; an
    // IP or range entry never does, so no DNS query leaves for a name the
    // grant does not mention (no exfiltration through `<secret>.attacker.example`).
    const named = allow.some((e) => portMatches(e, port) && namesHost(e, host));
    return named ? undefined : harden({ reason: "not-allowed" });
  };

  const checkAddress = (host: CanonicalHost, port: number, ip: string): NetRefusal | undefined => {
    const cls = classifyAddress(ip);
    for (const e of deny) {
      if (!portMatches(e, port)) continue;
      if (namesHost(e, host) || (e.kind === "localhost" ? cls === "loopback" : cidrCovers(e, ip))) {
        return harden({ reason: "denied", entry: e.source });
      }
    }
    let nameAllowed = false;
    for (const e of allow) {
      if (!portMatches(e, port)) continue;
      if (addressMatches(e, ip, cls)) return undefined;
      if (nameMatches(e, host)) nameAllowed = true;
    }
    if (nameAllowed && cls === "public") return undefined;
    if (cls !== "public") return harden({ reason: "special", addressClass: cls });
    return harden({ reason: "not-allowed" });
  };

  return harden({ checkName, checkAddress });
}
