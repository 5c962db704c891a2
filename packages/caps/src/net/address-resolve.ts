/**
 * Resolve a host once and check every answer against a policy, returning the
 * exact addresses a capability may connect to.
 *
 * Invariants:
 * 1. A name is resolved exactly once per connection; the caller connects to
 *    one of the returned, already-checked IP addresses and never resolves the
 *    name again (closes DNS rebinding between check and connect).
 * 2. If any answer is refused, the whole connection is refused, so a mixed
 *    answer (one public, one internal address) cannot be used to reach the
 *    internal one by retry or fallback.
 * 3. Answers from the resolver are canonicalised and must be IP addresses.
 * 4. IP literals are not resolved at all.
 *
 * It does not open sockets.
 */
import { hardenExport } from "@padded-cell/membrane";
import { lookup } from "node:dns/promises";
import { type CanonicalHost, canonicalizeHost } from "./address-canonical.js";
import type { NetPolicy, NetRefusal } from "./address-policy.js";

const dnsLookup = lookup;
const ArrayIsArray = Array.isArray;

/**
 * Resolves a host name to IP address strings. The default uses the system
 * resolver (`dns.lookup` with `all: true`); tests and hosts may inject their
 * own (for example to pin names or simulate rebinding).
 */
export type Resolver = (name: string) => Promise<readonly string[]>;

/**
 * The system resolver: every address `dns.lookup` returns, in its order.
 *
 * @example
 * ```ts
 * const ips = await systemResolver("localhost"); // e.g. ["::1", "127.0.0.1"]
 * ```
 */
export const systemResolver: Resolver = hardenExport(async (name: string) => {
  const answers = await dnsLookup(name, { all: true, verbatim: true });
  return harden(answers.map((a) => a.address));
});

/** The outcome of {@link resolveChecked}. */
export type ResolveOutcome =
  | { readonly ok: true; readonly addresses: readonly string[] }
  | { readonly ok: false; readonly refusal: NetRefusal; readonly resolved: boolean }
  | { readonly ok: false; readonly refusal: undefined; readonly resolved: false };

/**
 * Check the name, resolve it once, check every answer.
 * `refusal: undefined` with `ok: false` means the name did not resolve.
 *
 * @example
 * ```ts
 * const out = await resolveChecked(policy, canonicalizeHost("api.example.com"), 443, systemResolver);
 * if (out.ok) socket = net.connect({ host: out.addresses[0], port: 443 });
 * ```
 */
export async function resolveChecked(
  policy: NetPolicy,
  host: CanonicalHost,
  port: number,
  resolve: Resolver,
): Promise<ResolveOutcome> {
  const early = policy.checkName(host, port);
  if (early !== undefined) return harden({ ok: false, refusal: early, resolved: false });
  if (host.kind !== "name") return harden({ ok: true, addresses: [host.host] });
  let answers: readonly string[];
  try {
    answers = await resolve(host.host);
  } catch {
    return harden({ ok: false, refusal: undefined, resolved: false });
  }
  if (!ArrayIsArray(answers) || answers.length === 0)
    return harden({ ok: false, refusal: undefined, resolved: false });
  const addresses: string[] = [];
  for (const answer of answers) {
    let ip: CanonicalHost;
    try {
      ip = canonicalizeHost(answer);
    } catch {
      return harden({ ok: false, refusal: undefined, resolved: false });
    }
    if (ip.kind === "name") return harden({ ok: false, refusal: undefined, resolved: false });
    const refusal = policy.checkAddress(host, port, ip.host);
    if (refusal !== undefined) return harden({ ok: false, refusal, resolved: true });
    if (!addresses.includes(ip.host)) addresses.push(ip.host);
  }
  return harden({ ok: true, addresses });
}
