/**
 * Denial messages for network and HTTP capabilities, in the cell's terms.
 *
 * Invariants:
 * 1. A message names only what the cell asked for (the host:port or URL, in
 *    canonical form, length-bounded) and the entry that would allow it; it
 *    never prints a resolved address, a host configuration detail beyond the
 *    matching deny entry, or a host object.
 * 2. When a name resolved to a special address, the message says which class
 *    (loopback, private, metadata, ...) but not the address itself.
 *
 * It does not decide policy.
 */
import { CellError } from "@padded-cell/membrane";
import type { NetRefusal } from "./address-policy.js";
import type { AddressClass } from "./address-canonical.js";

const CLASS_WORDS: Readonly<Record<AddressClass, string>> = {
  public: "a public",
  loopback: "a loopback",
  private: "a private",
  linkLocal: "a link-local",
  metadata: "a cloud metadata",
  unspecified: "an unspecified (0.0.0.0 / ::)",
  multicast: "a multicast",
  cgnat: "a carrier-grade NAT (100.64.0.0/10)",
  broadcast: "a broadcast",
  reserved: "a reserved",
};

/**
 * Build the `CellError` for a refused connection.
 *
 * @param code - `NET_DENIED` or `HTTP_DENIED` (or `HTTP_REDIRECT_DENIED`).
 * @param action - what the cell tried, e.g. `connect to db.internal:5432` or `GET https://a.example/x`.
 * @param hostName - the host as the cell named it (canonical), for "resolved to" wording.
 * @param isName - whether the host is a name (not an IP literal).
 * @param suggestion - the entry that would allow it, e.g. `db.internal:5432`.
 * @param flag - the CLI flag name, e.g. `--allow-net`.
 * @example
 * ```ts
 * throw denialError("NET_DENIED", "connect to db.internal:5432", "db.internal", true, refusal, "db.internal:5432", "--allow-net");
 * ```
 */
export function denialError(
  code: string,
  action: string,
  hostName: string,
  isName: boolean,
  refusal: NetRefusal,
  suggestion: string,
  flag: string,
): CellError {
  if (refusal.reason === "denied") {
    return new CellError(
      code,
      `${action} denied: it matches the deny entry '${refusal.entry}', and deny wins over allow.`,
    );
  }
  if (refusal.reason === "special") {
    const what = CLASS_WORDS[refusal.addressClass];
    if (isName) {
      return new CellError(
        code,
        `${action} denied: ${hostName} resolved to ${what} address. Names, wildcards and '*' only grant public addresses; ` +
          "the host must grant that address explicitly with an IP/CIDR entry (or 'localhost' for loopback).",
      );
    }
    return new CellError(
      code,
      `${action} denied: ${hostName} is ${what} address, which needs an explicit grant; ` +
        `grant ${flag}=${suggestion} (or allow: ['${suggestion}']) to allow it.`,
    );
  }
  return new CellError(
    code,
    `${action} denied: not in this capability's allow list; grant ${flag}=${suggestion} (or allow: ['${suggestion}']) to allow it.`,
  );
}
