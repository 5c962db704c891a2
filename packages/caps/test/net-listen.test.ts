import { describe, expect, it } from "vitest";
import { connect, type Socket } from "node:net";
import { makeListenCap } from "../src/net/net-listen-cap.js";
import { makeResourceScope } from "../src/resource-scope.js";

const code = (c: string) => expect.objectContaining({ code: c });

/** A raw client; resolves with the socket once connected. */
const dial = (port: number, host = "127.0.0.1") =>
  new Promise<Socket>((resolve, reject) => {
    const s = connect({ host, port }, () => resolve(s));
    s.once("error", reject);
  });

/** Everything a raw socket receives until it closes. */
const drain = (s: Socket) =>
  new Promise<string>((resolve) => {
    let text = "";
    s.on("data", (d: Buffer) => (text += d.toString()));
    s.on("error", () => {});
    s.on("close", () => resolve(text));
  });

describe("makeListenCap invariant 1: loopback only", () => {
  it.each(["0.0.0.0", "::", "10.0.0.1", "8.8.8.8", "example.com", "localhost", "169.254.169.254"])(
    "refuses to bind %s",
    (host) => {
      expect(() => makeListenCap({ host })).toThrow(
        expect.objectContaining({ code: expect.stringMatching(/^NET_/) }),
      );
    },
  );

  it("refuses bad ports and non-string hosts", () => {
    for (const port of [-1, 65536, 1.5, "80"]) {
      expect(() => makeListenCap({ port: port as never })).toThrow(code("NET_BAD_ADDRESS"));
    }
    expect(() => makeListenCap({ host: { toString: () => "127.0.0.1" } as never })).toThrow(
      code("NET_BAD_ADDRESS"),
    );
  });

  it("binds spellings of loopback as their canonical address", async () => {
    const listener = await makeListenCap({ host: "0x7f.1" }).listen();
    expect(listener.address.host).toBe("127.0.0.1");
    expect(listener.address.port).toBeGreaterThan(0);
    await listener.close();
  });
});

describe("makeListenCap: accepting (invariant 4)", () => {
  it("accepts connections as socket capabilities and echoes", async () => {
    const listener = await makeListenCap().listen();
    expect(Object.isFrozen(listener)).toBe(true);
    const client = await dial(listener.address.port);
    const received = drain(client);
    client.write("hello");
    for await (const socket of listener) {
      expect(socket.remote.host).toBe("127.0.0.1");
      for await (const chunk of socket) {
        await socket.write(chunk);
        break;
      }
      await socket.end();
      break;
    }
    client.end();
    expect(await received).toBe("hello");
    await listener.close();
  });

  it("close() ends a waiting accept() and refuses new connections", async () => {
    const listener = await makeListenCap().listen();
    const waiting = listener.accept().next();
    await listener.close();
    expect(await waiting).toEqual({ done: true, value: undefined });
    await expect(dial(listener.address.port)).rejects.toThrow();
  });
});

describe("makeListenCap invariant 2: connection limit", () => {
  it("closes connections beyond maxConnections before the cell sees them", async () => {
    const listener = await makeListenCap({ maxConnections: 1 }).listen();
    const first = await dial(listener.address.port);
    const accepted = await listener.accept().next();
    expect(accepted.done).toBe(false);
    const second = await dial(listener.address.port);
    expect(await drain(second)).toBe(""); // closed by the host
    await accepted.value!.close();
    first.destroy();
    await listener.close();
  });
});

describe("makeListenCap invariant 3: scope", () => {
  it("closing the scope closes the listener and accepted sockets", async () => {
    const scope = makeResourceScope("cell");
    const listener = await makeListenCap({ scope }).listen();
    const client = await dial(listener.address.port);
    const closed = drain(client);
    const accepted = await listener.accept().next();
    expect(accepted.done).toBe(false);
    expect(scope.size).toBe(2);
    await scope.close("revoked");
    await closed; // the host closed the accepted socket
    await expect(dial(listener.address.port)).rejects.toThrow();
    await expect(listener.accept().next()).rejects.toThrow(code("REVOKED"));
    await expect(makeListenCap({ scope }).listen()).rejects.toThrow(code("REVOKED"));
  });
});
