// Mutation tests for `address-policy.ts` (issue 16, "tests that bite").
// Each block kills a class of mutants:
// - every refusal of a list or an entry says why (messages pinned), including
//   control characters that are not whitespace (the `hasStray` loop);
// - `isAddressEntry` against the entry forms, stated here;
// - the name `localhost` is resolvable exactly when a `localhost` entry (or a
//   name-level entry) names it at that port, never through an IP or range entry;
// - name and wildcard entries never match an address literal, even an IPv6
//   address whose zone id looks like a name;
// - entries of one kind never cover hosts through another kind's fields (a
//   name deny entry never denies an address; an IPv4 range never meets IPv6).
import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import { canonicalizeHost } from "../src/net/address-canonical.js";
import { isAddressEntry, makeNetPolicy, type NetRefusal } from "../src/net/address-policy.js";

const made = (options: unknown): string => {
  try {
    makeNetPolicy(options as never);
    return "accepted";
  } catch (e) {
    const { code, message } = e as { code: string; message: string };
    return `${code}: ${message.replace(/ Use host:port, .*$/, "")}`;
  }
};
const verdict = (r: NetRefusal | undefined): string =>
  r === undefined ? "allowed" : r.reason === "special" ? `special ${r.addressClass}` : r.reason;

describe("every refusal says why (messages pinned)", () => {
  it("lists and entries", () => {
    const cases: [string, unknown][] = [
      ["allow not an array", { allow: "a" }],
      ["deny not an array", { allow: [], deny: "a" }],
      ["deny an object", { allow: [], deny: {} }],
      ["entry not a string", { allow: [80] }],
      ["NUL", { allow: ["a.com\u0000:80"] }],
      ["US (0x1f)", { allow: ["a.com:80\u001f"] }],
      ["DEL (0x7f)", { allow: ["a\u007f.com:80"] }],
      ["first char control", { allow: ["\u0001a.com"] }],
      ["300 characters", { allow: ["x".repeat(300)] }],
      ["range of a bad address", { allow: ["foo!/8:80"] }],
      ["wildcard of a bad name", { allow: ["*.-bad.com:443"] }],
      ["wildcard of nothing", { allow: ["*.:443"] }],
    ];
    expect(cases.map(([what, options]) => `${what} -> ${made(options)}`)).toMatchInlineSnapshot(
      `
    [
      "allow not an array -> NET_BAD_ADDRESS: allow must be an array of strings.",
      "deny not an array -> NET_BAD_ADDRESS: deny must be an array of strings.",
      "deny an object -> NET_BAD_ADDRESS: deny must be an array of strings.",
      "entry not a string -> NET_BAD_ADDRESS: Network entries must be strings.",
      "NUL -> NET_BAD_ADDRESS: Network entry "a.com :80" is not valid: it contains whitespace or control characters.",
      "US (0x1f) -> NET_BAD_ADDRESS: Network entry "a.com:80 " is not valid: it contains whitespace or control characters.",
      "DEL (0x7f) -> NET_BAD_ADDRESS: Network entry "a .com:80" is not valid: it contains whitespace or control characters.",
      "first char control -> NET_BAD_ADDRESS: Network entry " a.com" is not valid: it contains whitespace or control characters.",
      "300 characters -> NET_BAD_ADDRESS: Network entry "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...(truncated)" is not valid: "xxxxxxxxxxxxxxxxxxxx...(truncated)" is not a host name or IP address.",
      "range of a bad address -> NET_BAD_ADDRESS: Network entry "foo!/8:80" is not valid: "foo!" is not an IP address.",
      "wildcard of a bad name -> NET_BAD_ADDRESS: Network entry "*.-bad.com:443" is not valid: the part after *. is not a host name.",
      "wildcard of nothing -> NET_BAD_ADDRESS: Network entry "*.:443" is not valid: the part after *. is not a host name.",
    ]
  `,
    );
  });

  it("control characters anywhere are refused; space is not a control but is refused too (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0x7f }),
        fc.nat({ max: 10 }),
        fc.constantFrom("allow", "deny"),
        (code, at, list) => {
          const entry = "a.example:80";
          const i = at % (entry.length + 1);
          const bad = `${entry.slice(0, i)}${String.fromCharCode(code)}${entry.slice(i)}`;
          const control = code < 0x20 || code === 0x7f || code === 0x20;
          const out = made(list === "allow" ? { allow: [bad] } : { allow: [], deny: [bad] });
          if (control) expect(out).toMatch(/it contains whitespace or control characters\.$/);
          else expect(out).not.toMatch(/whitespace or control/);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe("isAddressEntry: IP, range and localhost entries are address-level", () => {
  it.each([
    ["10.0.0.0/8:443", true],
    ["10.0.0.1", true],
    ["203.0.113.7:80", true],
    ["[::1]:8080", true],
    ["fc00::/7", true],
    ["[::ffff:10.0.0.0/104]:80", true],
    ["localhost:3000", true],
    ["LOCALHOST.", true],
    ["localhost.example", false],
    ["*.example.com", false],
    ["*", false],
    ["*:443", false],
    ["a.com:80", false],
  ])("%s -> %s", (entry, want) => {
    expect(isAddressEntry(entry)).toBe(want);
  });
  it("malformed entries throw", () => {
    expect(() => isAddressEntry("10.0.0.1/8")).toThrow(
      expect.objectContaining({ code: "NET_BAD_ADDRESS" }),
    );
    expect(() => isAddressEntry(42)).toThrow(expect.objectContaining({ code: "NET_BAD_ADDRESS" }));
  });
});

describe("the name `localhost` is resolvable only through an entry that names it", () => {
  const localhost = canonicalizeHost("localhost");
  it.each([
    [["localhost:3000"], 3000, "allowed"],
    [["localhost:3000"], 3001, "not-allowed"],
    [["localhost"], 1, "allowed"],
    [["127.0.0.1:3000"], 3000, "not-allowed"],
    [["127.0.0.0/8"], 3000, "not-allowed"],
    [["[::1]:3000"], 3000, "not-allowed"],
    [["0.0.0.0/0", "::/0"], 3000, "not-allowed"],
    [["*.localhost"], 3000, "not-allowed"],
    [["localhost.example"], 3000, "not-allowed"],
    [["*"], 3000, "allowed"],
  ])("allow %j at port %i: %s", (allow, port, want) => {
    expect(verdict(makeNetPolicy({ allow }).checkName(localhost, port))).toBe(want);
  });
  it("a localhost entry names no other name", () => {
    const policy = makeNetPolicy({ allow: ["localhost"] });
    for (const name of ["a.localhost", "localhost.example", "local", "example.com"])
      expect(verdict(policy.checkName(canonicalizeHost(name), 80))).toBe("not-allowed");
  });
  it("a localhost deny entry denies the name before it is resolved", () => {
    const policy = makeNetPolicy({ allow: ["*"], deny: ["localhost:80"] });
    expect(policy.checkName(localhost, 80)).toEqual({ reason: "denied", entry: "localhost:80" });
    expect(verdict(policy.checkName(localhost, 81))).toBe("allowed");
    expect(verdict(policy.checkName(canonicalizeHost("a.example"), 80))).toBe("allowed");
  });
});

describe("name-level entries never match an address literal", () => {
  it("an IPv6 zone id that looks like a name is not that name (property)", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("2606:4700::1", "2a00:1450::5", "fe80::1"),
        fc.constantFrom("example.com", "x.example.com", "a.b.example.com"),
        fc.constantFrom("*.example.com", "example.com", "x.example.com", "*.b.example.com"),
        (addr, zoneName, entry) => {
          const host = canonicalizeHost(`${addr}%${zoneName}`);
          expect(host.kind).toBe("ipv6");
          const cls = addr.startsWith("fe80") ? "special linkLocal" : "not-allowed";
          expect(verdict(makeNetPolicy({ allow: [entry] }).checkName(host, 443))).toBe(cls);
          const denying = makeNetPolicy({ allow: ["::/0", "fe80::/10"], deny: [entry] });
          expect(verdict(denying.checkName(host, 443))).toBe("allowed");
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe("an entry covers addresses only through its own kind", () => {
  it("name, wildcard and localhost deny entries never deny another host's address", () => {
    const policy = makeNetPolicy({
      allow: ["*", "10.0.0.0/8"],
      deny: ["evil.example", "*.evil.example", "localhost:81"],
    });
    const good = canonicalizeHost("good.example");
    expect(verdict(policy.checkAddress(good, 80, "8.8.8.8"))).toBe("allowed");
    expect(verdict(policy.checkAddress(good, 80, "2606:4700::1"))).toBe("allowed");
    expect(verdict(policy.checkAddress(good, 80, "10.1.2.3"))).toBe("allowed");
    expect(verdict(policy.checkAddress(good, 81, "127.0.0.1"))).toBe("denied");
    expect(verdict(policy.checkAddress(good, 80, "127.0.0.1"))).toBe("special loopback");
  });
  it("a name entry grants public addresses of that name only, never by its (empty) range", () => {
    const policy = makeNetPolicy({ allow: ["svc.example:443"] });
    const other = canonicalizeHost("other.example");
    expect(verdict(policy.checkAddress(other, 443, "8.8.8.8"))).toBe("not-allowed");
    expect(verdict(policy.checkAddress(other, 443, "::ffff:8.8.8.8"))).toBe("not-allowed");
    const svc = canonicalizeHost("svc.example");
    expect(verdict(policy.checkAddress(svc, 443, "8.8.8.8"))).toBe("allowed");
    expect(verdict(policy.checkAddress(svc, 443, "10.0.0.1"))).toBe("special private");
  });
  it("IPv4 entries never meet IPv6 addresses; IPv6 entries meet IPv4 only through ::ffff:0:0/96 (property)", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("8.8.0.0/16", "0.0.0.0/1", "128.0.0.0/1", "8.8.8.8"),
        fc.constantFrom("2606:4700::1", "::808:808", "64:ff9b::808:808", "2002:808:808::"),
        (entry, ip) => {
          const policy = makeNetPolicy({ allow: [entry] });
          const host = canonicalizeHost(ip);
          const out = verdict(policy.checkAddress(host, 80, host.host));
          expect(out === "not-allowed" || out.startsWith("special")).toBe(true);
          const denying = makeNetPolicy({ allow: ["::/0"], deny: [entry] });
          expect(verdict(denying.checkAddress(host, 80, host.host))).not.toBe("denied");
        },
      ),
      { numRuns: 50 },
    );
    const mapped = makeNetPolicy({ allow: ["[::/80]"] });
    expect(verdict(mapped.checkAddress(canonicalizeHost("8.8.4.4"), 80, "8.8.4.4"))).toBe(
      "allowed",
    );
  });
});

// ---- the module's own tables, read by a freshly loaded module ----------

describe("module-level helpers, in a module loaded inside the test", () => {
  // Loaded again after the test has started, so the top-level regexes, the
  // FORMS text and the `quoted`, `portMatches` and `namesHost` helpers are
  // built while the test runs, not only when the file is first imported.
  it("ports, prefixes, whitespace, messages and matching", async () => {
    vi.resetModules();
    const p = await import("../src/net/address-policy.js");
    const c = await import("../src/net/address-canonical.js");
    const msg = (entry: string): string => {
      try {
        p.makeNetPolicy({ allow: [entry] });
        return "accepted";
      } catch (e) {
        return (e as Error).message;
      }
    };
    expect(
      [
        "a.com:80",
        "a.com:0",
        "a.com:080",
        "a.com:8x",
        "a.com:x8",
        "a.com:65535",
        "a.com:10-20",
        "10.0.0.0/8",
        "10.0.0.0/08",
        "10.0.0.0/8x",
        "a.com:80\u2003",
        "a.com:123456789012345678901234567890x",
      ].map((e) => `${e} -> ${msg(e)}`),
    ).toEqual([
      "a.com:80 -> accepted",
      'a.com:0 -> Network entry "a.com:0" is not valid: port 0 cannot be connected to; ports go from 1 to 65535. Use host:port, *.example.com:443, 10.0.0.0/8:80, [::1]:8080, host:8000-8100 or host:*.',
      'a.com:080 -> Network entry "a.com:080" is not valid: port "080" is not a decimal number. Use host:port, *.example.com:443, 10.0.0.0/8:80, [::1]:8080, host:8000-8100 or host:*.',
      'a.com:8x -> Network entry "a.com:8x" is not valid: port "8x" is not a decimal number. Use host:port, *.example.com:443, 10.0.0.0/8:80, [::1]:8080, host:8000-8100 or host:*.',
      'a.com:x8 -> Network entry "a.com:x8" is not valid: port "x8" is not a decimal number. Use host:port, *.example.com:443, 10.0.0.0/8:80, [::1]:8080, host:8000-8100 or host:*.',
      "a.com:65535 -> accepted",
      "a.com:10-20 -> accepted",
      "10.0.0.0/8 -> accepted",
      '10.0.0.0/08 -> Network entry "10.0.0.0/08" is not valid: prefix length "08" is not a decimal number. Use host:port, *.example.com:443, 10.0.0.0/8:80, [::1]:8080, host:8000-8100 or host:*.',
      '10.0.0.0/8x -> Network entry "10.0.0.0/8x" is not valid: prefix length "8x" is not a decimal number. Use host:port, *.example.com:443, 10.0.0.0/8:80, [::1]:8080, host:8000-8100 or host:*.',
      'a.com:80\u2003 -> Network entry "a.com:80\u2003" is not valid: it contains whitespace or control characters. Use host:port, *.example.com:443, 10.0.0.0/8:80, [::1]:8080, host:8000-8100 or host:*.',
      'a.com:123456789012345678901234567890x -> Network entry "a.com:123456789012345678901234567890x" is not valid: port "12345678901234567890...(truncated)" is not a decimal number. Use host:port, *.example.com:443, 10.0.0.0/8:80, [::1]:8080, host:8000-8100 or host:*.',
    ]);
    const policy = p.makeNetPolicy({
      allow: ["a.example:80", "*.w.example:443", "localhost:3000"],
      deny: ["bad.w.example"],
    });
    const name = (h: string) => c.canonicalizeHost(h);
    expect(
      [
        policy.checkName(name("a.example"), 80),
        policy.checkName(name("a.example"), 81),
        policy.checkName(name("x.w.example"), 443),
        policy.checkName(name("bad.w.example"), 443),
        policy.checkName(name("localhost"), 3000),
        policy.checkName(name("localhost"), 80),
        policy.checkName(name("b.example"), 80),
      ].map(verdict),
    ).toEqual([
      "allowed",
      "not-allowed",
      "allowed",
      "denied",
      "allowed",
      "not-allowed",
      "not-allowed",
    ]);
  });
});
