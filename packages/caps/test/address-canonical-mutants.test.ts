// Mutation tests for `address-canonical.ts` (issue 16, "tests that bite").
// Each block kills a class of mutants, against an oracle written here from
// the rules (RFC 1035 labels, RFC 6874 zone ids, RFC 5952 text, inet_pton's
// embedded IPv4 tail), never from the code's own regexes or tables:
// - every refusal's message is pinned (a swapped or emptied reason fails);
// - the length limits, at their exact boundaries;
// - the name/number split and the label rule (anchors, lengths, character
//   classes of NAME_LABEL / NUMERIC_LABEL);
// - the zone id rule (ZONE);
// - the embedded IPv4 tail of an IPv6 address;
// - IPv4-mapped addresses classify as the IPv4 address they reach, and every
//   metadata endpoint is `metadata` in every spelling.
import fc from "fast-check";
import { domainToASCII } from "node:url";
import { describe, expect, it, vi } from "vitest";
import {
  canonicalizeHost,
  classifyAddress,
  quoteForMessage,
} from "../src/net/address-canonical.js";

const outcome = (input: unknown): string => {
  try {
    const h = canonicalizeHost(input);
    return `${h.kind} ${h.host}`;
  } catch (e) {
    const { code, message } = e as { code: string; message: string };
    return `${code}: ${message}`;
  }
};

/** A long IDN whose text fits the input limit but whose punycode does not. */
const CJK = Array.from({ length: 20 }, (_, i) => String.fromCodePoint(0x4e00 + i * 997)).join("");
const LONG_IDN = [CJK, CJK, CJK, CJK].join(".");

describe("every refusal says why (messages pinned)", () => {
  it("one input per reason", () => {
    const inputs: unknown[] = [
      42,
      "",
      ".",
      "0".repeat(255) + "1",
      "[::1",
      "[127.0.0.1]",
      "[example.com]",
      "fe80::1%",
      "::ffff:127.1",
      "::1::2",
      "::ffff:127.0.0.1%eth0",
      "1.2.3.256",
      "xn--zz.\u00e9",
      "xn--zz.a~",
      "a~b.com",
      `${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(62)}`,
      LONG_IDN,
    ];
    const label = (i: unknown): string =>
      typeof i === "string" && i.length > 24 ? `${i.slice(0, 8)}...(${i.length})` : String(i);
    expect(inputs.map((i) => `${label(i)} -> ${outcome(i)}`)).toMatchInlineSnapshot(
      `
    [
      "42 -> NET_BAD_ADDRESS: Host must be a string, got number.",
      " -> NET_BAD_ADDRESS: Host "" is not valid: empty.",
      ". -> NET_BAD_ADDRESS: Host "." is not valid: empty.",
      "00000000...(256) -> NET_BAD_ADDRESS: Host "00000000000000000000000000000000000000000000000000000000000000000000000000000000...(truncated)" is not valid: longer than 253 characters.",
      "[::1 -> NET_BAD_ADDRESS: Host "[::1" is not valid: unbalanced brackets.",
      "[127.0.0.1] -> NET_BAD_ADDRESS: Host "[127.0.0.1]" is not valid: brackets only enclose IPv6 addresses.",
      "[example.com] -> NET_BAD_ADDRESS: Host "[example.com]" is not valid: brackets only enclose IPv6 addresses.",
      "fe80::1% -> NET_BAD_ADDRESS: Host "fe80::1%" is not valid: malformed IPv6 zone id.",
      "::ffff:127.1 -> NET_BAD_ADDRESS: Host "::ffff:127.1" is not valid: malformed IPv4 part in IPv6 address.",
      "::1::2 -> NET_BAD_ADDRESS: Host "::1::2" is not valid: not an IPv6 address.",
      "::ffff:127.0.0.1%eth0 -> NET_BAD_ADDRESS: Host "::ffff:127.0.0.1%eth0" is not valid: an IPv4-mapped address cannot have a zone id.",
      "1.2.3.256 -> NET_BAD_ADDRESS: Host "1.2.3.256" is not valid: malformed IPv4 address.",
      "xn--zz.é -> NET_BAD_ADDRESS: Host "xn--zz.é" is not valid: not a valid internationalised domain name.",
      "xn--zz.a~ -> NET_BAD_ADDRESS: Host "xn--zz.a~" is not valid: not a host name or IP address.",
      "a~b.com -> NET_BAD_ADDRESS: Host "a~b.com" is not valid: not a host name or IP address.",
      "aaaaaaaa...(254) -> NET_BAD_ADDRESS: Host "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.bbbbbbbbbbbbbbbb...(truncated)" is not valid: longer than 253 characters.",
      "一凥嗊妯嶔慹敞楃...(83) -> NET_BAD_ADDRESS: Host "一凥嗊妯嶔慹敞楃洨焍瓲磗粼股蒆衫豐逵鐚響.一凥嗊妯嶔慹敞楃洨焍瓲磗粼股蒆衫豐逵鐚響.一凥嗊妯嶔慹敞楃洨焍瓲磗粼股蒆衫豐逵鐚響.一凥嗊妯嶔慹敞楃洨焍瓲磗粼股蒆衫豐...(truncated)" is not valid: longer than 253 characters.",
    ]
  `,
    );
  });

  it("the long IDN is within the input limit and beyond it once punycoded", () => {
    expect(LONG_IDN.length).toBeLessThanOrEqual(255);
    expect(domainToASCII(LONG_IDN).length).toBeGreaterThan(253);
  });
});

