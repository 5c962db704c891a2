import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, type Server } from "node:net";
import type { AddressInfo } from "node:net";
import { makeMembrane } from "@padded-cell/membrane";
import { makeTcpCap } from "../src/net/net-tcp-cap.js";
import { makeResourceScope } from "../src/resource-scope.js";

// The TCP capability as a cell really gets it: through a membrane, used by
// code evaluated in a Compartment.
let server: Server;
let port: number;
beforeAll(async () => {
  server = createServer((s) => {
    s.on("error", () => {});
    s.pipe(s);
  });
  await new Promise<void>((resolve) => server.listen({ host: "127.0.0.1", port: 0 }, resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
});

const cellSource = `
  (async () => {
    const socket = await tcp.connect("127.0.0.1", port);
    await socket.write(new Uint8Array([104, 105]));
    await socket.write(" there");
    let text = "";
    for await (const chunk of socket) {
      text += String.fromCharCode(...chunk);
      if (text.length >= 8) break;
    }
    await socket.close();
    return text;
  })()
`;

describe("TCP capability through a membrane, in a Compartment", () => {
  it("connects, writes bytes and strings, and iterates chunks", async () => {
    const membrane = makeMembrane("net-cell");
    const tcp = membrane.wrap(makeTcpCap({ allow: [`127.0.0.1:${port}`] }));
    const c = new Compartment({ __options__: true, globals: { tcp, port } });
    expect(await (c.evaluate(cellSource) as Promise<string>)).toBe("hi there");
  });

  it("revoking the membrane and closing the scope cuts the cell off", async () => {
    const membrane = makeMembrane("net-cell");
    const scope = makeResourceScope("net-cell");
    const tcp = membrane.wrap(makeTcpCap({ allow: [`127.0.0.1:${port}`], scope }));
    const c = new Compartment({ __options__: true, globals: { tcp, port } });
    const open = (await c.evaluate(`tcp.connect("127.0.0.1", port)`)) as {
      write(s: string): Promise<void>;
    };
    membrane.revoke("plugin disabled");
    await scope.close("plugin disabled");
    expect(scope.size).toBe(0);
    await expect(Promise.resolve().then(() => open.write("x"))).rejects.toThrow();
    await expect(Promise.resolve().then(() => tcp.connect("127.0.0.1", port))).rejects.toThrow();
  });
});
