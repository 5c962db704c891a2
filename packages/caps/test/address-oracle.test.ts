// Address checks against an independent oracle (issue 16 §2). Addresses are
// generated as numbers inside ranges whose class the test states itself, then
// spelled every way a cell may spell them (IPv4 forms, IPv6 full and
// compressed, IPv4-mapped, brackets); entries are generated as numbers and
// rendered as text. The oracle decides "allowed" or "refused" by arithmetic
// on 128-bit numbers (IPv4 lives in ::ffff:0:0/96), never by reading the
// policy's own records. Classes of mutants this kills: the port check of an
// entry, an IPv6 single address widened to a range, IPv6 vs IPv4 entries, the
// bracketed IPv6 port, and "no entry allows this public address".
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalizeHost } from "../src/net/address-canonical.js";
import { makeNetPolicy, type NetRefusal } from "../src/net/address-policy.js";
import { resolveChecked } from "../src/net/address-resolve.js";
import { parseCellUrl, parseUrlPrefix, urlMatchesPrefix } from "../src/http/http-url-allow.js";

const MAPPED = 0xffffn << 32n; // ::ffff:0:0
const MASK128 = (1n << 128n) - 1n;

/** A range whose class the test states (chosen to contain no other special range). */
interface Range {
  readonly v4: boolean;
  /** Network in the 128-bit space (IPv4 mapped). */
  readonly net: bigint;
  /** Prefix in the 128-bit space. */
  readonly prefix: number;
  readonly special: boolean;
}
const v4 = (a: number, b: number, c: number, d: number): bigint =>
  MAPPED | BigInt(((a << 24) | (b << 16) | (c << 8) | d) >>> 0);
const v6 = (text: string): bigint => {
  const [head, tail = ""] = text.split("::");
  const h = head === "" ? [] : (head ?? "").split(":");
  const t = tail === "" ? [] : tail.split(":");
  const groups = [...h, ...Array<string>(8 - h.length - t.length).fill("0"), ...t];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(`0x${g}`), 0n);
};
const RANGES: readonly Range[] = [
  { v4: true, net: v4(8, 8, 0, 0), prefix: 96 + 16, special: false },
  { v4: true, net: v4(93, 184, 0, 0), prefix: 96 + 16, special: false },
  { v4: true, net: v4(127, 0, 0, 0), prefix: 96 + 8, special: true },
  { v4: true, net: v4(10, 0, 0, 0), prefix: 96 + 8, special: true },
  { v4: true, net: v4(192, 168, 0, 0), prefix: 96 + 16, special: true },
  { v4: true, net: v4(169, 254, 0, 0), prefix: 96 + 17, special: true },
  { v4: true, net: v4(169, 254, 169, 254), prefix: 128, special: true },
  { v4: true, net: v4(100, 64, 0, 0), prefix: 96 + 12, special: true },
  { v4: true, net: v4(0, 0, 0, 0), prefix: 96 + 8, special: true },
  { v4: true, net: v4(224, 0, 0, 0), prefix: 96 + 4, special: true },
  { v4: false, net: v6("2606:4700::"), prefix: 32, special: false },
  { v4: false, net: v6("2a00:1450::"), prefix: 32, special: false },
  { v4: false, net: v6("::1"), prefix: 128, special: true },
  { v4: false, net: v6("fe80::"), prefix: 10, special: true },
  { v4: false, net: v6("fc00::"), prefix: 8, special: true },
  { v4: false, net: v6("ff00::"), prefix: 8, special: true },
  { v4: false, net: v6("2001:db8::"), prefix: 32, special: true },
];

const bits = (n: number): bigint =>
  n >= 128 ? MASK128 : ((1n << BigInt(n)) - 1n) << BigInt(128 - n);
const within = (addr: bigint, net: bigint, prefix: number): boolean =>
  (addr & bits(prefix)) === (net & bits(prefix));