describe("length limits at their boundaries", () => {
  const name = (n: number): string => {
    // Labels of 63, joined by dots, cut to n characters (never ending in a dot).
    const s = Array.from({ length: 5 }, () => "a".repeat(63))
      .join(".")
      .slice(0, n);
    return s.endsWith(".") ? `${s.slice(0, -2)}bb` : s;
  };
  it("a 253-character name is accepted, 254 refused; a trailing dot is not counted", () => {
    expect(name(253).length).toBe(253);
    expect(outcome(name(253))).toBe(`name ${name(253)}`);
    expect(outcome(`${name(253)}.`)).toBe(`name ${name(253)}`);
    expect(outcome(name(254))).toMatch(/longer than 253 characters/);
    expect(outcome(`${name(254)}.`)).toMatch(/longer than 253 characters/);
  });
  it("any host text up to 255 characters is parsed; 256 is refused before parsing", () => {
    // inet_aton reads any number of leading zeros: 255 characters still spell 0.0.0.1.
    expect(outcome("0".repeat(254) + "1")).toBe("ipv4 0.0.0.1");
    expect(outcome("0".repeat(255) + "1")).toMatch(/longer than 253 characters/);
  });
});

// ---- names and numbers ------------------------------------------------

const LABEL_CHARS = ["a", "z", "A", "0", "9", "x", "f", "g", "_", "-", "~", "!"];
const labelArb = fc.oneof(
  fc.array(fc.constantFrom(...LABEL_CHARS), { maxLength: 6 }).map((cs) => cs.join("")),
  fc
    .tuple(fc.constantFrom(...LABEL_CHARS), fc.integer({ min: 60, max: 66 }))
    .map(([c, n]) => `a${c.repeat(n - 2)}b`),
  fc.constantFrom("0x", "0x1f", "0xg", "12", "012", "1a", "a1", "0xx"),
);

/** RFC 1035 (with `_`): 1 to 63 of [a-z0-9_-], not starting or ending with `-`. */
const goodLabel = (l: string): boolean => {
  if (l.length < 1 || l.length > 63) return false;
  for (const ch of l) if (!"abcdefghijklmnopqrstuvwxyz0123456789_-".includes(ch)) return false;
  return l[0] !== "-" && l[l.length - 1] !== "-";
};
/** A label that makes the host a number: all decimal digits, or 0x and hex digits. */
const numericLabel = (l: string): boolean => {
  const digits = (s: string, set: string) => [...s].every((c) => set.includes(c));
  if (l.startsWith("0x")) return digits(l.slice(2), "0123456789abcdef");
  return l.length > 0 && digits(l, "0123456789");
};

