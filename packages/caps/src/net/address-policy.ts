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
const PORT = /^[0-9]{1,5}$/;

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

function badEntry(source: string, why: string): never {
  throw new CellError(
    "NET_BAD_ADDRESS",
    `Network entry ${JSON.stringify(quoteForMessage(source))} is not valid: ${why}. ` +
      "Use host:port, *.example.com:443, 10.0.0.0/8:80, [::1]:8080, host:8000-8100 or host:*.",
  );
}

function parsePort(text: string, source: string): number {
  if (!PORT.test(text)) badEntry(source, "bad port");
  const n = NumberCtor(text);
  if (n > 65535) badEntry(source, "port above 65535");
  return n;
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
    return badEntry(source, "bad IP address");
  }
  if (canonical.kind === "name") badEntry(source, "a CIDR needs an IP address");
  // A zone id only picks the interface; the entry covers the address on any interface.
  const network = parseCanonicalIp(canonical.host);
  // An IPv4-mapped IPv6 CIDR (::ffff:a.b.c.d/96+n) is the IPv4 CIDR a.b.c.d/n.
  const mapped = network.kind() === "ipv4" && addrText.includes(":");
  const max = mapped ? 128 : network.kind() === "ipv4" ? 32 : 128;
  let prefix = max;
  if (slash !== -1) {
    const p = text.slice(slash + 1);
    if (!/^[0-9]{1,3}$/.test(p) || NumberCtor(p) > max) badEntry(source, "bad prefix length");
    prefix = NumberCtor(p);
  }
  if (mapped) {
    if (prefix < 96) badEntry(source, "an IPv4-mapped CIDR needs a prefix of at least 96");
    prefix -= 96;
  }
  return { network, prefix };
}

/**
 * Parse one allow/deny entry. Throws `NET_BAD_ADDRESS` if malformed.
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
  if (source.length === 0 || source.length > 300) badEntry(source, "empty or too long");
  const text = source.toLowerCase();
  let hostText: string;
  let portText: string | undefined;
  if (text.startsWith("[")) {
    const close = text.indexOf("]");
    if (close === -1) badEntry(source, "unbalanced brackets");
    hostText = text.slice(1, close);
    const rest = text.slice(close + 1);
    if (rest !== "") {
      if (!rest.startsWith(":")) badEntry(source, "expected :port after ]");
      portText = rest.slice(1);
    }
    if (!hostText.includes(":")) badEntry(source, "brackets only enclose IPv6 addresses");
  } else if (text.indexOf(":") !== text.lastIndexOf(":")) {
    hostText = text; // bare IPv6 (or IPv6 CIDR): any port
  } else {
    const colon = text.indexOf(":");
    hostText = colon === -1 ? text : text.slice(0, colon);
    portText = colon === -1 ? undefined : text.slice(colon + 1);
  }
  let portLo = 0;
  let portHi = 65535;
  if (portText !== undefined && portText !== "*") {
    const dash = portText.indexOf("-");
    if (dash === -1) {
      portLo = portHi = parsePort(portText, source);
    } else {
      portLo = parsePort(portText.slice(0, dash), source);
      portHi = parsePort(portText.slice(dash + 1), source);
      if (portLo > portHi) badEntry(source, "empty port range");
    }
  }
  const base = { source, portLo, portHi, network: undefined, prefix: 0, name: "" };
  if (hostText === "*") return harden({ ...base, kind: "any" });
  if (hostText.startsWith("*.")) {
    let suffix: CanonicalHost;
    try {
      suffix = canonicalizeHost(hostText.slice(2));
    } catch {
      return badEntry(source, "bad name after *.");
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
    return badEntry(source, "bad host");
  }
  if (host.kind !== "name")
    return harden({ ...base, kind: "cidr", ...parseCidr(host.host, source) });
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

/** Name-level entries: match the name as the cell wrote it. */
function nameMatches(e: NetEntry, host: CanonicalHost): boolean {
  if (e.kind === "any") return true;
  if (host.kind !== "name") return false;
  if (e.kind === "name") return e.name === host.host;
  if (e.kind === "wildcard") return host.host.endsWith(e.name) && host.host.length > e.name.length;
  return false;
}

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
   * allow entry could possibly match. `undefined` means "go on and resolve".
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
      if (portMatches(e, port) && nameMatches(e, host))
        return harden({ reason: "denied", entry: e.source });
    }
    if (host.kind !== "name") return checkAddress(host, port, host.host);
    const possible = allow.some(
      (e) =>
        portMatches(e, port) &&
        (nameMatches(e, host) || e.kind === "cidr" || e.kind === "localhost"),
    );
    return possible ? undefined : harden({ reason: "not-allowed" });
  };

  const checkAddress = (host: CanonicalHost, port: number, ip: string): NetRefusal | undefined => {
    const cls = classifyAddress(ip);
    for (const e of deny) {
      if (!portMatches(e, port)) continue;
      if (
        nameMatches(e, host) ||
        (e.kind === "localhost" ? cls === "loopback" : cidrCovers(e, ip))
      ) {
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