const rangeOf = (addr: bigint): Range => {
  const r = RANGES.find((x) => within(addr, x.net, x.prefix) && x.prefix === 128);
  return r ?? (RANGES.find((x) => within(addr, x.net, x.prefix)) as Range);
};

/** An address: a random point of a range (the rest of the bits random). */
const addressIn = (r: Range): fc.Arbitrary<bigint> =>
  fc
    .bigInt({ min: 0n, max: MASK128 })
    .map((noise) => (r.net & bits(r.prefix)) | (noise & ~bits(r.prefix) & MASK128));
const addressArb = fc.constantFrom(...RANGES).chain(addressIn);

// ---- spellings ---------------------------------------------------------

const octets = (a: bigint): number[] => {
  const n = Number(a & 0xffffffffn);
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
};
const groups = (a: bigint): number[] =>
  Array.from({ length: 8 }, (_, i) => Number((a >> BigInt(112 - 16 * i)) & 0xffffn));
const compress = (gs: number[]): string => {
  // Longest run of zero groups (length >= 2) becomes "::".
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    let j = i;
    while (j < 8 && gs[j] === 0) j += 1;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  const hex = gs.map((g) => g.toString(16));
  if (best === -1) return hex.join(":");
  return `${hex.slice(0, best).join(":")}::${hex.slice(best + bestLen).join(":")}`;
};
const randomCase = (s: string, upper: boolean): string => (upper ? s.toUpperCase() : s);

/** Every spelling a cell could use for the address (a host, not a URL). */
const spellings = (a: bigint, v4addr: boolean): string[] => {
  if (!v4addr) {
    const gs = groups(a);
    const full = gs.map((g) => g.toString(16).padStart(4, "0")).join(":");
    return [full, compress(gs), `[${compress(gs)}]`, randomCase(full, true)];
  }
  const [o1, o2, o3, o4] = octets(a) as [number, number, number, number];
  const u = ((o1 << 24) | (o2 << 16) | (o3 << 8) | o4) >>> 0;
  const hi = ((o1 << 8) | o2).toString(16);
  const lo = ((o3 << 8) | o4).toString(16);
  return [
    `${o1}.${o2}.${o3}.${o4}`,
    `${u}`,
    `0x${u.toString(16)}`,
    [o1, o2, o3, o4].map((o) => `0${o.toString(8)}`).join("."),
    [o1, o2, o3, o4].map((o) => `0x${o.toString(16)}`).join("."),
    `${o1}.${o2}.${(o3 << 8) | o4}`,
    `${o1}.${(o2 << 16) | (o3 << 8) | o4}`,
    `${o1}.${o2}.${o3}.${o4}.`,
    `::ffff:${o1}.${o2}.${o3}.${o4}`,
    `[::FFFF:${hi}:${lo}]`,
    `0:0:0:0:0:ffff:${hi}:${lo}`,
  ];
};

// ---- entries -----------------------------------------------------------

interface Ports {
  readonly lo: number;
  readonly hi: number;
  readonly text: string | undefined;
}
const PORTS = [80, 443, 5432, 8080];
const portsArb: fc.Arbitrary<Ports> = fc.oneof(
  fc.constant({ lo: 1, hi: 65535, text: undefined }),
  fc.constant({ lo: 1, hi: 65535, text: "*" }),
  fc.constantFrom(...PORTS).map((p) => ({ lo: p, hi: p, text: `${p}` })),
  fc
    .tuple(fc.constantFrom(...PORTS), fc.integer({ min: 0, max: 400 }))
    .map(([p, w]) => ({ lo: p, hi: p + w, text: `${p}-${p + w}` })),
);

interface AddrEntry {
  readonly kind: "addr";
  readonly net: bigint; // 128-bit space
  readonly prefix: number; // 128-bit space
  readonly familyPrefix: number; // as the policy reads it (IPv4: 0..32)
  readonly ports: Ports;
  readonly text: string;
}
interface OtherEntry {
  readonly kind: "any" | "localhost";
  readonly ports: Ports;
  readonly text: string;
}
type Entry = AddrEntry | OtherEntry;

