// Invariant "revocation leaves no work in flight" (resource-scope.ts
// invariants 1-4): when a scope's `close` resolves, every operation started
// through it has settled, each caller's outcome matches what happened (OK:
// the effect is there; REVOKED: it is not), and nothing changes afterwards.
// Each race repeats with seeded random timing; the checks after `close`
// only wait to *detect* a late effect, so a busy machine cannot fail them.
import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import { createServer, type Server, type Socket } from "node:net";
import { mkdtemp, readdir, readFile, rm, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  makeDirCap,
  makeHttpCap,
  makeResourceScope,
  makeSubprocessCap,
  makeTcpCap,
  makeTimers,
} from "../src/index.js";

/** A small seeded generator (mulberry32), so a failure can be replayed. */
const rng = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
/** Waits a random moment: some microtask turns, some event-loop turns or a few ms. */
const randomMoment = async (r: () => number): Promise<void> => {
  const kind = Math.floor(r() * 3);
  const n = Math.floor(r() * 6);
  if (kind === 0) for (let i = 0; i < n * 3; i += 1) await Promise.resolve();
  else if (kind === 1) for (let i = 0; i < n; i += 1) await new Promise((res) => setImmediate(res));
  else await new Promise((res) => setTimeout(res, n));
};
/** Lets late effects (if any) happen before looking again. */
const settleLate = async (): Promise<void> => {
  for (let i = 0; i < 5; i += 1) await new Promise((res) => setImmediate(res));
  await new Promise((res) => setTimeout(res, 20));
};
const outcome = (p: Promise<unknown>, out: string[], i: number): Promise<void> =>
  p.then(
    () => {
      out[i] = "OK";
    },
    (e: { code?: string }) => {
      out[i] = e.code ?? String(e);
    },
  );

const snapshot = async (dir: string): Promise<Record<string, string>> => {
  const result: Record<string, string> = {};
  for (const name of (await readdir(dir)).sort()) {
    try {
      result[name] = await readFile(join(dir, name), "utf8");
    } catch {
      result[name] = "<dir>";
    }
  }
  return result;
};

let base: string;
beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), "revoke-in-flight-"));
});
afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

describe("invariant: a closed scope leaves no file operation in flight", () => {
  test("writes, appends, renames, removes, mkdirs and stream writes: landed ⇔ OK, and nothing lands after close (200 seeded races)", async () => {
    const N = 4;
    for (let iteration = 0; iteration < 200; iteration += 1) {
      const r = rng(1000 + iteration);
      const dir = join(base, `fs-${iteration}`);
      await mkdir(dir);
      for (let i = 0; i < N; i += 1) {
        await writeFile(join(dir, `a${i}`), "a");
        await writeFile(join(dir, `r${i}`), "r");
        await writeFile(join(dir, `d${i}`), "d");
      }
      const scope = makeResourceScope(`iteration ${iteration}`);
      const fs = makeDirCap(dir, { scope });
      const handle = await fs.openWrite("/s");
      const out: string[] = [];
      const all: Promise<void>[] = [];
      const ops: Array<[string, () => Promise<unknown>]> = [];
      for (let i = 0; i < N; i += 1) {
        ops.push([`w${i}`, () => fs.writeFile(`/w${i}`, "w")]);
        ops.push([`a${i}`, () => fs.appendFile(`/a${i}`, "+")]);
        ops.push([`r${i}`, () => fs.rename(`/r${i}`, `/m${i}`)]);
        ops.push([`d${i}`, () => fs.rm(`/d${i}`)]);
        ops.push([`k${i}`, () => fs.mkdir(`/k${i}`)]);
        ops.push([`s${i}`, () => handle.write(`<${i}>`)]);
      }
      // Start the operations spread over time, and close at a random moment.
      const starting = (async () => {
        for (const [k, [, op]] of ops.entries()) {
          all.push(outcome(op(), out, k));
          if (r() < 0.3) await randomMoment(r);
        }
      })();
      await randomMoment(r);
      await scope.close("race");
      await starting;
      const settledAtClose = out.filter((o) => o !== undefined).length;
      const first = await snapshot(dir);
      await settleLate();
      expect(await snapshot(dir), `iteration ${iteration}: something landed after close`).toEqual(
        first,
      );
      await Promise.all(all);
      // Operations started before close settled before close resolved; those
      // started after were refused at once (the gate).
      expect(settledAtClose).toBeLessThanOrEqual(out.length);
      for (const [k, [name]] of ops.entries()) {
        const o = out[k];
        expect(["OK", "REVOKED"], `${name}: ${o}`).toContain(o);
        const i = name.slice(1);
        const landed =
          name[0] === "w"
            ? first[`w${i}`] === "w"
            : name[0] === "a"
              ? first[`a${i}`] === "a+"
              : name[0] === "r"
                ? first[`m${i}`] === "r" && first[`r${i}`] === undefined
                : name[0] === "d"
                  ? first[`d${i}`] === undefined
                  : name[0] === "k"
                    ? first[`k${i}`] === "<dir>"
                    : (first.s ?? "").includes(`<${i}>`);
        expect(landed, `iteration ${iteration}: ${name} was ${o}`).toBe(o === "OK");
      }
    }
  }, 120_000);

  test("close resolves only after an operation already running has settled", async () => {
    const dir = join(base, "order");
    await mkdir(dir);
    const scope = makeResourceScope("order");
    const fs = makeDirCap(dir, { scope });
    let settled = false;
    const write = fs.writeFile("/big", new Uint8Array(8 << 20)).then(() => (settled = true));
    await new Promise((res) => setImmediate(res));
    await scope.close("now");
    expect(settled).toBe(true);
    await write;
  });

  test("a drain that outlives drainMs rejects with CAPS_REVOKE_TIMEOUT and the gate stays closed", async () => {
    const scope = makeResourceScope("stuck");
    let release = (): void => {};
    const stuck = scope.run(() => new Promise<void>((res) => (release = res)));
    await expect(scope.close("now", { drainMs: 20 })).rejects.toMatchObject({
      code: "CAPS_REVOKE_TIMEOUT",
    });
    await expect(scope.run(async () => 1)).rejects.toMatchObject({ code: "REVOKED" });
    release();
    await stuck;
  });
});