describe("names and numbers (NAME_LABEL, NUMERIC_LABEL)", () => {
  it("a host is a name iff every label is a good label and the last is not a number (property)", () => {
    fc.assert(
      fc.property(fc.array(labelArb, { minLength: 1, maxLength: 4 }), fc.boolean(), (ls, dot) => {
        const input = ls.join(".") + (dot ? "." : "");
        const lower = input.toLowerCase();
        const text = lower.endsWith(".") ? lower.slice(0, -1) : lower;
        const labels = text.split(".");
        const got = outcome(input);
        if (text === "" || input.length > 255) {
          expect(got).toMatch(/^NET_BAD_ADDRESS: /);
        } else if (numericLabel(labels[labels.length - 1]!)) {
          // Invariant 2: never a name; a dotted quad if it parses at all.
          expect(got).toMatch(
            /^(ipv4 \d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}|NET_BAD_ADDRESS: Host .* is not valid: malformed IPv4 address\.)$/,
          );
        } else if (labels.every(goodLabel) && text.length <= 253) {
          expect({ input, got }).toEqual({ input, got: `name ${text}` });
        } else {
          expect({ input, got }).toEqual({
            input,
            got: expect.stringMatching(/^NET_BAD_ADDRESS: /),
          });
        }
      }),
      { numRuns: 3000 },
    );
  });

  it.each([
    ["0x", "NET_BAD_ADDRESS"],
    ["a.12", "NET_BAD_ADDRESS"],
    ["1.0x1f", "ipv4"],
    ["a.0x1f", "NET_BAD_ADDRESS"],
    ["a.0xg", "name"],
    ["a.1a", "name"],
    ["a.a1", "name"],
    ["a.12x", "name"],
    ["x0x1", "name"],
    ["a.b", "name"],
    ["a-.b", "NET_BAD_ADDRESS"],
    ["-a.b", "NET_BAD_ADDRESS"],
    ["a!.b", "NET_BAD_ADDRESS"],
    ["!a.b", "NET_BAD_ADDRESS"],
    ["_a_.b", "name"],
    ["ab.b", "name"],
    ["a-b.c", "name"],
    ["a!b.c", "NET_BAD_ADDRESS"],
  ])("%s is %s", (input, want) => {
    expect(outcome(input).split(/[ :]/)[0]).toBe(want);
  });
});

describe("zone ids (ZONE): 1 to 32 of [a-z0-9_.-], compared lower case", () => {
  const zoneChars = ["a", "Z", "9", "_", ".", "-", "%", "/", "~", ":"];
  it("accepted iff the zone follows the rule (property)", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.array(fc.constantFrom(...zoneChars), { maxLength: 6 }).map((c) => c.join("")),
          fc
            .tuple(fc.constantFrom(...zoneChars), fc.integer({ min: 30, max: 34 }))
            .map(([c, n]) => `a${c.repeat(n - 1)}`),
        ),
        (zone) => {
          const z = zone.toLowerCase();
          const ok =
            z.length >= 1 &&
            z.length <= 32 &&
            [...z].every((c) => "abcdefghijklmnopqrstuvwxyz0123456789_.-".includes(c));
          const got = outcome(`fe80::1%${zone}`);
          if (ok) expect({ zone, got }).toEqual({ zone, got: `ipv6 fe80::1%${z}` });
          else expect({ zone, got }).toEqual({ zone, got: expect.stringMatching(/zone id\.$/) });
        },
      ),
      { numRuns: 1000 },
    );
  });
});

// ---- embedded IPv4 tail -------------------------------------------------

/** RFC 5952 text of 8 groups: the longest run (>= 2, first on a tie) of zeros is `::`. */
const rfc5952 = (gs: readonly number[]): string => {
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; i += 1) {
    let j = i;
    while (j < 8 && gs[j] === 0) j += 1;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
  }
  const hex = gs.map((g) => g.toString(16));
  if (best === -1) return hex.join(":");
  return `${hex.slice(0, best).join(":")}::${hex.slice(best + bestLen).join(":")}`;
};