const withPort = (host: string, ports: Ports, bracket: boolean): string =>
  ports.text === undefined
    ? bracket
      ? `[${host}]`
      : host
    : `${bracket ? `[${host}]` : host}:${ports.text}`;

/** An address entry around a generated address: a single address or a range. */
const addrEntryArb: fc.Arbitrary<Entry> = fc
  .tuple(addressArb, fc.integer({ min: 0, max: 128 }), portsArb, fc.boolean(), fc.boolean())
  .map(([addr, rawPrefix, ports, single, mappedForm]): Entry => {
    const isV4 = within(addr, MAPPED, 96);
    const prefix = single ? 128 : isV4 ? Math.max(96, rawPrefix) : rawPrefix;
    const net = addr & bits(prefix);
    if (isV4 && !mappedForm) {
      const [a, b, c, d] = octets(net);
      const p = prefix - 96;
      const host =
        single && rawPrefix % 2 === 0 ? `${a}.${b}.${c}.${d}` : `${a}.${b}.${c}.${d}/${p}`;
      return {
        kind: "addr",
        net,
        prefix,
        familyPrefix: p,
        ports,
        text: withPort(host, ports, false),
      };
    }
    if (isV4) {
      const [a, b, c, d] = octets(net);
      const host = `::ffff:${a}.${b}.${c}.${d}/${prefix}`;
      return {
        kind: "addr",
        net,
        prefix,
        familyPrefix: prefix - 96,
        ports,
        text: withPort(host, ports, true),
      };
    }
    const host =
      single && rawPrefix % 2 === 0 ? compress(groups(net)) : `${compress(groups(net))}/${prefix}`;
    return {
      kind: "addr",
      net,
      prefix,
      familyPrefix: prefix,
      ports,
      text: withPort(host, ports, true),
    };
  });
const entryArb: fc.Arbitrary<Entry> = fc.oneof(
  { weight: 6, arbitrary: addrEntryArb },
  {
    weight: 1,
    arbitrary: portsArb.map((ports): Entry => ({
      kind: "any",
      ports,
      text: withPort("*", ports, false),
    })),
  },
  {
    weight: 1,
    arbitrary: portsArb.map((ports): Entry => ({
      kind: "localhost",
      ports,
      text: withPort("localhost", ports, false),
    })),
  },
);

// ---- the oracle --------------------------------------------------------

const LOOPBACK = (a: bigint): boolean => a === v6("::1") || within(a, v4(127, 0, 0, 0), 104);
const portIn = (e: Entry, port: number): boolean => port >= e.ports.lo && port <= e.ports.hi;
const covers = (e: Entry, a: bigint): boolean =>
  e.kind === "addr" ? within(a, e.net, e.prefix) : e.kind === "any" || LOOPBACK(a);

/** What a literal-address connection should get, from the numbers alone. */
const oracle = (allow: Entry[], deny: Entry[], a: bigint, port: number): string => {
  // Which of several matching deny entries is named is not part of the contract.
  if (deny.some((e) => portIn(e, port) && covers(e, a))) return "denied";
  const special = rangeOf(a).special;
  const granted = allow.some(
    (e) =>
      portIn(e, port) &&
      covers(e, a) &&
      // `*` and /0 grant public addresses only; any other address entry grants what it covers.
      (e.kind === "localhost" || (e.kind === "addr" && e.familyPrefix > 0) || !special),
  );
  if (granted) return "allowed";
  return special ? "special" : "not-allowed";
};
const verdict = (r: NetRefusal | undefined): string => (r === undefined ? "allowed" : r.reason);
/** The deny entry a refusal names must be one that matches. */
const namesMatchingDeny = (r: NetRefusal | undefined, deny: Entry[], a: bigint, port: number) =>
  r?.reason !== "denied" || deny.some((e) => e.text === r.entry && portIn(e, port) && covers(e, a));

