// Network capability cost: connect + 1 KiB echo round trip + close through
// makeTcpCap (canonicalise, policy check, socket capability with byte
// accounting and copies) against raw node:net on loopback, in the same run
// with rounds interleaved. Also the round trip alone on an open connection.
import { connect, createServer } from "node:net";
import { hrtime } from "node:process";
import { result } from "./measure.js";

if (typeof globalThis.harden === "undefined") {
  // Standalone run (`node bench/caps-net.js`); bench/run.js has already locked down.
  const { lockdownRealm } = await import("../packages/host/dist/realm-lockdown.js");
  lockdownRealm();
}

const payload = new Uint8Array(1024).fill(97);

/** Median microseconds per call of each body, rounds interleaved. */
async function usPerCall(bodies, { n, rounds = 7 }) {
  const samples = bodies.map(() => []);
  for (const body of bodies) for (let i = 0; i < n / 4; i += 1) await body();
  for (let round = 0; round < rounds; round += 1) {
    for (const [k, body] of bodies.entries()) {
      const start = hrtime.bigint();
      for (let i = 0; i < n; i += 1) await body();
      samples[k].push(Number(hrtime.bigint() - start) / 1e3 / n);
    }
  }
  return samples.map((s) => s.sort((a, b) => a - b)[Math.floor(s.length / 2)]);
}

function rawConnect(port) {
  return new Promise((resolve, reject) => {
    const s = connect({ host: "127.0.0.1", port }, () => resolve(s));
    s.once("error", reject);
  });
}

function rawEcho(socket) {
  return new Promise((resolve) => {
    let got = 0;
    const onData = (d) => {
      got += d.length;
      if (got >= payload.length) {
        socket.off("data", onData);
        resolve();
      }
    };
    socket.on("data", onData);
    socket.write(payload);
  });
}

async function capEcho(socket, iterator) {
  await socket.write(payload);
  let got = 0;
  while (got < payload.length) {
    const step = await iterator.next();
    if (step.done) throw new Error("closed early");
    got += step.value.length;
  }
}

export async function run() {
  const server = createServer((s) => {
    s.on("error", () => {});
    s.pipe(s);
  });
  await new Promise((resolve) => server.listen({ host: "127.0.0.1", port: 0 }, resolve));
  const { port } = server.address();
  // Imported here, after lockdown: the built packages harden at load time.
  const { makeTcpCap } = await import("../packages/caps/dist/index.js");
  const tcp = makeTcpCap({ allow: [`127.0.0.1:${port}`], maxConnections: 64 });
  try {
    const rows = [];
    const [capFull, rawFull] = await usPerCall(
      [
        async () => {
          const s = await tcp.connect("127.0.0.1", port);
          await capEcho(s, s.read());
          await s.close();
        },
        async () => {
          const s = await rawConnect(port);
          await rawEcho(s);
          await new Promise((resolve) => {
            s.once("close", resolve);
            s.destroy();
          });
        },
      ],
      { n: 200 },
    );
    rows.push(
      result("caps-net: connect + 1 KiB echo + close, TCP cap vs node:net", capFull, "us", rawFull),
    );

    const capSocket = await tcp.connect("127.0.0.1", port);
    const capIter = capSocket.read();
    const rawSocket = await rawConnect(port);
    const [capRt, rawRt] = await usPerCall(
      [() => capEcho(capSocket, capIter), () => rawEcho(rawSocket)],
      {
        n: 1000,
      },
    );
    rows.push(
      result("caps-net: 1 KiB echo round trip on open socket, cap vs node:net", capRt, "us", rawRt),
    );
    await capSocket.close();
    rawSocket.destroy();
    return rows;
  } finally {
    server.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const row of await run()) console.log(row);
}