describe("an embedded IPv4 tail is read as two hex groups (as inet_pton does)", () => {
  it("x:x:x:x:x:x:a.b.c.d canonicalises like its all-hex spelling (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(0, 1, 0xffff, 0x2001, 0xdb8, 0x64), {
          minLength: 6,
          maxLength: 6,
        }),
        fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 4, maxLength: 4 }),
        (head, [a, b, c, d]) => {
          const groups = [...head, (a! << 8) + b!, (c! << 8) + d!];
          const got = outcome(`${head.map((g) => g.toString(16)).join(":")}:${a}.${b}.${c}.${d}`);
          const mapped = head.slice(0, 5).every((g) => g === 0) && head[5] === 0xffff;
          expect(got).toBe(mapped ? `ipv4 ${a}.${b}.${c}.${d}` : `ipv6 ${rfc5952(groups)}`);
        },
      ),
      { numRuns: 1000 },
    );
  });
});

// ---- classification ------------------------------------------------------

const dotted = (n: number): string =>
  [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");

describe("classification of IPv4-mapped addresses and metadata endpoints", () => {
  it("::ffff:a.b.c.d (any text) classifies as a.b.c.d (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (n) => {
        const hi = (n >>> 16).toString(16);
        const lo = (n & 0xffff).toString(16);
        const want = classifyAddress(dotted(n));
        expect([
          classifyAddress(`::ffff:${dotted(n)}`),
          classifyAddress(`::ffff:${hi}:${lo}`),
        ]).toEqual([want, want]);
      }),
      { numRuns: 500 },
    );
  });

  it.each([
    "169.254.169.254",
    "169.254.170.2",
    "100.100.100.200",
    "192.0.0.192",
    "::ffff:169.254.169.254",
    "::ffff:a9fe:aa02",
    "::ffff:100.100.100.200",
    "::ffff:c000:c0",
    "fd00:ec2::254",
    "fd00:ec2:0:0:0:0:0:254",
  ])("%s is metadata", (ip) => {
    expect(classifyAddress(ip)).toBe("metadata");
  });

  it.each([
    ["169.254.169.253", "linkLocal"],
    ["169.254.170.3", "linkLocal"],
    ["100.100.100.201", "cgnat"],
    ["192.0.0.193", "reserved"],
    ["fd00:ec2::255", "private"],
    ["172.16.0.0", "private"],
    ["::ffff:10.0.0.1", "private"],
    ["::ffff:127.0.0.1", "loopback"],
    ["::ffff:8.8.8.8", "public"],
    ["fe80::1", "linkLocal"],
    ["ff02::1", "multicast"],
    ["::", "unspecified"],
    ["::1", "loopback"],
    ["fc00::1", "private"],
  ])("%s is %s", (ip, cls) => {
    expect(classifyAddress(ip)).toBe(cls);
  });
});

// ---- the module's own tables, read by a freshly loaded module ----------