describe("invariant: a closed scope aborts children, timers, sockets and requests", () => {
  test("subprocesses: a run is OK only if it finished, and nothing writes after close (40 seeded races)", async () => {
    for (let iteration = 0; iteration < 40; iteration += 1) {
      const r = rng(5000 + iteration);
      const dir = join(base, `sp-${iteration}`);
      await mkdir(dir);
      const scope = makeResourceScope("sp");
      const sh = makeSubprocessCap({
        executable: "/bin/sh",
        args: ["-c", /.*/],
        cwd: dir,
        env: {},
        timeoutMs: 60_000,
        maxOutputBytes: 1024,
        maxConcurrent: 8,
        scope,
      });
      const out: string[] = [];
      const all = [0, 1, 2, 3].map((i) =>
        outcome(
          sh.run(["-c", `sleep 0.0${i}; echo x > f${i}; sleep 0.0${i}; echo y >> f${i}`]),
          out,
          i,
        ),
      );
      await randomMoment(r);
      await new Promise((res) => setTimeout(res, Math.floor(r() * 60)));
      await scope.close("race");
      const first = await snapshot(dir);
      await settleLate();
      await new Promise((res) => setTimeout(res, 60));
      expect(await snapshot(dir)).toEqual(first);
      await Promise.all(all);
      for (const i of [0, 1, 2, 3]) {
        expect(["OK", "REVOKED"]).toContain(out[i]);
        if (out[i] === "OK") expect(first[`f${i}`]).toBe("x\ny\n");
      }
    }
  }, 120_000);

  test("timers: no callback runs once close has begun (200 seeded races)", async () => {
    for (let iteration = 0; iteration < 200; iteration += 1) {
      const r = rng(9000 + iteration);
      const scope = makeResourceScope("timers");
      const { cap } = makeTimers({ scope });
      const fired: number[] = [];
      for (let i = 0; i < 8; i += 1) cap.setTimeout(() => fired.push(i), Math.floor(r() * 4));
      await randomMoment(r);
      const closing = scope.close("race");
      const atClose = fired.length;
      await closing;
      await settleLate();
      expect(fired.length).toBe(atClose);
    }
  });

  describe("sockets and HTTP", () => {
    let tcp: Server;
    let tcpPort = 0;
    const received: string[] = [];
    const peers = new Set<Socket>();
    let http: HttpServer;
    let httpPort = 0;
    const requests: string[] = [];
    const httpPeers = new Set<Socket>();
    beforeAll(async () => {
      tcp = createServer((s) => {
        peers.add(s);
        s.on("data", (d) => received.push(d.toString()));
        s.on("error", () => {});
        s.on("close", () => peers.delete(s));
      });
      await new Promise<void>((res) => tcp.listen(0, "127.0.0.1", res));
      tcpPort = (tcp.address() as { port: number }).port;
      http = createHttpServer((req, res) => {
        requests.push(req.url ?? "");
        setTimeout(() => res.end("ok"), 5);
      });
      http.on("connection", (s: Socket) => {
        httpPeers.add(s);
        s.on("close", () => httpPeers.delete(s));
      });
      await new Promise<void>((res) => http.listen(0, "127.0.0.1", res));
      httpPort = (http.address() as { port: number }).port;
    });
    afterAll(async () => {
      for (const p of peers) p.destroy();
      await new Promise((res) => tcp.close(res));
      http.closeAllConnections();
      await new Promise((res) => http.close(res));
    });

    test("socket writes: OK ⇒ the peer got the bytes, and the peer gets nothing after close (100 seeded races)", async () => {
      for (let iteration = 0; iteration < 100; iteration += 1) {
        const r = rng(12000 + iteration);
        const scope = makeResourceScope("tcp");
        const cap = makeTcpCap({ allow: [`127.0.0.1:${tcpPort}`], scope });
        const socket = await cap.connect("127.0.0.1", tcpPort);
        const out: string[] = [];
        const all: Promise<void>[] = [];
        const sending = (async () => {
          for (let i = 0; i < 8; i += 1) {
            all.push(outcome(socket.write(`<${iteration}.${i}>`), out, i));
            if (r() < 0.4) await randomMoment(r);
          }
        })();
        await randomMoment(r);
        await scope.close("race");
        await sending;
        while (peers.size > 0) await new Promise((res) => setTimeout(res, 5));
        const seen = received.join("");
        await settleLate();
        expect(received.join("")).toBe(seen);
        await Promise.all(all);
        for (let i = 0; i < 8; i += 1) {
          expect(["OK", "REVOKED"]).toContain(out[i]);
          if (out[i] === "OK") expect(seen).toContain(`<${iteration}.${i}>`);
        }
      }
    }, 120_000);

    test("connects in flight: settled when close resolves, and no connection stays open (100 seeded races)", async () => {
      for (let iteration = 0; iteration < 100; iteration += 1) {
        const r = rng(18000 + iteration);
        const scope = makeResourceScope("connect");
        const cap = makeTcpCap({ allow: [`127.0.0.1:${tcpPort}`], scope });
        const out: string[] = [];
        const all = [0, 1, 2].map((i) => outcome(cap.connect("127.0.0.1", tcpPort), out, i));
        await randomMoment(r);
        await scope.close("race");
        expect(out.filter((o) => o !== undefined)).toHaveLength(3);
        // Every connection the server saw is closed by the client's side.
        while (peers.size > 0) await new Promise((res) => setTimeout(res, 5));
        await settleLate();
        expect(peers.size).toBe(0);
        await Promise.all(all);
        for (const o of out) expect(["OK", "REVOKED"]).toContain(o);
      }
    }, 120_000);

    test("HTTP requests: settled when close resolves, REVOKED when cut, and no request arrives after (100 seeded races)", async () => {
      for (let iteration = 0; iteration < 100; iteration += 1) {
        const r = rng(15000 + iteration);
        const scope = makeResourceScope("http");
        const cap = makeHttpCap({ allow: [`http://127.0.0.1:${httpPort}/`], scope });
        const out: string[] = [];
        const all = [0, 1, 2, 3].map((i) =>
          outcome(cap.fetch(`http://127.0.0.1:${httpPort}/${iteration}/${i}`), out, i),
        );
        await randomMoment(r);
        await scope.close("race");
        expect(out.filter((o) => o !== undefined)).toHaveLength(4);
        // What the client sent before close the server may parse a little
        // later: look once the server has seen every connection close.
        while (httpPeers.size > 0) await new Promise((res) => setTimeout(res, 5));
        const seen = requests.length;
        await settleLate();
        expect(requests.length).toBe(seen);
        await Promise.all(all);
        for (const o of out) expect(["OK", "REVOKED"]).toContain(o);
      }
    }, 120_000);
  });
});
