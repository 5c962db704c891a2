/**
 * Asking about a network peer no allow entry covers (policy-caps.ts,
 * invariant 5), once per peer and answer.
 *
 * Invariants:
 * 1. A peer a deny entry names is never asked about: deny wins without a
 *    question. (A deny entry that matches only the resolved address still
 *    refuses the connection afterwards: what a yes opens is a capability
 *    built with the same deny entries.)
 * 2. "always" and "deny" are remembered for the rest of the run; "once"
 *    is not.
 *
 * It does not open connections (the grants do, through capabilities made
 * for exactly the peer that was allowed).
 */
import { canonicalizeHost, makeNetPolicy } from "@padded-cell/caps";
import type { AccessAsk } from "./policy-ask.js";

/** Whether the cell may reach `entry` (`host:port`), asking if need be. */
export type NetAsker = (entry: string, host: string, port: number) => Promise<boolean>;

/**
 * Makes the asker of one grant.
 *
 * @example
 * ```ts
 * const mayReach = makeNetAsker(ask, ["evil.example.com"]);
 * await mayReach("api.example.com:443", "api.example.com", 443); // asks once
 * ```
 */
export const makeNetAsker = (ask: AccessAsk, deny: readonly string[]): NetAsker => {
  const denyOnly = makeNetPolicy({ allow: [], deny });
  const always = new Set<string>();
  const refused = new Set<string>();
  return async (entry, host, port) => {
    if (always.has(entry)) return true;
    if (refused.has(entry)) return false;
    try {
      // Invariant 1.
      if (denyOnly.checkName(canonicalizeHost(host), port)?.reason === "denied") return false;
    } catch {
      return false; // not a host the capabilities would take either
    }
    const answer = await ask(harden({ access: "net", target: entry }));
    if (answer === "always") always.add(entry);
    if (answer === "deny") refused.add(entry);
    return answer !== "deny";
  };
};
