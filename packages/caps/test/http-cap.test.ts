import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { makeHttpCap } from "../src/http/http-cap.js";
import { makeResourceScope } from "../src/resource-scope.js";

const code = (c: string) => expect.objectContaining({ code: c });
const rejection = (p: Promise<unknown>): Promise<Error> =>
  p.then(
    () => {
      throw new Error("expected a rejection");
    },
    (e: unknown) => e as Error,
  );

interface TestServer {
  port: number;
  hits: string[];
  close(): Promise<void>;
}

/** A real HTTP server on a loopback address with the routes the tests need. */
async function startServer(host = "127.0.0.1", port = 0, other = { port: 0 }): Promise<TestServer> {
  const hits: string[] = [];
  const timers = new Set<ReturnType<typeof setInterval>>();
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const path = req.url ?? "/";
    hits.push(`${req.method} ${path}`);
    const redirect = (status: number, location: string) => {
      res.writeHead(status, { location });
      res.end();
    };
    const chain = /^\/v1\/chain\/(\d+)$/.exec(path);
    if (chain) return redirect(302, `/v1/chain/${Number(chain[1]) + 1}`);
    switch (path) {
      case "/v1/hello":
        res.writeHead(200, { "content-type": "application/json", "x-multi": ["a", "b"] });
        res.end('{"ok":true}');
        return;
      case "/v1/headers":
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify(req.headers));
        return;
      case "/v1/echo": {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => res.end(`${req.method} ${Buffer.concat(chunks).toString()}`));
        return;
      }
      case "/v1/redirect-ok":
        return redirect(302, "/v1/hello");
      case "/v1/redirect-outside":
        return redirect(302, "/admin");
      case "/v1/redirect-other":
        return redirect(307, `http://127.0.0.1:${other.port}/v1/hello`);
      case "/v1/redirect-metadata":
        return redirect(302, "http://169.254.169.254/latest/meta-data/");
      case "/v1/redirect-localhost":
        return redirect(302, `http://localhost:${boundPort()}/v1/headers`);
      case "/v1/redirect-meta-name":
        return redirect(302, "http://meta.example/latest/meta-data/");
      case "/v1/redirect-303":
        return redirect(303, "/v1/echo");
      case "/v1/redirect-bad":
        return redirect(302, "javascript:alert(1)");
      case "/v1/loop-a":
        return redirect(302, "/v1/loop-b");
      case "/v1/loop-b":
        return redirect(302, "/v1/loop-a");
      case "/v1/forever": {
        res.writeHead(200);
        const t = setInterval(() => res.write(Buffer.alloc(16 * 1024, 120)), 1);
        timers.add(t);
        res.on("close", () => clearInterval(t));
        return;
      }
      case "/v1/declared-huge":
        res.writeHead(200, { "content-length": String(10 ** 9) });
        res.write("x");
        return;
      case "/v1/trickle": {
        res.writeHead(200);
        const t = setInterval(() => res.write("."), 20);
        timers.add(t);
        res.on("close", () => clearInterval(t));
        return;
      }
      case "/v1/hang":
        return; // never answers
      case "/admin":
        res.end("secret");
        return;
      default:
        res.writeHead(404);
        res.end("not found");
    }
  };
  const server: Server = createServer(handler);
  const boundPort = (): number => (server.address() as AddressInfo).port;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host, port }, resolve);
  });
  return {
    port: boundPort(),
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearInterval(t);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

let srv: TestServer;
let evil: TestServer;
let base: string;
const other = { port: 0 };
beforeAll(async () => {
  evil = await startServer();
  other.port = evil.port;
  srv = await startServer("127.0.0.1", 0, other);
  base = `http://127.0.0.1:${srv.port}`;
});
afterAll(async () => {
  await srv.close();
  await evil.close();
});
const cap = (extra: Partial<Parameters<typeof makeHttpCap>[0]> = {}) =>
  makeHttpCap({ allow: [`${base}/v1/`], ...extra });

describe("makeHttpCap: loopback and special addresses (invariant 3)", () => {
  it("loopback is denied by default, for names and for every IP spelling", async () => {
    const before = srv.hits.length;
    const byName = makeHttpCap({
      allow: [`http://api.example:${srv.port}/`],
      resolve: async () => ["127.0.0.1"],
    });
    const err = await rejection(byName.fetch(`http://api.example:${srv.port}/v1/hello`));
    expect(err).toMatchObject({ code: "HTTP_DENIED" });
    expect(err.message).toContain("api.example resolved to a loopback address");
    const other = makeHttpCap({ allow: ["http://api.example/"] });
    for (const host of [
      "127.0.0.1",
      "0x7f.1",
      "2130706433",
      "0177.0.0.1",
      "127.1",
      "[::1]",
      "[::ffff:127.0.0.1]",
    ]) {
      await expect(other.fetch(`http://${host}:${srv.port}/v1/hello`), host).rejects.toThrow(
        code("HTTP_DENIED"),
      );
    }
    for (const host of [
      "169.254.169.254",
      "2852039166",
      "0xa9.0xfe.0xa9.0xfe",
      "[fd00:ec2::254]",
      "100.100.100.200",
    ]) {
      await expect(other.fetch(`http://${host}/latest/meta-data/`), host).rejects.toThrow(
        code("HTTP_DENIED"),
      );
    }
    expect(srv.hits.length).toBe(before);
  });

  it("an explicit IP prefix grants it, whatever spelling the cell uses", async () => {
    const res = await cap().fetch(`http://0x7f.1:${srv.port}/v1/hello`);
    expect(res.status).toBe(200);
    expect(res.url).toBe(`${base}/v1/hello`);
  });

  it("DNS rebinding: resolves once per hop and connects to the checked address, Host stays the name", async () => {
    const attacker = await startServer("127.0.0.2", srv.port).catch(() => undefined);
    let calls = 0;
    const http = makeHttpCap({
      allow: [`http://rebind.example:${srv.port}/v1/`],
      allowAddresses: [`127.0.0.1:${srv.port}`],
      resolve: async () => (calls++ === 0 ? ["127.0.0.1"] : ["127.0.0.2"]),
    });
    const res = await http.fetch(`http://rebind.example:${srv.port}/v1/headers`);
    expect(calls).toBe(1);
    expect(((await res.json()) as Record<string, string>).host).toBe(`rebind.example:${srv.port}`);
    const err = await rejection(http.fetch(`http://rebind.example:${srv.port}/v1/hello`));
    expect(err).toMatchObject({ code: "HTTP_DENIED" });
    expect(err.message).not.toContain("127.0.0.2");
    expect(attacker?.hits ?? []).toEqual([]);
    await attacker?.close();
  });

  it("allowAddresses takes address entries only", () => {
    for (const entry of ["*", "*.example.com", "evil.example:80", "1password.com:443"]) {
      expect(() => cap({ allowAddresses: [entry] })).toThrow(code("NET_BAD_ADDRESS"));
    }
  });
});

describe("makeHttpCap: URL prefixes (invariant 1)", () => {
  it("denial names the URL and the prefix that would allow it", async () => {
    await expect(cap().fetch(`${base}/admin`)).rejects.toThrow(
      `GET ${base}/admin denied: not under any URL prefix of this capability's allow list; grant --allow-http=${base}/admin (or allow: ['${base}/admin']) to allow it.`,
    );
  });

  it.each([
    "/v10/hello",
    "/v1",
    "/v1/../admin",
    "/v1/%2e%2e/admin",
    "/v1/%2E%2E/admin",
    "/v1/..%2fadmin",
    "/v1/..%5Cadmin",
    "/v1/..\\..\\admin",
    "/V1/hello",
  ])("refuses %s outside /v1/", async (path) => {
    const before = srv.hits.length;
    await expect(cap().fetch(`${base}${path}`)).rejects.toThrow(code("HTTP_DENIED"));
    expect(srv.hits.length).toBe(before);
  });

  it("refuses other origins, schemes, ports and credentials", async () => {
    const http = makeHttpCap({ allow: [`http://localhost:${srv.port}/v1/`] });
    await expect(http.fetch(`http://localhost.evil.example:${srv.port}/v1/hello`)).rejects.toThrow(
      code("HTTP_DENIED"),
    );
    await expect(http.fetch(`https://localhost:${srv.port}/v1/hello`)).rejects.toThrow(
      code("HTTP_DENIED"),
    );
    await expect(http.fetch(`http://localhost:${srv.port + 1}/v1/hello`)).rejects.toThrow(
      code("HTTP_DENIED"),
    );
    await expect(http.fetch(`http://user:pw@localhost:${srv.port}/v1/hello`)).rejects.toThrow(
      code("HTTP_BAD_REQUEST"),
    );
    await expect(http.fetch(`file:///etc/passwd`)).rejects.toThrow(code("HTTP_BAD_REQUEST"));
  });

  it("a prefix without trailing slash covers itself and its subtree only", async () => {
    const http = makeHttpCap({ allow: [`${base}/v1/hello`] });
    expect((await http.fetch(`${base}/v1/hello`)).status).toBe(200);
    expect((await http.fetch(`${base}/v1/hello/x`)).status).toBe(404);
    await expect(http.fetch(`${base}/v1/hellox`)).rejects.toThrow(code("HTTP_DENIED"));
  });
});

describe("makeHttpCap: requests and responses", () => {
  it("returns a hardened response with plain headers and a once-only body (response invariants 1, 3)", async () => {
    const res = await cap().fetch(`${base}/v1/hello`);
    expect(Object.isFrozen(res)).toBe(true);
    expect(res).toMatchObject({ status: 200, ok: true, statusText: "OK", redirected: false });
    expect(res.headers["content-type"]).toBe("application/json");
    expect(res.headers["x-multi"]).toBe("a, b");
    expect(await res.json()).toEqual({ ok: true });
    await expect(res.text()).rejects.toThrow(code("HTTP_BODY_USED"));
    const res2 = await cap().fetch(`${base}/v1/hello`);
    const chunks: Uint8Array[] = [];
    for await (const c of res2.body) chunks.push(c);
    expect(Object.getPrototypeOf(chunks[0])).toBe(Uint8Array.prototype);
    const res3 = await cap().fetch(`${base}/v1/nope`);
    expect(res3.status).toBe(404);
    await expect(res3.json()).rejects.toThrow(code("HTTP_BAD_RESPONSE"));
  });

  it("adds nothing the host did not configure (invariant 4)", async () => {
    const http = cap({ headers: { authorization: "Bearer host-token" } });
    const res = await http.fetch(`${base}/v1/headers`, {
      headers: { "X-Cell": "1", Authorization: "cell" },
    });
    const seen = (await res.json()) as Record<string, string>;
    expect(seen).toEqual({
      host: `127.0.0.1:${srv.port}`,
      connection: "close",
      "x-cell": "1",
      authorization: "Bearer host-token",
    });
  });

  it.each([
    [{ Host: "evil.example" }],
    [{ connection: "keep-alive" }],
    [{ "Transfer-Encoding": "chunked" }],
    [{ "content-length": "5" }],
    [{ "proxy-authorization": "x" }],
    [{ upgrade: "websocket" }],
    [{ "x-a": "1\r\nHost: evil" }],
    [{ "bad name": "1" }],
    [{ "x-a": { toString: (): string => "1" } }],
    [[["x-a"]]],
    ["x-a: 1"],
  ])("refuses cell headers %j (headers invariants 1, 2)", async (headers) => {
    await expect(cap().fetch(`${base}/v1/headers`, { headers: headers as never })).rejects.toThrow(
      code("HTTP_BAD_REQUEST"),
    );
  });

  it("methods are limited; bodies are sent when allowed", async () => {
    await expect(cap().fetch(`${base}/v1/echo`, { method: "POST", body: "x" })).rejects.toThrow(
      "method POST is not allowed by this capability; the host can grant it with methods: ['POST'].",
    );
    const head = await cap().fetch(`${base}/v1/hello`, { method: "head" });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe("");
    const http = cap({ methods: ["GET", "post"] });
    const res = await http.fetch(`${base}/v1/echo`, {
      method: "post",
      body: new Uint8Array([104, 105]),
    });
    expect(await res.text()).toBe("POST hi");
    await expect(http.fetch(`${base}/v1/echo`, { body: "x" })).rejects.toThrow(
      code("HTTP_BAD_REQUEST"),
    );
    await expect(http.fetch(`${base}/v1/echo`, { method: "GE T" })).rejects.toThrow(
      code("HTTP_BAD_REQUEST"),
    );
    await expect(
      http.fetch(`${base}/v1/echo`, { method: "POST", body: 42 as never }),
    ).rejects.toThrow(code("HTTP_BAD_REQUEST"));
  });
});

describe("makeHttpCap: redirects (invariant 2)", () => {
  it("follows a redirect inside the allow list", async () => {
    const res = await cap().fetch(`${base}/v1/redirect-ok`);
    expect(res).toMatchObject({ status: 200, redirected: true, url: `${base}/v1/hello` });
  });

  it("refuses a redirect to a host outside the allow list without contacting it", async () => {
    const before = evil.hits.length;
    const err = await rejection(cap().fetch(`${base}/v1/redirect-other`));
    expect(err).toMatchObject({ code: "HTTP_REDIRECT_DENIED" });
    expect(err.message).toContain(`redirect to GET http://127.0.0.1:${evil.port}/v1/hello denied`);
    expect(evil.hits.length).toBe(before);
  });

  it("refuses redirects outside the prefix, to metadata, and to non-http URLs", async () => {
    await expect(cap().fetch(`${base}/v1/redirect-outside`)).rejects.toThrow(
      code("HTTP_REDIRECT_DENIED"),
    );
    await expect(cap().fetch(`${base}/v1/redirect-metadata`)).rejects.toThrow(
      code("HTTP_REDIRECT_DENIED"),
    );
    await expect(cap().fetch(`${base}/v1/redirect-bad`)).rejects.toThrow(
      code("HTTP_REDIRECT_DENIED"),
    );
  });

  it("a redirect to a name that resolves to metadata is refused", async () => {
    const http = makeHttpCap({
      allow: [`${base}/v1/`, "http://meta.example/"],
      resolve: async (name) => {
        expect(name).toBe("meta.example");
        return ["169.254.169.254"];
      },
    });
    const err = await rejection(http.fetch(`${base}/v1/redirect-meta-name`));
    expect(err).toMatchObject({ code: "HTTP_REDIRECT_DENIED" });
    expect(err.message).toContain("meta.example resolved to a cloud metadata address");
  });

  it("stops loops and long chains", async () => {
    await expect(cap().fetch(`${base}/v1/loop-a`)).rejects.toThrow(/redirected in a loop/);
    await expect(cap({ maxRedirects: 3 }).fetch(`${base}/v1/chain/0`)).rejects.toThrow(
      /redirected more than 3 times/,
    );
    expect(srv.hits.filter((h) => h.startsWith("GET /v1/chain/"))).toEqual(
      [0, 1, 2, 3].map((n) => `GET /v1/chain/${n}`),
    );
  });

  it("manual and error modes", async () => {
    const res = await cap().fetch(`${base}/v1/redirect-other`, { redirect: "manual" });
    expect(res.status).toBe(307);
    expect(res.headers.location).toBe(`http://127.0.0.1:${evil.port}/v1/hello`);
    await expect(cap().fetch(`${base}/v1/redirect-ok`, { redirect: "error" })).rejects.toThrow(
      code("HTTP_REDIRECT_DENIED"),
    );
  });

  it("303 turns POST into GET without body", async () => {
    const res = await cap({ methods: ["GET", "POST"] }).fetch(`${base}/v1/redirect-303`, {
      method: "POST",
      body: "x",
    });
    expect(await res.text()).toBe("GET ");
  });

  it("credential headers do not follow a cross-origin redirect", async () => {
    const http = makeHttpCap({
      allow: [`${base}/v1/`, `http://localhost:${srv.port}/v1/`],
      resolve: async () => ["127.0.0.1"],
    });
    const res = await http.fetch(`${base}/v1/redirect-localhost`, {
      headers: { authorization: "secret", cookie: "c=1", "x-keep": "1" },
    });
    const seen = (await res.json()) as Record<string, string>;
    expect(seen.authorization).toBeUndefined();
    expect(seen.cookie).toBeUndefined();
    expect(seen["x-keep"]).toBe("1");
    expect(seen.host).toBe(`localhost:${srv.port}`);
  });
});

describe("makeHttpCap: limits (invariant 5)", () => {
  it("a server that streams forever is stopped by the size limit", async () => {
    const res = await cap({ maxResponseBytes: 200_000 }).fetch(`${base}/v1/forever`);
    await expect(res.bytes()).rejects.toThrow(code("HTTP_LIMIT"));
  });

  it("a declared Content-Length over the limit fails before reading", async () => {
    await expect(cap({ maxResponseBytes: 1000 }).fetch(`${base}/v1/declared-huge`)).rejects.toThrow(
      code("HTTP_LIMIT"),
    );
  });

  it("a server that streams forever is stopped by the time limit", async () => {
    const res = await cap({ timeoutMs: 300 }).fetch(`${base}/v1/trickle`);
    await expect(res.text()).rejects.toThrow(code("HTTP_TIMEOUT"));
  });

  it("a server that never answers is stopped by the time limit", async () => {
    await expect(cap({ timeoutMs: 200 }).fetch(`${base}/v1/hang`)).rejects.toThrow(
      code("HTTP_TIMEOUT"),
    );
  });

  it("the time limit also covers a resolver that never answers", async () => {
    const http = makeHttpCap({
      allow: ["http://slow-dns.example/"],
      timeoutMs: 100,
      resolve: () => new Promise(() => {}),
    });
    await expect(http.fetch("http://slow-dns.example/x")).rejects.toThrow(code("HTTP_TIMEOUT"));
  });

  it("closing the scope aborts in-flight exchanges and refuses new ones", async () => {
    const scope = makeResourceScope("cell");
    const http = cap({ scope });
    const pending = http.fetch(`${base}/v1/hang`);
    const streaming = await http.fetch(`${base}/v1/forever`);
    const it = streaming.body[Symbol.asyncIterator]();
    await it.next();
    await new Promise((r) => setTimeout(r, 20));
    // Observed before the close: the exchange may reject while close() is
    // still draining, and an unobserved rejection is reported as unhandled.
    const pendingRefused = expect(pending).rejects.toThrow(code("REVOKED"));
    await scope.close("revoked");
    await pendingRefused;
    await expect(it.next()).rejects.toThrow(code("REVOKED"));
    await expect(http.fetch(`${base}/v1/hello`)).rejects.toThrow(code("REVOKED"));
    expect(scope.size).toBe(0);
  });
});

describe("makeHttpCap: hostile inputs", () => {
  it("refuses non-string URLs without coercion, and huge URLs", async () => {
    let called = 0;
    const hostile = {
      toString(): string {
        called += 1;
        return `${base}/v1/hello`;
      },
    };
    for (const url of [hostile, new URL(`${base}/v1/hello`), 42, null, undefined]) {
      await expect(cap().fetch(url as never)).rejects.toThrow(code("HTTP_BAD_REQUEST"));
    }
    expect(called).toBe(0);
    const err = await rejection(cap().fetch(`${base}/v1/${"a".repeat(1_000_000)}`));
    expect(err).toMatchObject({ code: "HTTP_BAD_REQUEST" });
    expect(err.message.length).toBeLessThan(400);
  });

  it("reads each init field once (no getter can change its answer after the check)", async () => {
    let reads = 0;
    const init = {
      get method() {
        reads += 1;
        return reads === 1 ? "GET" : "DELETE";
      },
    };
    const res = await cap().fetch(`${base}/v1/echo`, init as never);
    expect(await res.text()).toBe("GET ");
    expect(reads).toBe(1);
  });
});
