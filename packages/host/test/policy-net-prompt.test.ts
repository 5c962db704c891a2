// policy-caps.ts, invariant 5, for the network (policy-net-ask.ts): a peer
// no allow entry covers is asked about before `net.connect` or `http.fetch`
// refuses it; a peer a deny entry names is never asked about; a yes reaches
// exactly that peer.
import { createServer as createHttpServer } from "node:http";
import { createServer, type AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { makeResourceScope } from "@padded-cell/caps";
import { grantSet, makePolicyGrants, type GrantContext } from "../src/index.js";
import type { AccessAnswer, AccessRequest } from "../src/policy/policy-ask.js";

const tcp = createServer((socket) => {
  socket.on("error", () => {}); // the cell side closes abruptly
  socket.end("hi");
});
const http = createHttpServer((_req, res) => res.end("page"));
let tcpPort = 0;
let httpPort = 0;
beforeAll(async () => {
  await new Promise<void>((r) => tcp.listen(0, "127.0.0.1", r));
  await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
  tcpPort = (tcp.address() as AddressInfo).port;
  httpPort = (http.address() as AddressInfo).port;
});
afterAll(() => {
  tcp.close();
  http.close();
});

const grantsWith = (answers: AccessAnswer[], deny: string[] = []) => {
  const asked: AccessRequest[] = [];
  const grants = makePolicyGrants({
    cell: "p",
    cwd: process.cwd(),
    allow: grantSet({}, process.cwd()),
    deny: grantSet({ net: deny }, process.cwd()),
    ask: async (request) => {
      asked.push(request);
      return answers.shift() ?? "deny";
    },
  });
  const context = { scope: makeResourceScope("test") } as unknown as GrantContext;
  const make = (name: string) =>
    (grants[name] as (c: GrantContext) => Record<string, never>)(context);
  return {
    asked,
    net: make("net") as unknown as { connect(h: string, p: number): Promise<{ close(): unknown }> },
    http: make("http") as unknown as { fetch(u: string): Promise<{ status: number }> },
  };
};
const codeOf = (p: Promise<unknown>): Promise<string> =>
  p.then(
    () => "ok",
    (e: { code: string }) => e.code,
  );

describe("net.connect", () => {
  test('"once" connects that one time; the next connect asks again', async () => {
    const { net, asked } = grantsWith(["once", "deny"]);
    const socket = await net.connect("127.0.0.1", tcpPort);
    await socket.close();
    expect(await codeOf(net.connect("127.0.0.1", tcpPort))).toBe("NET_DENIED");
    expect(asked).toEqual([
      { access: "net", target: `127.0.0.1:${tcpPort}` },
      { access: "net", target: `127.0.0.1:${tcpPort}` },
    ]);
  });

  test("a peer a deny entry names is refused without a question", async () => {
    const { net, asked } = grantsWith(["always"], ["127.0.0.1"]);
    expect(await codeOf(net.connect("127.0.0.1", tcpPort))).toBe("NET_DENIED");
    expect(asked).toEqual([]);
  });

  test("a yes reaches only that peer: another port asks again", async () => {
    const { net, asked } = grantsWith(["always", "deny"]);
    await (await net.connect("127.0.0.1", tcpPort)).close();
    await (await net.connect("127.0.0.1", tcpPort)).close();
    expect(await codeOf(net.connect("127.0.0.1", httpPort))).toBe("NET_DENIED");
    expect(asked.map((r) => r.target)).toEqual([`127.0.0.1:${tcpPort}`, `127.0.0.1:${httpPort}`]);
  });
});

describe("http.fetch", () => {
  test('"always" fetches from that peer for the rest of the run, asked once', async () => {
    const { http: cap, asked } = grantsWith(["always"]);
    expect((await cap.fetch(`http://127.0.0.1:${httpPort}/a`)).status).toBe(200);
    expect((await cap.fetch(`http://127.0.0.1:${httpPort}/b`)).status).toBe(200);
    expect(asked).toEqual([{ access: "net", target: `127.0.0.1:${httpPort}` }]);
  });

  test('"deny" refuses with the usual denial, and is remembered', async () => {
    const { http: cap, asked } = grantsWith(["deny"]);
    expect(await codeOf(cap.fetch(`http://127.0.0.1:${httpPort}/`))).toBe("HTTP_DENIED");
    expect(await codeOf(cap.fetch(`http://127.0.0.1:${httpPort}/`))).toBe("HTTP_DENIED");
    expect(asked).toHaveLength(1);
  });
});
