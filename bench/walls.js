// Walls: how fast a cell behind a worker or process wall is ready (cold and
// from the warm pool) compared with a raw `new Worker` / child process that
// only locks down; the cost of one capability call across each wall compared
// with a raw message round trip on the same kind of channel; and how quickly
// an infinite loop is stopped after its CPU budget, with the host's
// event-loop delay meanwhile. Run through bench/run.js (it locks the realm).
import { spawn } from "node:child_process";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { hrtime } from "node:process";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { startWall, makeWallPool } from "../packages/host/dist/index.js";
import { result } from "./measure.js";

const hostRequire = createRequire(new URL("../packages/host/package.json", import.meta.url));
const SES_URL = pathToFileURL(hostRequire.resolve("ses")).href.replace(
  /dist\/ses\.cjs$/,
  "index.js",
);
const ROUNDS = 5;
const CALLS = 2000;

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const now = () => Number(hrtime.bigint()) / 1e6;

// Raw worker: lockdown, then echo every message.
const RAW_WORKER = `data:text/javascript,${encodeURIComponent(`
  import ${JSON.stringify(SES_URL)};
  import { parentPort } from "node:worker_threads";
  lockdown();
  parentPort.on("message", (m) => parentPort.postMessage(m));
  parentPort.postMessage("ready");
`)}`;
// Raw child: lockdown, then echo every line on fd 3.
const RAW_CHILD = `
  import ${JSON.stringify(SES_URL)};
  import { Socket } from "node:net";
  lockdown();
  const pipe = new Socket({ fd: 3, readable: true, writable: true });
  pipe.on("data", (d) => pipe.write(d));
  pipe.write("ready\\n");
`;

const rawWorker = async () => {
  const t0 = now();
  const w = new Worker(new URL(RAW_WORKER), { env: {}, execArgv: [] });
  await new Promise((r) => w.once("message", r));
  return { ms: now() - t0, w };
};

const rawChild = async () => {
  const t0 = now();
  const c = spawn(process.execPath, ["--input-type=module", "-e", RAW_CHILD], {
    env: {},
    stdio: ["ignore", "ignore", "inherit", "pipe"],
  });
  const pipe = c.stdio[3];
  await new Promise((r) => pipe.once("data", r));
  return { ms: now() - t0, c, pipe };
};

const readyCold = async (kind) => {
  const t0 = now();
  const wall = await startWall({ kind, name: "bench", grants: {} });
  await wall.evaluate("1");
  const ms = now() - t0;
  await wall.terminate();
  return ms;
};

const echoGrant = harden({ ping: async (x) => x });
const CALL_LOOP = `(async () => { for (let i = 0; i < ${CALLS}; i += 1) await caps.echo.ping(i); })()`;

const callMs = async (kind) => {
  const wall = await startWall({ kind, name: "bench", grants: { echo: echoGrant } });
  await wall.evaluate(CALL_LOOP);
  const samples = [];
  for (let r = 0; r < ROUNDS; r += 1) {
    const t0 = now();
    await wall.evaluate(CALL_LOOP);
    samples.push((now() - t0) / CALLS);
  }
  await wall.terminate();
  return median(samples);
};

const rawRoundTrip = async (send, once) => {
  const samples = [];
  for (let r = 0; r < ROUNDS + 1; r += 1) {
    const t0 = now();
    for (let i = 0; i < CALLS; i += 1) {
      const p = once();
      send(i);
      await p;
    }
    if (r > 0) samples.push((now() - t0) / CALLS);
  }
  return median(samples);
};

export async function run() {
  const rows = [];
  for (const kind of ["worker", "process"]) {
    const raw = [];
    const cold = [];
    for (let r = 0; r < ROUNDS; r += 1) {
      if (kind === "worker") {
        const { ms, w } = await rawWorker();
        raw.push(ms);
        await w.terminate();
      } else {
        const { ms, c } = await rawChild();
        raw.push(ms);
        c.kill("SIGKILL");
      }
      cold.push(await readyCold(kind));
    }
    const rawMs = median(raw);
    rows.push(
      result(
        `walls: ${kind} cell ready, cold (vs raw spawn + lockdown)`,
        median(cold),
        "ms",
        rawMs,
      ),
    );

    const pool = makeWallPool({ kind, size: 2 });
    const warm = [];
    for (let r = 0; r < ROUNDS; r += 1) {
      await new Promise((res) => setTimeout(res, kind === "worker" ? 500 : 800)); // let the pool refill
      const t0 = now();
      const wall = await pool.acquire({ name: "bench", grants: {} });
      await wall.evaluate("1");
      warm.push(now() - t0);
      await wall.terminate();
    }
    await pool.close();
    rows.push(
      result(
        `walls: ${kind} cell ready, warm pool (vs raw spawn + lockdown)`,
        median(warm),
        "ms",
        rawMs,
      ),
    );

    let rawCall;
    if (kind === "worker") {
      const { w } = await rawWorker();
      rawCall = await rawRoundTrip(
        (i) => w.postMessage(i),
        () => new Promise((r) => w.once("message", r)),
      );
      await w.terminate();
    } else {
      const { c, pipe } = await rawChild();
      rawCall = await rawRoundTrip(
        (i) => pipe.write(`${i}\n`),
        () => new Promise((r) => pipe.once("data", r)),
      );
      c.kill("SIGKILL");
    }
    rows.push(
      result(
        `walls: ${kind} capability call round trip (vs raw channel echo)`,
        await callMs(kind),
        "ms",
        rawCall,
      ),
    );

    const budget = 200;
    const overshoot = [];
    const delays = [];
    for (let r = 0; r < 3; r += 1) {
      const wall = await startWall({ kind, name: "spin", grants: {}, limits: { cpuMs: budget } });
      const h = monitorEventLoopDelay({ resolution: 5 });
      h.enable();
      const t0 = now();
      await wall.evaluate("for (;;) {}").catch(() => {});
      overshoot.push(now() - t0 - budget);
      h.disable();
      delays.push(h.percentile(99) / 1e6);
    }
    rows.push(
      result(
        `walls: ${kind} infinite loop stopped after its ${budget} ms budget (overshoot vs budget)`,
        median(overshoot),
        "ms",
        budget,
      ),
    );
    const idle = monitorEventLoopDelay({ resolution: 5 });
    idle.enable();
    await new Promise((res) => setTimeout(res, budget));
    idle.disable();
    rows.push(
      result(
        `walls: ${kind} host event-loop delay p99 during the loop (vs idle)`,
        median(delays),
        "ms",
        idle.percentile(99) / 1e6,
      ),
    );
  }
  return rows;
}
