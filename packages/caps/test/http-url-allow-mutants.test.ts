// Issue 16, mutation testing of src/http/http-url-allow.ts: tests that kill
// mutants as classes. URLs are generated from parts (scheme in any case,
// credentials, host spellings whose canonical form the test states, explicit
// and default ports, path, query, fragment) and the oracle builds the expected
// canonical parts, or the exact refusal, from those parts alone; it never
// reads the parser's records. Refusal messages are pinned whole.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseCellUrl, parseUrlPrefix, urlMatchesPrefix } from "../src/http/http-url-allow.js";

/** A host spelling and what it denotes (`undefined`: a host the checks refuse). */
interface HostCase {
  readonly text: string;
  readonly canonical: string | undefined;
}
const HOSTS: readonly HostCase[] = [
  { text: "example.com", canonical: "example.com" },
  { text: "API.Example.COM", canonical: "api.example.com" },
  { text: "a.example.", canonical: "a.example" },
  { text: "127.0.0.1", canonical: "127.0.0.1" },
  { text: "0x7f.1", canonical: "127.0.0.1" },
  { text: "2130706433", canonical: "127.0.0.1" },
  { text: "[::1]", canonical: "::1" },
  { text: "[0:0:0:0:0:0:0:1]", canonical: "::1" },
  { text: "[2001:DB8::A]", canonical: "2001:db8::a" },
  { text: "[::ffff:10.0.0.1]", canonical: "10.0.0.1" },
  // Accepted by the URL parser, refused by the host check.
  { text: "a!b.example", canonical: undefined },
  { text: "a*b", canonical: undefined },
  { text: "-lead.example", canonical: undefined },
];

const quote = (s: string): string =>
  JSON.stringify(s.length > 120 ? `${s.slice(0, 120)}...(truncated)` : s);
const refusal = (input: string, why: string): string => `URL ${quote(input)} is not valid: ${why}.`;

const outcome = (f: () => unknown): unknown => {
  try {
    return { ok: f() };
  } catch (e) {
    return { code: (e as { code?: unknown }).code, message: (e as Error).message };
  }
};

const urlParts = fc.record({
  scheme: fc.constantFrom("http", "https", "HTTP", "hTtPs", "ftp", "ws", "wss"),
  user: fc.constantFrom("", "u@", "u:p@", ":p@", "u:@", "%75@"),
  host: fc.constantFrom(...HOSTS),
  port: fc.constantFrom(undefined, 80, 443, 8080, 1),
  segs: fc.array(fc.constantFrom("v1", "a%2Fb", "x.y", "Caps", "%7e"), { maxLength: 3 }),
  query: fc.constantFrom("", "?q=1", "?a=b&c"),
  fragment: fc.constantFrom("", "#f", "#"),
});

