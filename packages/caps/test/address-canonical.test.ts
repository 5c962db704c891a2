import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { canonicalizeHost, classifyAddress, hostPort } from "../src/net/address-canonical.js";
import { makeNetPolicy } from "../src/net/address-policy.js";

/** Every inet_aton / WHATWG spelling of the 32-bit IPv4 address `n`. */
const numberSpelling = (value: number, style: number, pad: number): string => {
  if (style === 0) return value.toString(10);
  if (style === 1) return `0${"0".repeat(pad)}${value.toString(8)}`;
  return `${pad % 2 === 0 ? "0x" : "0X"}${"0".repeat(pad)}${value.toString(16)}`;
};
const ipv4Spelling = (n: number): fc.Arbitrary<string> =>
  fc
    .record({
      parts: fc.integer({ min: 1, max: 4 }),
      styles: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 4, maxLength: 4 }),
      pads: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 4, maxLength: 4 }),
      trailingDot: fc.boolean(),
      upper: fc.boolean(),
      wrap: fc.integer({ min: 0, max: 3 }),
    })
    .map(({ parts, styles, pads, trailingDot, upper, wrap }) => {
      const bytes = [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
      const values =
        parts === 1
          ? [n >>> 0]
          : parts === 2
            ? [bytes[0]!, n & 0xffffff]
            : parts === 3
              ? [bytes[0]!, bytes[1]!, n & 0xffff]
              : bytes;
      let s = values.map((v, i) => numberSpelling(v, styles[i]!, pads[i]!)).join(".");
      if (wrap === 1) s = `::ffff:${bytes.join(".")}`;
      if (wrap === 2)
        s = `[0:0:0:0:0:FFFF:${((n >>> 16) & 0xffff).toString(16)}:${(n & 0xffff).toString(16)}]`;
      if (wrap === 3) s = `[::ffff:${bytes.join(".")}]`;
      if (trailingDot && wrap === 0) s += ".";
      return upper ? s.toUpperCase() : s;
    });

/** Spellings of an IPv6 address given as 8 hextets: padding, case, :: at any zero run, brackets, embedded IPv4 tail. */
const ipv6Spelling = (parts: readonly number[]): fc.Arbitrary<string> =>
  fc
    .record({
      pads: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 8, maxLength: 8 }),
      upper: fc.boolean(),
      compress: fc.nat(),
      brackets: fc.boolean(),
      v4tail: fc.boolean(),
    })
    .map(({ pads, upper, compress, brackets, v4tail }) => {
      let groups = parts.map((p, i) =>
        p.toString(16).padStart(Math.min(4, p.toString(16).length + pads[i]!), "0"),
      );
      if (v4tail) {
        const [a, b] = [parts[6]!, parts[7]!];
        groups = [...groups.slice(0, 6), `${a >> 8}.${a & 255}.${b >> 8}.${b & 255}`];
      }
      const zeroRuns: [number, number][] = [];
      for (let i = 0; i < groups.length; i += 1) {
        if (parts[i] !== 0 || (v4tail && i >= 6)) continue;
        let j = i;
        while (j + 1 < groups.length && parts[j + 1] === 0 && !(v4tail && j + 1 >= 6)) j += 1;
        zeroRuns.push([i, j]);
        i = j;
      }
      let text = groups.join(":");
      if (zeroRuns.length > 0 && compress % 2 === 0) {
        const [from, to] = zeroRuns[compress % zeroRuns.length]!;
        text = `${groups.slice(0, from).join(":")}::${groups.slice(to + 1).join(":")}`;
      }
      if (upper) text = text.toUpperCase();
      return brackets ? `[${text}]` : text;
    });

