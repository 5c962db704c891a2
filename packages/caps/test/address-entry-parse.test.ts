// Class "malformed entries" (issue 16 §4, address-policy invariant 7): every
// malformed port, prefix or host in an entry is refused when the policy is
// made, in allow and deny lists alike, with NET_BAD_ADDRESS and a message
// saying what is wrong; a malformed deny entry never silently denies nothing.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { makeNetPolicy } from "../src/net/address-policy.js";

const refusal = (entry: string, list: "allow" | "deny"): string => {
  try {
    makeNetPolicy(list === "allow" ? { allow: [entry] } : { allow: [], deny: [entry] });
  } catch (e) {
    const { code, message } = e as { code: string; message: string };
    return `${code}: ${message.replace(/ Use host:port, .*$/, "")}`;
  }
  return "accepted";
};

const MALFORMED = [
  "a.com:8x",
  "10.0.0.0/8x",
  "a.com:",
  "a.com:0",
  "a.com:080",
  "a.com:65536",
  "a.com:99999999",
  "a.com:9-1",
  "a.com:-80",
  "a.com:80-",
  "10.0.0.0/33",
  "10.0.0.0/",
  "10.0.0.1/8",
  "[::1/129]",
  "[fc00::1/7]",
  "::1:80",
  "a.com:80:90",
  ":80",
  "",
  " a.com:80",
  "a.com:80\n",
  "a.com\t:80",
  "010.0.0.1:80",
  "127.1:80",
  "0x7f.0.0.1",
  "10.0.0.1.:80",
  "[127.0.0.1]:80",
  "[::1]x",
  "[::1",
  "a..com:80",
  "*.1.2.3.4",
  "a.*.com",
  "name/8:80",
  "[::ffff:10.0.0.0/95]",
  "x".repeat(301),
];