describe("parseCellUrl against the oracle", () => {
  it("canonical parts, or the first refusal in the documented order", () => {
    fc.assert(
      fc.property(urlParts, (p) => {
        const input = `${p.scheme}://${p.user}${p.host.text}${p.port === undefined ? "" : `:${p.port}`}/${p.segs.join("/")}${p.query}${p.fragment}`;
        const scheme = `${p.scheme.toLowerCase()}:`;
        let expected: unknown;
        if (scheme !== "http:" && scheme !== "https:") {
          expected = {
            code: "HTTP_BAD_REQUEST",
            message: refusal(input, "only http: and https: URLs are supported"),
          };
        } else if (p.user !== "") {
          // Every spelling here has a user, a password or both.
          expected = {
            code: "HTTP_BAD_REQUEST",
            message: refusal(input, "credentials in URLs are not allowed"),
          };
        } else if (p.host.canonical === undefined) {
          expected = { code: "HTTP_BAD_REQUEST", message: refusal(input, "bad host") };
        } else {
          const dflt = scheme === "https:" ? 443 : 80;
          const port = p.port ?? dflt;
          const h = p.host.canonical;
          const bracketed = h.includes(":") ? `[${h}]` : h;
          const authority = port === dflt ? bracketed : `${bracketed}:${port}`;
          const origin = `${scheme}//${authority}`;
          const pathname = `/${p.segs.join("/")}`;
          const search = p.query;
          expected = {
            ok: {
              protocol: scheme,
              host: h,
              port,
              pathname,
              search,
              href: `${origin}${pathname}${search}`,
              origin,
            },
          };
        }
        const got = outcome(() => {
          const u = parseCellUrl(input);
          return {
            protocol: u.protocol,
            host: u.host.host,
            port: u.port,
            pathname: u.pathname,
            search: u.search,
            href: u.href,
            origin: u.origin,
          };
        });
        expect({ input, got }).toEqual({ input, got: expected });
      }),
      { numRuns: 3000 },
    );
  });

  it("the length limit is 8192 characters, inclusive", () => {
    const at = (n: number): string => {
      const head = "https://a.example/";
      return `${head}${"x".repeat(n - head.length)}`;
    };
    expect(parseCellUrl(at(8192)).pathname).toHaveLength(8192 - "https://a.example".length);
    expect(outcome(() => parseCellUrl(at(8193)))).toEqual({
      code: "HTTP_BAD_REQUEST",
      message: refusal(at(8193), "longer than 8192 characters"),
    });
    expect(() => parseCellUrl(at(8193))).toThrowErrorMatchingInlineSnapshot(
      `[CellError: URL "https://a.example/xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...(truncated)" is not valid: longer than 8192 characters.]`,
    );
  });

  it("non-strings, relative URLs without a base, and a base", () => {
    for (const v of [undefined, 42, null, { toString: () => "https://a.example/" }, ["x"]]) {
      expect(outcome(() => parseCellUrl(v))).toEqual({
        code: "HTTP_BAD_REQUEST",
        message: `The URL must be a string, got ${typeof v}.`,
      });
    }
    expect(() => parseCellUrl("/v1/x")).toThrowErrorMatchingInlineSnapshot(
      `[CellError: URL "/v1/x" is not valid: not an absolute URL.]`,
    );
    expect(() => parseCellUrl("http://a b/")).toThrowErrorMatchingInlineSnapshot(
      `[CellError: URL "http://a b/" is not valid: not an absolute URL.]`,
    );
    expect(() => parseCellUrl("https://a*b/")).toThrowErrorMatchingInlineSnapshot(
      `[CellError: URL "https://a*b/" is not valid: bad host.]`,
    );
    expect(() => parseCellUrl("file:///etc/passwd")).toThrowErrorMatchingInlineSnapshot(
      `[CellError: URL "file:///etc/passwd" is not valid: only http: and https: URLs are supported.]`,
    );
    expect(() => parseCellUrl("https://u:p@a.example/")).toThrowErrorMatchingInlineSnapshot(
      `[CellError: URL "https://u:p@a.example/" is not valid: credentials in URLs are not allowed.]`,
    );
    expect(() => parseCellUrl("https://:p@a.example/")).toThrow(/credentials/);
    expect(() => parseCellUrl("https://u@a.example/")).toThrow(/credentials/);
    expect(parseCellUrl("../x?y=1#z", "https://a.example:8443/v1/w").href).toBe(
      "https://a.example:8443/x?y=1",
    );
    expect(parseCellUrl("//b.example/p", "http://a.example/").origin).toBe("http://b.example");
  });
});

describe("parseUrlPrefix", () => {
  it("refuses non-strings, queries and fragments with pinned messages", () => {
    for (const v of [7, undefined, null, {}]) {
      expect(outcome(() => parseUrlPrefix(v))).toEqual({
        code: "HTTP_BAD_REQUEST",
        message: "URL allow entries must be strings.",
      });
    }
    for (const source of [
      "https://a.example/v1?x=1",
      "https://a.example/v1#frag",
      "https://a.example/v1#",
      "https://a.example/?q#f",
    ]) {
      expect(outcome(() => parseUrlPrefix(source))).toEqual({
        code: "HTTP_BAD_REQUEST",
        message: refusal(source, "allow prefixes cannot have a query or fragment"),
      });
    }
    expect(() => parseUrlPrefix("https://a.example/v1#x")).toThrowErrorMatchingInlineSnapshot(
      `[CellError: URL "https://a.example/v1#x" is not valid: allow prefixes cannot have a query or fragment.]`,
    );
    const ok = parseUrlPrefix("HTTPS://[::1]:443/v1/");
    expect({ source: ok.source, origin: ok.url.origin, path: ok.url.pathname }).toEqual({
      source: "HTTPS://[::1]:443/v1/",
      origin: "https://[::1]",
      path: "/v1/",
    });
    expect(parseUrlPrefix("http://[::1]:8080/").url.origin).toBe("http://[::1]:8080");
  });

  it("an explicit port that is another scheme's default is not that scheme's default", () => {
    for (const [prefix, url, ok] of [
      ["https://a.example:80/", "https://a.example/", false],
      ["http://a.example:443/", "http://a.example/", false],
      ["https://a.example:443/", "https://a.example/", true],
      ["http://a.example:80/", "http://a.example/", true],
      ["https://a.example:80/", "http://a.example/", false],
    ] as const) {
      expect({
        prefix,
        url,
        ok: urlMatchesPrefix(parseUrlPrefix(prefix), parseCellUrl(url)),
      }).toEqual({ prefix, url, ok });
    }
  });
});