describe("module-level tables and helpers, in a module loaded inside the test", () => {
  // The module is loaded again here, after the test has started, so its
  // top-level tables (regexes, class and metadata tables, the captured
  // `test` helper) are built while the test runs, not only when the file is
  // first imported.
  it("classes, metadata, names, numbers and zones", async () => {
    vi.resetModules();
    const m = await import("../src/net/address-canonical.js");
    const out = (input: string): string => {
      try {
        const h = m.canonicalizeHost(input);
        return `${h.kind} ${h.host}`;
      } catch (e) {
        return (e as { code: string }).code;
      }
    };
    expect(
      [
        "8.8.8.8",
        "127.0.0.1",
        "10.0.0.1",
        "169.254.1.1",
        "0.0.0.0",
        "224.0.0.1",
        "100.64.0.1",
        "255.255.255.255",
        "192.0.2.1",
        "2606:4700::1",
        "::1",
        "fc00::1",
        "fe80::1",
        "::",
        "ff02::1",
        "2001:db8::1",
        "169.254.169.254",
        "169.254.170.2",
        "100.100.100.200",
        "192.0.0.192",
        "fd00:ec2::254",
      ].map((ip) => `${ip} ${m.classifyAddress(ip)}`),
    ).toEqual([
      "8.8.8.8 public",
      "127.0.0.1 loopback",
      "10.0.0.1 private",
      "169.254.1.1 linkLocal",
      "0.0.0.0 unspecified",
      "224.0.0.1 multicast",
      "100.64.0.1 cgnat",
      "255.255.255.255 broadcast",
      "192.0.2.1 reserved",
      "2606:4700::1 public",
      "::1 loopback",
      "fc00::1 private",
      "fe80::1 linkLocal",
      ":: unspecified",
      "ff02::1 multicast",
      "2001:db8::1 reserved",
      "169.254.169.254 metadata",
      "169.254.170.2 metadata",
      "100.100.100.200 metadata",
      "192.0.0.192 metadata",
      "fd00:ec2::254 metadata",
    ]);
    expect(
      [
        "a.b",
        "ab.b",
        "_a_.b",
        "a-b.c",
        "a-.b",
        "-a.b",
        "a!.b",
        "!a.b",
        "a!b.c",
        `${"a".repeat(63)}.b`,
        `${"a".repeat(64)}.b`,
        "0x",
        "a.12",
        "1.0x1f",
        "a.0xg",
        "a.1a",
        "a.a1",
        "a.12x",
        "x0x1",
        "fe80::1%eth0",
        "fe80::1%~eth0",
        "fe80::1%eth0~",
        `fe80::1%${"e".repeat(32)}`,
        `fe80::1%${"e".repeat(33)}`,
        "::ffff:127.0.0.1",
      ].map((h) => `${h.length > 30 ? h.length : h} ${out(h)}`),
    ).toEqual([
      "a.b name a.b",
      "ab.b name ab.b",
      "_a_.b name _a_.b",
      "a-b.c name a-b.c",
      "a-.b NET_BAD_ADDRESS",
      "-a.b NET_BAD_ADDRESS",
      "a!.b NET_BAD_ADDRESS",
      "!a.b NET_BAD_ADDRESS",
      "a!b.c NET_BAD_ADDRESS",
      `65 name ${"a".repeat(63)}.b`,
      "66 NET_BAD_ADDRESS",
      "0x NET_BAD_ADDRESS",
      "a.12 NET_BAD_ADDRESS",
      "1.0x1f ipv4 1.0.0.31",
      "a.0xg name a.0xg",
      "a.1a name a.1a",
      "a.a1 name a.a1",
      "a.12x name a.12x",
      "x0x1 name x0x1",
      "fe80::1%eth0 ipv6 fe80::1%eth0",
      "fe80::1%~eth0 NET_BAD_ADDRESS",
      "fe80::1%eth0~ NET_BAD_ADDRESS",
      `40 ipv6 fe80::1%${"e".repeat(32)}`,
      "41 NET_BAD_ADDRESS",
      "::ffff:127.0.0.1 ipv4 127.0.0.1",
    ]);
  });
});

// ---- quoting cell text in messages ---------------------------------------

describe("quoteForMessage: bounded, controls blanked, a cut is marked only when made", () => {
  const chars = ["a", "~", " ", "\u0000", "\n", "\u001f", "\u007f", "\u0080", "é"];
  it("equals slice + blank controls + mark (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...chars), { maxLength: 100 }).map((cs) => cs.join("")),
        fc.option(fc.integer({ min: 0, max: 90 }), { nil: undefined }),
        (s, max) => {
          const m = max ?? 80;
          const want =
            [...s.slice(0, m)].map((ch) => (ch < " " || ch === "\u007f" ? " " : ch)).join("") +
            (s.length > m ? "...(truncated)" : "");
          expect(max === undefined ? quoteForMessage(s) : quoteForMessage(s, max)).toBe(want);
        },
      ),
      { numRuns: 1000 },
    );
  });
  it("at the default bound of 80", () => {
    expect(quoteForMessage("x".repeat(80))).toBe("x".repeat(80));
    expect(quoteForMessage("x".repeat(81))).toBe(`${"x".repeat(80)}...(truncated)`);
    expect(quoteForMessage("\u001f\u0020\u007e\u007f")).toBe("  ~ ");
  });
});