const dotted = (n: number): string =>
  [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");

describe("canonicalizeHost (invariant 1: every IPv4 spelling)", () => {
  it.each([
    ["2130706433", "127.0.0.1"],
    ["0177.0.0.1", "127.0.0.1"],
    ["0x7f.1", "127.0.0.1"],
    ["0X7F.0.0.1", "127.0.0.1"],
    ["127.1", "127.0.0.1"],
    ["127.0.1", "127.0.0.1"],
    ["127.000.000.001", "127.0.0.1"],
    ["127.0.0.1.", "127.0.0.1"],
    ["017700000001", "127.0.0.1"],
    ["0x7f000001", "127.0.0.1"],
    ["::ffff:127.0.0.1", "127.0.0.1"],
    ["[::ffff:7f00:1]", "127.0.0.1"],
    ["0.0.0.0", "0.0.0.0"],
    ["0", "0.0.0.0"],
    ["2852039166", "169.254.169.254"],
    ["0xa9.0xfe.0xa9.0xfe", "169.254.169.254"],
    ["0251.0376.0251.0376", "169.254.169.254"],
    ["169.16689662", "169.254.169.254"],
  ])("%s -> %s", (input, want) => {
    expect(canonicalizeHost(input)).toEqual({ kind: "ipv4", host: want });
  });

  it("any spelling of any IPv4 address canonicalises to its dotted quad (property)", () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 0, max: 0xffffffff })
          .chain((n) => fc.tuple(fc.constant(n), ipv4Spelling(n))),
        ([n, spelling]) => {
          expect(canonicalizeHost(spelling)).toEqual({ kind: "ipv4", host: dotted(n) });
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe("canonicalizeHost: every IPv6 spelling (invariants 3, 4)", () => {
  it.each([
    [[0, 0, 0, 0, 0, 0, 0, 1], "::1"],
    [[0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254], "fd00:ec2::254"],
    [[0, 0, 0, 0, 0, 0xffff, 0x7f00, 1], "127.0.0.1"],
    [[0, 0, 0, 0, 0, 0xffff, 0xa9fe, 0xa9fe], "169.254.169.254"],
    [[0xfe80, 0, 0, 0, 0, 0, 0, 1], "fe80::1"],
  ])("any spelling of %j canonicalises to %s and stays special (property)", (parts, want) => {
    const policy = makeNetPolicy({ allow: ["*", "::/0", "0.0.0.0/0"] });
    fc.assert(
      fc.property(ipv6Spelling(parts), fc.integer({ min: 1, max: 65535 }), (spelling, port) => {
        const h = canonicalizeHost(spelling);
        expect(h.host).toBe(want);
        expect(policy.checkName(h, port)).toMatchObject({ reason: "special" });
      }),
      { numRuns: 200 },
    );
  });
});

describe("canonicalizeHost: IPv6, names, zones", () => {
  it.each([
    ["[::1]", "::1"],
    ["::", "::"],
    ["0:0:0:0:0:0:0:1", "::1"],
    ["FE80::1%ETH0", "fe80::1%eth0"],
    ["2001:DB8:0:0:0:0:0:1", "2001:db8::1"],
    ["fd00:ec2:0::254", "fd00:ec2::254"],
    ["::0.0.0.1", "::1"],
    ["[::127.0.0.1]", "::7f00:1"],
    ["64:ff9b::127.0.0.1", "64:ff9b::7f00:1"],
  ])("%s -> %s", (input, want) => {
    expect(canonicalizeHost(input)).toEqual({ kind: "ipv6", host: want });
  });

  it("::0.0.0.1 is loopback, not IPv4-mapped 0.0.0.1 (parser differential with ipaddr.js)", () => {
    expect(classifyAddress(canonicalizeHost("::0.0.0.1").host)).toBe("loopback");
    expect(() => canonicalizeHost("::ffff:127.1")).toThrow(
      expect.objectContaining({ code: "NET_BAD_ADDRESS" }),
    );
    expect(() => canonicalizeHost("::ffff:0177.0.0.1")).toThrow(
      expect.objectContaining({ code: "NET_BAD_ADDRESS" }),
    );
  });

  it("names are lower-cased, trailing dot dropped, IDNs punycoded", () => {
    expect(canonicalizeHost("API.Example.COM.")).toEqual({ kind: "name", host: "api.example.com" });
    expect(canonicalizeHost("bücher.example")).toEqual({
      kind: "name",
      host: "xn--bcher-kva.example",
    });
    expect(canonicalizeHost("localhost")).toEqual({ kind: "name", host: "localhost" });
  });

  it.each([
    "",
    ".",
    "a..b",
    "1.2.3.256",
    "08.0.0.1",
    "1.2.3.4.5",
    "0x",
    "example.123",
    "[127.0.0.1]",
    "[::1",
    "::1::2",
    "fe80::1%",
    "fe80::1%e/th",
    "::ffff:127.0.0.1%eth0",
    "a b.com",
    "exa_mple-.com-",
    "-lead.com",
    "a".repeat(64) + ".com",
    "a.".repeat(200) + "com",
    "x".repeat(1_000_000),
    "evil.com\u0000.example.com",
    "evil.com/x",
    "user@host",
  ])("rejects %j with NET_BAD_ADDRESS (invariant 2)", (input) => {
    expect(() => canonicalizeHost(input)).toThrow(
      expect.objectContaining({ code: "NET_BAD_ADDRESS" }),
    );
  });

  it("invariant 5: non-strings are rejected without calling toString", () => {
    let called = 0;
    const hostile = {
      toString() {
        called += 1;
        return "127.0.0.1";
      },
    };
    for (const v of [hostile, 2130706433, null, undefined, ["127.0.0.1"], Symbol("x"), 1n]) {
      expect(() => canonicalizeHost(v)).toThrow(
        expect.objectContaining({ code: "NET_BAD_ADDRESS" }),
      );
    }
    expect(called).toBe(0);
  });

  it("error messages bound the echoed input", () => {
    try {
      canonicalizeHost("\n".repeat(10) + "x".repeat(10_000) + ".1");
      expect.unreachable();
    } catch (e) {
      expect((e as Error).message.length).toBeLessThan(200);
      expect((e as Error).message).not.toContain("\n");
    }
  });

  it("invariant 4: canonicalisation is idempotent (property)", () => {
    const hostish = fc.oneof(
      fc.integer({ min: 0, max: 0xffffffff }).chain(ipv4Spelling),
      fc.ipV6(),
      fc.domain(),
      fc.ipV4Extended(),
      fc.string({ maxLength: 30 }),
    );
    fc.assert(
      fc.property(hostish, (h) => {
        let once;
        try {
          once = canonicalizeHost(h);
        } catch {
          return;
        }
        expect(canonicalizeHost(once.host)).toEqual(once);
        expect(canonicalizeHost(hostPort(once.host, 1).slice(0, -2))).toEqual(once);
      }),
      { numRuns: 1000 },
    );
  });
});

describe("classifyAddress (invariant 6)", () => {
  it.each([
    ["127.0.0.1", "loopback"],
    ["127.255.0.9", "loopback"],
    ["::1", "loopback"],
    ["10.1.2.3", "private"],
    ["172.16.0.1", "private"],
    ["192.168.1.1", "private"],
    ["fc00::1", "private"],
    ["fd12::1", "private"],
    ["169.254.1.1", "linkLocal"],
    ["fe80::1%eth0", "linkLocal"],
    ["169.254.169.254", "metadata"],
    ["fd00:ec2::254", "metadata"],
    ["100.100.100.200", "metadata"],
    ["0.0.0.0", "unspecified"],
    ["0.1.2.3", "unspecified"],
    ["::", "unspecified"],
    ["224.0.0.1", "multicast"],
    ["ff02::1", "multicast"],
    ["100.64.0.1", "cgnat"],
    ["255.255.255.255", "broadcast"],
    ["192.0.2.1", "reserved"],
    ["::7f00:1", "reserved"],
    ["64:ff9b::7f00:1", "reserved"],
    ["2002:7f00:1::", "reserved"],
    ["8.8.8.8", "public"],
    ["2606:4700::1111", "public"],
  ])("%s is %s", (ip, cls) => {
    expect(classifyAddress(ip)).toBe(cls);
  });
});

describe("policy over every spelling (address-policy invariants 1, 2, 4)", () => {
  it("every spelling of 127.0.0.1 and 169.254.169.254 is denied under * (property)", () => {
    const policy = makeNetPolicy({ allow: ["*", "*.example.com", "0.0.0.0/0", "::/0"] });
    fc.assert(
      fc.property(
        fc.oneof(ipv4Spelling(0x7f000001), ipv4Spelling(0xa9fea9fe), ipv4Spelling(0x7f123456)),
        fc.integer({ min: 1, max: 65535 }),
        (spelling, port) => {
          const h = canonicalizeHost(spelling);
          expect(policy.checkName(h, port)).toMatchObject({ reason: "special" });
        },
      ),
      { numRuns: 500 },
    );
  });
  it("a denied address stays denied in every spelling (property)", () => {
    const policy = makeNetPolicy({
      allow: ["*", "0.0.0.0/1", "128.0.0.0/1"],
      deny: ["8.8.0.0/16"],
    });
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffff }).chain((low) => ipv4Spelling(0x08080000 + low)),
        (spelling) => {
          expect(policy.checkName(canonicalizeHost(spelling), 53)).toMatchObject({
            reason: "denied",
          });
        },
      ),
      { numRuns: 300 },
    );
  });
});
