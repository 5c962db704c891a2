import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { makeMembrane } from "@padded-cell/membrane";
import { makeHttpCap } from "../src/http/http-cap.js";
import { makeFetchFacade } from "../src/http/http-fetch-facade.js";

const code = (c: string) => expect.objectContaining({ code: c });

let server: Server;
let base: string;
beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      res.writeHead(200, { "Content-Type": "application/json", "X-Path": req.url ?? "" });
      res.end(
        JSON.stringify({
          method: req.method,
          headers: req.headers,
          body: Buffer.concat(chunks).toString(),
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen({ host: "127.0.0.1", port: 0 }, resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const facade = () =>
  makeFetchFacade(makeHttpCap({ allow: [`${base}/api/`], methods: ["GET", "POST"] }));

describe("makeFetchFacade", () => {
  it("answers like fetch: ok, status, case-insensitive headers, json (invariant 3: hardened)", async () => {
    const fetch = facade();
    expect(Object.isFrozen(fetch)).toBe(true);
    const res = await fetch(`${base}/api/a?x=1`, { headers: { Accept: "application/json" } });
    expect(Object.isFrozen(res)).toBe(true);
    expect(res).toMatchObject({
      ok: true,
      status: 200,
      statusText: "OK",
      url: `${base}/api/a?x=1`,
      type: "basic",
    });
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(res.headers.get("X-PATH")).toBe("/api/a?x=1");
    expect(res.headers.has("x-missing")).toBe(false);
    expect([...res.headers.keys()]).toContain("content-type");
    expect(res.bodyUsed).toBe(false);
    const body = (await res.json()) as { headers: Record<string, string> };
    expect(res.bodyUsed).toBe(true);
    expect(body.headers.accept).toBe("application/json");
  });

  it("takes URL objects, Request-like objects and Headers instances", async () => {
    const fetch = facade();
    const viaUrl = await fetch(new URL(`${base}/api/u`));
    expect(viaUrl.url).toBe(`${base}/api/u`);
    const req = {
      url: `${base}/api/r`,
      method: "POST",
      headers: new Headers([["x-from", "request"]]),
    };
    const viaRequest = (await (await fetch(req, { body: "hello" })).json()) as {
      method: string;
      headers: Record<string, string>;
      body: string;
    };
    expect(viaRequest).toMatchObject({
      method: "POST",
      body: "hello",
      headers: { "x-from": "request" },
    });
    const ab = await (await fetch(`${base}/api/b`)).arrayBuffer();
    expect(ab).toBeInstanceOf(ArrayBuffer);
  });

  it("invariant 1: it only has the capability's authority", async () => {
    await expect(facade()(`${base}/other`)).rejects.toThrow(code("HTTP_DENIED"));
    await expect(facade()(`${base}/api/x`, { method: "DELETE" })).rejects.toThrow(
      code("HTTP_DENIED"),
    );
  });

  it("invariant 2: no coercion of hostile inputs", async () => {
    let called = 0;
    const hostile = {
      toString(): string {
        called += 1;
        return `${base}/api/x`;
      },
    };
    await expect(facade()(hostile)).rejects.toThrow(code("HTTP_BAD_REQUEST"));
    await expect(facade()({ href: hostile })).rejects.toThrow(code("HTTP_BAD_REQUEST"));
    await expect(facade()(`${base}/api/x`, "GET")).rejects.toThrow(code("HTTP_BAD_REQUEST"));
    expect(called).toBe(0);
  });

  it.each([
    ["directly", (f: unknown) => f],
    ["through a membrane", (f: unknown) => makeMembrane("http-cell").wrap(f)],
  ])("works as the global fetch of a Compartment, %s", async (_how, grant) => {
    const c = new Compartment({ __options__: true, globals: { fetch: grant(facade()), base } });
    const result = await (c.evaluate(`
      (async () => {
        const res = await fetch(base + "/api/from-cell", { method: "POST", body: "hi" });
        const data = await res.json();
        return data.method + " " + data.body;
      })()
    `) as Promise<string>);
    expect(result).toBe("POST hi");
  });
});