describe("invariant 7: malformed entries are refused at grant time, saying what is wrong", () => {
  it("allow entries", () => {
    expect(Object.fromEntries(MALFORMED.map((e) => [e, refusal(e, "allow")])))
      .toMatchInlineSnapshot(`
        {
          "": "NET_BAD_ADDRESS: Network entry "" is not valid: the entry is empty.",
          " a.com:80": "NET_BAD_ADDRESS: Network entry " a.com:80" is not valid: it contains whitespace or control characters.",
          "*.1.2.3.4": "NET_BAD_ADDRESS: Network entry "*.1.2.3.4" is not valid: wildcards apply to names, not addresses.",
          "010.0.0.1:80": "NET_BAD_ADDRESS: Network entry "010.0.0.1:80" is not valid: write the IPv4 address as four decimal numbers without leading zeros (8.0.0.1).",
          "0x7f.0.0.1": "NET_BAD_ADDRESS: Network entry "0x7f.0.0.1" is not valid: write the IPv4 address as four decimal numbers without leading zeros (127.0.0.1).",
          "10.0.0.0/": "NET_BAD_ADDRESS: Network entry "10.0.0.0/" is not valid: the prefix length after / is empty.",
          "10.0.0.0/33": "NET_BAD_ADDRESS: Network entry "10.0.0.0/33" is not valid: prefix length 33 is above 32, the length of the address.",
          "10.0.0.0/8x": "NET_BAD_ADDRESS: Network entry "10.0.0.0/8x" is not valid: prefix length "8x" is not a decimal number.",
          "10.0.0.1.:80": "NET_BAD_ADDRESS: Network entry "10.0.0.1.:80" is not valid: write the IPv4 address as four decimal numbers without leading zeros (10.0.0.1).",
          "10.0.0.1/8": "NET_BAD_ADDRESS: Network entry "10.0.0.1/8" is not valid: the address has bits set beyond its /8 prefix; write 10.0.0.0/8.",
          "127.1:80": "NET_BAD_ADDRESS: Network entry "127.1:80" is not valid: write the IPv4 address as four decimal numbers without leading zeros (127.0.0.1).",
          ":80": "NET_BAD_ADDRESS: Network entry ":80" is not valid: the host is empty.",
          "::1:80": "NET_BAD_ADDRESS: Network entry "::1:80" is not valid: more than one ':'; write an IPv6 address in brackets, [addr]:port or [addr] for any port.",
          "[127.0.0.1]:80": "NET_BAD_ADDRESS: Network entry "[127.0.0.1]:80" is not valid: brackets only enclose IPv6 addresses.",
          "[::1": "NET_BAD_ADDRESS: Network entry "[::1" is not valid: the [ has no matching ].",
          "[::1/129]": "NET_BAD_ADDRESS: Network entry "[::1/129]" is not valid: prefix length 129 is above 128, the length of the address.",
          "[::1]x": "NET_BAD_ADDRESS: Network entry "[::1]x" is not valid: expected :port after ].",
          "[::ffff:10.0.0.0/95]": "NET_BAD_ADDRESS: Network entry "[::ffff:10.0.0.0/95]" is not valid: an IPv4-mapped range needs a prefix length of at least 96.",
          "[fc00::1/7]": "NET_BAD_ADDRESS: Network entry "[fc00::1/7]" is not valid: the address has bits set beyond its /7 prefix; write fc00::/7.",
          "a.*.com": "NET_BAD_ADDRESS: Network entry "a.*.com" is not valid: * is only allowed as the whole leftmost label.",
          "a..com:80": "NET_BAD_ADDRESS: Network entry "a..com:80" is not valid: "a..com" is not a host name or IP address.",
          "a.com	:80": "NET_BAD_ADDRESS: Network entry "a.com :80" is not valid: it contains whitespace or control characters.",
          "a.com:": "NET_BAD_ADDRESS: Network entry "a.com:" is not valid: the port is empty.",
          "a.com:-80": "NET_BAD_ADDRESS: Network entry "a.com:-80" is not valid: the port range "-80" is missing an end.",
          "a.com:0": "NET_BAD_ADDRESS: Network entry "a.com:0" is not valid: port 0 cannot be connected to; ports go from 1 to 65535.",
          "a.com:080": "NET_BAD_ADDRESS: Network entry "a.com:080" is not valid: port "080" is not a decimal number.",
          "a.com:65536": "NET_BAD_ADDRESS: Network entry "a.com:65536" is not valid: port 65536 is above 65535.",
          "a.com:80
        ": "NET_BAD_ADDRESS: Network entry "a.com:80 " is not valid: it contains whitespace or control characters.",
          "a.com:80-": "NET_BAD_ADDRESS: Network entry "a.com:80-" is not valid: the port range "80-" is missing an end.",
          "a.com:80:90": "NET_BAD_ADDRESS: Network entry "a.com:80:90" is not valid: more than one ':'; write an IPv6 address in brackets, [addr]:port or [addr] for any port.",
          "a.com:8x": "NET_BAD_ADDRESS: Network entry "a.com:8x" is not valid: port "8x" is not a decimal number.",
          "a.com:9-1": "NET_BAD_ADDRESS: Network entry "a.com:9-1" is not valid: the port range 9-1 is empty.",
          "a.com:99999999": "NET_BAD_ADDRESS: Network entry "a.com:99999999" is not valid: port 99999999 is above 65535.",
          "name/8:80": "NET_BAD_ADDRESS: Network entry "name/8:80" is not valid: a range (/prefix) needs an IP address, not a name.",
          "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx": "NET_BAD_ADDRESS: Network entry "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...(truncated)" is not valid: longer than 300 characters.",
        }
      `);
  });

  it("deny entries are refused exactly like allow entries (a typo never denies nothing)", () => {
    for (const entry of MALFORMED) expect(refusal(entry, "deny")).toBe(refusal(entry, "allow"));
  });

  it("the full message names the accepted forms", () => {
    expect(() =>
      makeNetPolicy({ allow: [], deny: ["10.0.0.0/8x"] }),
    ).toThrowErrorMatchingInlineSnapshot(
      `[CellError: Network entry "10.0.0.0/8x" is not valid: prefix length "8x" is not a decimal number. Use host:port, *.example.com:443, 10.0.0.0/8:80, [::1]:8080, host:8000-8100 or host:*.]`,
    );
  });

  it("well-formed entries of every kind are accepted", () => {
    for (const entry of [
      "a.com:80",
      "A.Com.:80",
      "a.com",
      "a.com:*",
      "a.com:1-65535",
      "*",
      "*:443",
      "*.example.com:443",
      "10.0.0.0/8:5432",
      "10.0.0.0/8",
      "0.0.0.0/0",
      "203.0.113.7:80",
      "[::1]:8080",
      "[::1]",
      "[fc00::/7]:443",
      "fc00::/7",
      "::/0",
      "[::ffff:10.0.0.0/104]:80",
      "[fe80::1%eth0]:80",
      "localhost:3000",
    ]) {
      expect([entry, refusal(entry, "deny")]).toEqual([entry, "accepted"]);
    }
  });
});

describe("property: a port is accepted if and only if it is a decimal from 1 to 65535", () => {
  const portText = fc.oneof(
    fc.integer({ min: -10, max: 70000 }).map(String),
    fc.stringMatching(/^[0-9x*+.e-]{0,7}$/),
    fc.integer({ min: 1, max: 65535 }).map((n) => `0${n}`),
  );
  /** The oracle: `*`, a port, or a non-empty range of ports, written plainly. */
  const plainPort = (t: string): number | undefined =>
    /^[1-9][0-9]*$/.test(t) && Number(t) <= 65535 ? Number(t) : undefined;
  const valid = (t: string): boolean => {
    if (t === "*") return true;
    const parts = t.split("-");
    if (parts.length === 1) return plainPort(t) !== undefined;
    if (parts.length !== 2) return false;
    const [lo, hi] = parts.map(plainPort);
    return lo !== undefined && hi !== undefined && lo <= hi;
  };
  it("in name, IPv4, range and bracketed IPv6 entries, allow and deny", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(
          "a.example",
          "10.0.0.0/8",
          "203.0.113.7",
          "[::1]",
          "[fc00::/7]",
          "*",
          "localhost",
        ),
        portText,
        fc.constantFrom("allow" as const, "deny" as const),
        (host, port, list) => {
          const out = refusal(`${host}:${port}`, list);
          if (valid(port)) expect(out).toBe("accepted");
          else expect(out).toMatch(/^NET_BAD_ADDRESS: /);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