describe("literal addresses: allowed and refused exactly as the oracle says", () => {
  it("every spelling, IPv4 and IPv6 entries, single addresses and ranges, ports", () => {
    fc.assert(
      fc.property(
        fc.array(entryArb, { minLength: 0, maxLength: 4 }),
        fc.array(entryArb, { minLength: 0, maxLength: 2 }),
        addressArb,
        fc.constantFrom(...PORTS, 22, 8081, 65535),
        fc.nat(),
        (allow, deny, addr, port, pick) => {
          const policy = makeNetPolicy({
            allow: allow.map((e) => e.text),
            deny: deny.map((e) => e.text),
          });
          const expected = oracle(allow, deny, addr, port);
          const all = spellings(addr, within(addr, MAPPED, 96));
          const spelled = all[pick % all.length] as string;
          const host = canonicalizeHost(spelled);
          expect(host.kind).not.toBe("name");
          const refusal = policy.checkName(host, port);
          expect(namesMatchingDeny(refusal, deny, addr, port)).toBe(true);
          expect({ spelled, got: verdict(refusal) }).toEqual({
            spelled,
            got: expected,
          });
        },
      ),
      { numRuns: 3000 },
    );
  });

  it("an address near an entry's edge (one bit outside) is refused unless something else covers it", () => {
    fc.assert(
      fc.property(
        addrEntryArb,
        fc.nat({ max: 127 }),
        fc.constantFrom(...PORTS),
        (entry, bit, port) => {
          if (entry.kind !== "addr") return;
          // Flip one bit between the table range's prefix and the entry's, so
          // the address stays in a range whose class the test knows.
          const r = RANGES.find((x) => within(entry.net, x.net, x.prefix));
          if (r === undefined || entry.prefix <= r.prefix) return;
          const flip = BigInt(127 - (r.prefix + (bit % (entry.prefix - r.prefix))));
          const outside = entry.net ^ (1n << flip);
          const policy = makeNetPolicy({ allow: [entry.text] });
          const v4addr = within(outside, MAPPED, 96);
          const host = canonicalizeHost(spellings(outside, v4addr)[0] as string);
          expect(verdict(policy.checkName(host, port))).toBe(oracle([entry], [], outside, port));
          expect(oracle([entry], [], outside, port)).not.toBe("allowed");
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("a name's resolved addresses, in any spelling, get the oracle's answer", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(entryArb, { maxLength: 3 }),
        fc.array(entryArb, { maxLength: 2 }),
        fc.option(portsArb, { nil: undefined }),
        addressArb,
        fc.constantFrom(...PORTS),
        fc.nat(),
        async (allow, deny, namePorts, addr, port, pick) => {
          const nameEntry =
            namePorts === undefined ? [] : [withPort("svc.example", namePorts, false)];
          const policy = makeNetPolicy({
            allow: [...nameEntry, ...allow.map((e) => e.text)],
            deny: deny.map((e) => e.text),
          });
          const all = spellings(addr, within(addr, MAPPED, 96)).filter((s) => !s.endsWith("."));
          const answer = (all[pick % all.length] as string).replace(/^\[|\]$/g, "");
          const asked: string[] = [];
          const out = await resolveChecked(
            policy,
            canonicalizeHost("svc.example"),
            port,
            async (n) => {
              asked.push(n);
              return [answer];
            },
          );
          // Resolved only if the name entry names it at this port (or a `*` entry does).
          const named =
            (namePorts !== undefined && port >= namePorts.lo && port <= namePorts.hi) ||
            allow.some((e) => e.kind === "any" && portIn(e, port));
          const denyAny = deny.find((e) => e.kind === "any" && portIn(e, port));
          if (denyAny !== undefined || !named) {
            expect(asked).toEqual([]);
            return;
          }
          expect(asked).toEqual(["svc.example"]);
          const byAddress = oracle(allow, deny, addr, port);
          // A name entry adds public addresses to what the address entries grant.
          const expected =
            byAddress === "not-allowed" &&
            namePorts !== undefined &&
            port >= namePorts.lo &&
            port <= namePorts.hi
              ? "allowed"
              : byAddress;
          const got = out.ok ? "allowed" : verdict(out.refusal);
          expect({ answer, got }).toEqual({ answer, got: expected });
        },
      ),
      { numRuns: 1000 },
    );
  });
});

// ---- http-url-allow ----------------------------------------------------

describe("URL prefixes: allowed and refused as the oracle says", () => {
  const segments = fc.array(fc.constantFrom("v1", "v10", "a", "admin", "%2f", "x%5Cy", ".."), {
    maxLength: 3,
  });
  it("scheme, every spelling of the host, effective port, path on a segment boundary", () => {
    fc.assert(
      fc.property(
        addressArb,
        addressArb,
        fc.constantFrom("http:", "https:"),
        fc.constantFrom("http:", "https:"),
        fc.constantFrom(undefined, 80, 443, 8080),
        fc.constantFrom(undefined, 80, 443, 8080),
        segments,
        fc.boolean(),
        segments,
        fc.nat(),
        fc.boolean(),
        fc.constantFrom("free", "extend", "glue"),
        (pa, ua, ps, us, pp, up, pSegs, trailing, tail, pick, same, extend) => {
          const uaddr = same ? pa : ua;
          const urlHost = (a: bigint, spell: number): string => {
            const v4addr = within(a, MAPPED, 96);
            // URL hosts: IPv6 in brackets; IPv4 in any spelling the URL parser reads.
            const all = spellings(a, v4addr).filter((s) => !s.includes(":") || s.startsWith("["));
            const s = all[spell % all.length] as string;
            return s;
          };
          const decoded = pSegs.filter((s) => s !== "..");
          const prefixPath = `/${decoded.join("/")}${trailing && decoded.length > 0 ? "/" : ""}`;
          const prefixText = `${ps}//${urlHost(pa, 0)}${pp === undefined ? "" : `:${pp}`}${prefixPath}`;
          // Most URLs extend the prefix's path (as segments, or glued on as
          // in /v1 -> /v10), so the boundary and encoded separators are hit.
          const glued = [...decoded.slice(0, -1), `${decoded.at(-1) ?? ""}0`];
          const uSegs =
            extend === "extend" ? [...decoded, ...tail] : extend === "glue" ? glued : tail;
          const urlPath = `/${uSegs.join("/")}`;
          const urlText = `${us}//${urlHost(uaddr, pick)}${up === undefined ? "" : `:${up}`}${urlPath}`;
          const prefix = parseUrlPrefix(prefixText);
          const url = parseCellUrl(urlText);
          // Oracle: resolve `..` ourselves, compare numbers and the effective port.
          const stack: string[] = [];
          for (const s of uSegs)
            if (s === "..") stack.pop();
            else stack.push(s);
          // A final `..` leaves the path ending in `/` (WHATWG URL).
          const dirEnd = uSegs.at(-1) === ".." && stack.length > 0;
          const uPath = `/${stack.join("/")}${dirEnd ? "/" : ""}`;
          const eff = (scheme: string, p: number | undefined) =>
            p ?? (scheme === "https:" ? 443 : 80);
          const sameOrigin = ps === us && pa === uaddr && eff(ps, pp) === eff(us, up);
          let under: boolean;
          if (prefixPath === "/") under = true;
          else {
            const base = prefixPath.endsWith("/") ? prefixPath : `${prefixPath}/`;
            const rest =
              uPath === prefixPath.replace(/\/$/, "") && !prefixPath.endsWith("/")
                ? ""
                : uPath.startsWith(base)
                  ? uPath.slice(base.length)
                  : undefined;
            under = rest !== undefined && !/%2f|%5c/i.test(rest);
          }
          expect({ prefixText, urlText, ok: urlMatchesPrefix(prefix, url) }).toEqual({
            prefixText,
            urlText,
            ok: sameOrigin && under,
          });
        },
      ),
      { numRuns: 2000 },
    );
  });
});
