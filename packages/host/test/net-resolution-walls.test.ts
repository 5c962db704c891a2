// Class "name resolution outside the grant" (issue 10 §1) at every isolation
// level: a cell holding TCP and HTTP grants with address and range entries
// tries every path (TCP connect, HTTP, the global `fetch`, redirects) to
// names nobody granted. The grants are made on the host side with a
// recording resolver, so the resolver sees every query whatever the wall;
// no query may leave for an ungranted name, and the cell sees the same
// refusals at every level.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { makeHttpCap, makeTcpCap, type Resolver } from "@padded-cell/caps";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createHost, type Isolation } from "../src/index.js";

const LEVELS: Isolation[] = ["compartment", "worker", "process"];

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

const attempts = (p: number) => `(async () => {
  const code = (f) => f().then(async (r) => "body " + (r && typeof r.text === "function" ? await r.text() : ""), (e) => e.code);
  // The global fetch facade exists where the cell's globals include it.
  const viaFetch = (url) => typeof fetch === "function" ? code(() => fetch(url)) : "no fetch global";
  return {
    tcpRange: await code(() => caps.net.connect("s1.attacker.example", 5432)),
    tcpAddress: await code(() => caps.net.connect("s2.attacker.example", 8080)),
    tcpLocalhost: await code(() => caps.net.connect("s3.localhost", 3000)),
    http: await code(() => caps.http.fetch("http://s4.attacker.example:${p}/ok")),
    fetch: await viaFetch("http://s5.attacker.example/"),
    redirect: await code(() => caps.http.fetch("http://127.0.0.1:${p}/to/s6.attacker.example")),
    fetchRedirect: await viaFetch("http://127.0.0.1:${p}/to/s7.attacker.example"),
    granted: await code(() => caps.http.fetch("http://127.0.0.1:${p}/to/granted.test")),
  };
})()`;

const behaviour = async (isolation: Isolation) => {
  const asked: string[] = [];
  const resolve: Resolver = async (name) => {
    asked.push(name);
    return name === "granted.test" ? ["127.0.0.1"] : [];
  };
  const host = await createHost();
  const cell = await host.createCell({
    name: "dns-probe",
    isolation,
    grants: {
      net: ({ scope }) =>
        makeTcpCap({
          allow: ["10.0.0.0/8:5432", "127.0.0.1:8080", "localhost:3000", "[::1]:8080"],
          resolve,
          scope,
        }),
      http: ({ scope }) =>
        makeHttpCap({
          allow: [`http://127.0.0.1:${port}/`, `http://granted.test:${port}/`],
          allowAddresses: ["127.0.0.1", "10.0.0.0/8"],
          resolve,
          scope,
        }),
    },
  });
  try {
    const result = (await cell.evaluate(attempts(port))) as Record<string, string>;
    return { result: { ...result }, asked: [...asked] };
  } finally {
    await cell.revoke("test done");
  }
};

describe("name resolution outside the grant, at every isolation level", () => {
  test("no DNS query leaves for an ungranted name through connect, HTTP, fetch or redirects", async () => {
    const results = [];
    for (const level of LEVELS) results.push(await behaviour(level));
    const [compartment, ...walled] = results;
    expect(compartment).toEqual({
      result: {
        tcpRange: "NET_DENIED",
        tcpAddress: "NET_DENIED",
        tcpLocalhost: "NET_DENIED",
        http: "HTTP_DENIED",
        fetch: "HTTP_DENIED",
        redirect: "HTTP_REDIRECT_DENIED",
        fetchRedirect: "HTTP_REDIRECT_DENIED",
        granted: "body ok",
      },
      // Only the granted name, reached by the last redirect, was ever asked.
      asked: ["granted.test"],
    });
    // Walled cells have no global fetch today (a parity gap tracked in issue
    // 10, "one semantics across walls"): where it is absent there is no path
    // to test; where present it must refuse exactly as in a compartment.
    for (const other of walled) {
      const { fetch, fetchRedirect, ...rest } = other.result;
      expect([compartment?.result.fetch, "no fetch global"]).toContain(fetch);
      expect([compartment?.result.fetchRedirect, "no fetch global"]).toContain(fetchRedirect);
      const { fetch: _f, fetchRedirect: _r, ...same } = compartment?.result ?? {};
      expect({ ...other, result: rest }).toEqual({ ...compartment, result: same });
    }
  }, 60_000);
});
