import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, type Server, type Socket } from "node:net";
import { makeTcpCap } from "../src/net/net-tcp-cap.js";
import type { SocketCap } from "../src/net/net-socket-cap.js";
import { makeResourceScope } from "../src/resource-scope.js";

/** Real echo server on a loopback address; records connections. */
async function startEcho(host = "127.0.0.1", port = 0) {
  const sockets = new Set<Socket>();
  let connections = 0;
  const server: Server = createServer((s) => {
    connections += 1;
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
    s.on("error", () => {});
    s.pipe(s);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host, port }, resolve);
  });
  const address = server.address();
  return {
    port: typeof address === "object" && address ? address.port : 0,
    get connections() {
      return connections;
    },
    open: sockets,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Start a server that sends `size` bytes then ends. */
async function startSender(size: number) {
  const server = createServer((s) => {
    s.on("error", () => {});
    s.end(new Uint8Array(size).fill(7));
  });
  await new Promise<void>((resolve) => server.listen({ host: "127.0.0.1", port: 0 }, resolve));
  const a = server.address();
  return {
    port: typeof a === "object" && a ? a.port : 0,
    close: () => new Promise((r) => server.close(r)),
  };
}

async function readN(socket: SocketCap, n: number): Promise<Uint8Array> {
  const out: number[] = [];
  for await (const chunk of socket) {
    out.push(...chunk);
    if (out.length >= n) break;
  }
  return new Uint8Array(out);
}

const code = (c: string) => expect.objectContaining({ code: c });
const rejection = (p: Promise<unknown>): Promise<Error> =>
  p.then(
    () => {
      throw new Error("expected a rejection");
    },
    (e: unknown) => e as Error,
  );

let echo: Awaited<ReturnType<typeof startEcho>>;
beforeAll(async () => {
  echo = await startEcho();
});
afterAll(async () => {
  await echo.close();
});

describe("makeTcpCap: loopback must be granted explicitly (address-policy invariant 2)", () => {
  it("denies loopback by default and with * / *:*", async () => {
    for (const allow of [[], ["*"], ["*:*"], ["0.0.0.0/0"]]) {
      const tcp = makeTcpCap({ allow });
      await expect(tcp.connect("127.0.0.1", echo.port)).rejects.toThrow(code("NET_DENIED"));
    }
    expect(echo.connections).toBe(0);
  });

  it("denies every spelling of 127.0.0.1 and 169.254.169.254 under *", async () => {
    const tcp = makeTcpCap({ allow: ["*"] });
    const spellings = [
      "127.0.0.1",
      "2130706433",
      "0177.0.0.1",
      "0x7f.1",
      "127.1",
      "127.0.0.1.",
      "::ffff:127.0.0.1",
      "[::ffff:7f00:1]",
      "[::1]",
      "0.0.0.0",
      "::",
      "169.254.169.254",
      "2852039166",
      "0xa9fea9fe",
      "0251.0376.0251.0376",
      "::ffff:a9fe:a9fe",
      "fd00:ec2::254",
      "100.100.100.200",
    ];
    for (const host of spellings) {
      await expect(tcp.connect(host, echo.port), host).rejects.toThrow(code("NET_DENIED"));
    }
    expect(echo.connections).toBe(0);
  });

  it("denial messages say what was asked and how to grant it (invariant 5)", async () => {
    let resolved = 0;
    const tcp = makeTcpCap({
      allow: ["api.example.com:443", "*"],
      resolve: async () => {
        resolved += 1;
        return ["169.254.169.254"];
      },
    });
    const narrow = makeTcpCap({
      allow: ["api.example.com:443"],
      resolve: async () => ((resolved += 1), []),
    });
    await expect(narrow.connect("db.internal", 5432)).rejects.toThrow(
      "connect to db.internal:5432 denied: not in this capability's allow list; grant --allow-net=db.internal:5432 (or allow: ['db.internal:5432']) to allow it.",
    );
    expect(resolved).toBe(0); // invariant 1: a denied name is never resolved
    const err = await rejection(tcp.connect("metadata.example", 80));
    expect(err).toMatchObject({ code: "NET_DENIED" });
    expect(err.message).toContain("metadata.example resolved to a cloud metadata address");
    expect(err.message).not.toContain("169.254");
    await expect(tcp.connect("0x7f.1", 8080)).rejects.toThrow(
      "connect to 127.0.0.1:8080 denied: 127.0.0.1 is a loopback address, which needs an explicit grant; grant --allow-net=127.0.0.1:8080 (or allow: ['127.0.0.1:8080']) to allow it.",
    );
  });
});

describe("makeTcpCap: connecting and echoing", () => {
  it("echoes through an explicit 127.0.0.1 grant; chunks are fresh Uint8Arrays (socket invariant 1)", async () => {
    const tcp = makeTcpCap({ allow: [`127.0.0.1:${echo.port}`] });
    const socket = await tcp.connect("127.0.0.1", echo.port);
    expect(Object.isFrozen(socket)).toBe(true);
    expect(socket.remote).toEqual({ host: "127.0.0.1", port: echo.port });
    await socket.write("hello ");
    await socket.write(new Uint8Array([119, 111, 114, 108, 100]));
    const got = await readN(socket, 11);
    expect(new TextDecoder().decode(got)).toBe("hello world");
    const it2 = socket.read();
    await socket.write("x");
    const step = await it2.next();
    expect(Object.getPrototypeOf(step.value)).toBe(Uint8Array.prototype);
    await socket.close();
    await expect(socket.write("after")).rejects.toThrow(code("NET_CLOSED"));
  });

  it("a localhost entry grants the name localhost", async () => {
    const tcp = makeTcpCap({ allow: [`localhost:${echo.port}`] });
    const socket = await tcp.connect("LOCALHOST.", echo.port);
    await socket.write("ping");
    expect(new TextDecoder().decode(await readN(socket, 4))).toBe("ping");
    await socket.close();
  });

  it("end() half-closes: the peer's remaining bytes still arrive, then the stream ends", async () => {
    const tcp = makeTcpCap({ allow: [`127.0.0.1:${echo.port}`] });
    const socket = await tcp.connect("127.0.0.1", echo.port);
    await socket.write("bye");
    await socket.end();
    const chunks: number[] = [];
    for await (const c of socket.read()) chunks.push(...c);
    expect(new TextDecoder().decode(new Uint8Array(chunks))).toBe("bye");
  });

  it("unreachable allowed peer fails with NET_CONNECT_FAILED", async () => {
    const closed = await startEcho();
    const port = closed.port;
    await closed.close();
    const tcp = makeTcpCap({ allow: [`127.0.0.1:${port}`] });
    await expect(tcp.connect("127.0.0.1", port)).rejects.toThrow(code("NET_CONNECT_FAILED"));
  });
});

describe("makeTcpCap: DNS rebinding (invariant 2)", () => {
  it("resolves once and connects to the checked address, never re-resolving", async () => {
    // An "attacker" service on 127.0.0.2 (same port) that a re-resolve would reach.
    const attacker = await startEcho("127.0.0.2", echo.port).catch(() => undefined);
    const answers = [["127.0.0.1"], ["127.0.0.2"]];
    let calls = 0;
    const tcp = makeTcpCap({
      allow: [`rebind.example:${echo.port}`, `127.0.0.1:${echo.port}`],
      resolve: async (name) => {
        expect(name).toBe("rebind.example");
        return answers[Math.min(calls++, 1)]!;
      },
    });
    const before = echo.connections;
    const socket = await tcp.connect("rebind.example", echo.port);
    expect(calls).toBe(1);
    await socket.write("a");
    await readN(socket, 1);
    expect(echo.connections).toBe(before + 1);
    await socket.close();
    // Second lookup answers the rebound address: refused, without printing it.
    const err = await rejection(tcp.connect("rebind.example", echo.port));
    expect(err).toMatchObject({ code: "NET_DENIED" });
    expect(err.message).toContain("rebind.example resolved to a loopback address");
    expect(err.message).not.toContain("127.0.0.2");
    expect(attacker?.connections ?? 0).toBe(0);
    await attacker?.close();
  });

  it("a mixed answer (public + loopback) is refused as a whole (resolve invariant 2)", async () => {
    const tcp = makeTcpCap({ allow: ["*"], resolve: async () => ["93.184.215.14", "127.0.0.1"] });
    await expect(tcp.connect("mixed.example", echo.port)).rejects.toThrow(code("NET_DENIED"));
  });

  it("a resolver that never answers is bounded by connectTimeoutMs", async () => {
    const tcp = makeTcpCap({
      allow: ["*"],
      connectTimeoutMs: 50,
      resolve: () => new Promise(() => {}),
    });
    await expect(tcp.connect("slow.example", 80)).rejects.toThrow(/took longer than 50 ms/);
  });

  it("a name that does not resolve fails with NET_CONNECT_FAILED", async () => {
    const tcp = makeTcpCap({
      allow: ["*"],
      resolve: async () => {
        throw new Error("ENOTFOUND /etc/resolv.conf secret");
      },
    });
    const err = await rejection(tcp.connect("nx.example", 80));
    expect(err).toMatchObject({ code: "NET_CONNECT_FAILED" });
    expect(err.message).not.toContain("resolv.conf");
  });
});

describe("makeTcpCap: limits (invariant 3)", () => {
  it("caps concurrent connections; closing one frees a slot", async () => {
    const tcp = makeTcpCap({ allow: [`127.0.0.1:${echo.port}`], maxConnections: 2 });
    const a = await tcp.connect("127.0.0.1", echo.port);
    const b = await tcp.connect("127.0.0.1", echo.port);
    await expect(tcp.connect("127.0.0.1", echo.port)).rejects.toThrow(code("NET_LIMIT"));
    await a.close();
    const c = await tcp.connect("127.0.0.1", echo.port);
    await b.close();
    await c.close();
  });

  it("denied connects do not leak slots", async () => {
    const tcp = makeTcpCap({ allow: [`127.0.0.1:${echo.port}`], maxConnections: 1 });
    for (let i = 0; i < 5; i += 1)
      await expect(tcp.connect("127.0.0.2", echo.port)).rejects.toThrow();
    const a = await tcp.connect("127.0.0.1", echo.port);
    await a.close();
  });

  it("a write crossing maxBytes fails with NET_LIMIT and closes the connection", async () => {
    const tcp = makeTcpCap({ allow: [`127.0.0.1:${echo.port}`], maxBytes: 10 });
    const socket = await tcp.connect("127.0.0.1", echo.port);
    await socket.write("12345678");
    await expect(socket.write("abcde")).rejects.toThrow(code("NET_LIMIT"));
    await expect(socket.write("x")).rejects.toThrow(code("NET_LIMIT"));
    await expect(socket.read().next()).rejects.toThrow(code("NET_LIMIT"));
  });

  it("reading past maxBytes fails with NET_LIMIT", async () => {
    const sender = await startSender(100_000);
    const tcp = makeTcpCap({ allow: [`127.0.0.1:${sender.port}`], maxBytes: 1000 });
    const socket = await tcp.connect("127.0.0.1", sender.port);
    await expect(readN(socket, 100_000)).rejects.toThrow(code("NET_LIMIT"));
    await sender.close();
  });
});

describe("makeTcpCap: scope (invariant 4)", () => {
  it("closing the scope closes open sockets and refuses new ones", async () => {
    const scope = makeResourceScope("cell");
    const tcp = makeTcpCap({ allow: [`127.0.0.1:${echo.port}`], scope });
    const a = await tcp.connect("127.0.0.1", echo.port);
    const b = await tcp.connect("127.0.0.1", echo.port);
    await a.write("x");
    await readN(a, 1);
    expect(scope.size).toBe(2);
    await scope.close("revoked");
    expect(scope.size).toBe(0);
    await expect(b.write("x")).rejects.toThrow(code("REVOKED"));
    await expect(a.read().next()).rejects.toThrow(code("REVOKED"));
    await expect(tcp.connect("127.0.0.1", echo.port)).rejects.toThrow(code("REVOKED"));
    for (let i = 0; i < 50 && echo.open.size > 0; i += 1)
      await new Promise((r) => setTimeout(r, 10));
    expect(echo.open.size).toBe(0);
  });
});

describe("makeTcpCap: hostile inputs", () => {
  const tcp = makeTcpCap({ allow: ["*", `127.0.0.1:${echo?.port ?? 1}`] });

  it("non-string hosts and hostile toString are refused without coercion", async () => {
    let called = 0;
    const hostile = {
      toString() {
        called += 1;
        return "127.0.0.1";
      },
    };
    for (const host of [hostile, 2130706433, null, undefined, ["127.0.0.1"], new Proxy({}, {})]) {
      await expect(tcp.connect(host as never, 80)).rejects.toThrow(code("NET_BAD_ADDRESS"));
    }
    expect(called).toBe(0);
  });

  it("bad ports are refused", async () => {
    for (const port of [0, -1, 65536, 1.5, NaN, "80", { valueOf: () => 80 }, 2 ** 53]) {
      await expect(tcp.connect("a.example", port as never)).rejects.toThrow(
        code("NET_BAD_ADDRESS"),
      );
    }
  });

  it("huge hosts are refused with a bounded message", async () => {
    const err = await rejection(tcp.connect("a".repeat(5_000_000), 80));
    expect(err).toMatchObject({ code: "NET_BAD_ADDRESS" });
    expect(err.message.length).toBeLessThan(300);
  });

  it("write() brand-checks its bytes (socket invariant 2)", async () => {
    const ok = makeTcpCap({ allow: [`127.0.0.1:${echo.port}`] });
    const socket = await ok.connect("127.0.0.1", echo.port);
    const fake = { length: 3, 0: 1, 1: 2, 2: 3, [Symbol.toStringTag]: "Uint8Array" };
    for (const data of [
      new Proxy(new Uint8Array(3), {}),
      fake,
      new Uint16Array(2),
      42,
      null,
      new DataView(new ArrayBuffer(2)),
    ]) {
      await expect(socket.write(data as never)).rejects.toThrow(code("NET_BAD_ARGUMENT"));
    }
    const view = new Uint8Array([0, 104, 105, 0]).subarray(1, 3);
    await socket.write(view);
    expect(new TextDecoder().decode(await readN(socket, 2))).toBe("hi");
    await socket.close();
  });
});
