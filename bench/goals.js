// The goals of issue 12 (walls fast enough for real plugins) and issue 10 §5
// (call floods), one row each, named after the goal. Every row compares
// against a baseline measured in the same run, with rounds interleaved, and
// reports min / median / max. Run through bench/run.js (it locks the realm).
import { spawn } from "node:child_process";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { makeClockCap, makeMemoryDirCap, makeRandomCap } from "../packages/caps/dist/index.js";
import { createHost, startWall } from "../packages/host/dist/index.js";
import { preparePluginFolder } from "../packages/examples/dist/plugin-folder.js";
import { interleaved, result, stats } from "./measure.js";

const hostRequire = createRequire(new URL("../packages/host/package.json", import.meta.url));
const SES_URL = pathToFileURL(hostRequire.resolve("ses")).href.replace(
  /dist\/ses\.cjs$/,
  "index.js",
);
const HOST_URL = new URL("../packages/host/dist/index.js", import.meta.url).href;
const CALLS = 2000;

const PAGE = `# Title\n\nSome *text* with a [link](https://example.com) and \`code\`.\n\n${"- item with **bold** text\n".repeat(40)}`;
const docsSeed = () => {
  const seed = {};
  for (let i = 0; i < 20; i += 1) seed[`/page${i}.md`] = PAGE;
  return seed;
};

// Raw worker: lockdown, then echo every message (transferring buffers back).
const RAW_WORKER = `data:text/javascript,${encodeURIComponent(`
  import ${JSON.stringify(SES_URL)};
  import { parentPort } from "node:worker_threads";
  lockdown();
  parentPort.on("message", (m) => parentPort.postMessage(m, m instanceof ArrayBuffer ? [m] : []));
  parentPort.postMessage("ready");
`)}`;
const rawWorker = async () => {
  const w = new Worker(new URL(RAW_WORKER), { env: {}, execArgv: [] });
  await new Promise((r) => w.once("message", r));
  return w;
};
// Raw child over fork IPC: echo every message.
const RAW_CHILD = `process.on("message", (m) => process.send(m)); process.send("ready");`;
const rawChild = async () => {
  const c = spawn(process.execPath, ["-e", RAW_CHILD], {
    env: {},
    stdio: ["ignore", "ignore", "inherit", "ipc"],
  });
  await new Promise((r) => c.once("message", r));
  return c;
};

const echoLoop = (n) =>
  `(async () => { for (let i = 0; i < ${n}; i += 1) await caps.echo.ping({ i, s: "x" }); })()`;

const nodeStart = (code) => async () => {
  const t0 = performance.now();
  await new Promise((resolve, reject) => {
    const c = spawn(process.execPath, ["--input-type=module", "-e", code], { stdio: "inherit" });
    c.on("exit", (status) => (status === 0 ? resolve() : reject(new Error(`exit ${status}`))));
  });
  return performance.now() - t0;
};

/** Runs one goal's measures; a goal that fails is reported as failed, with why. */
const section = async (rows, names, body) => {
  try {
    await body();
  } catch (error) {
    for (const name of names)
      rows.push({
        name,
        value: NaN,
        min: NaN,
        max: NaN,
        unit: "failed",
        baseline: NaN,
        ratio: NaN,
        error: String(error?.message ?? error).slice(0, 120),
      });
  }
  for (const row of rows.slice(-names.length))
    process.stderr.write(
      `  ${row.name}: ${row.value} ${row.unit} (ratio ${row.ratio})${row.error ? ` ${row.error}` : ""}\n`,
    );
};

export async function run() {
  const rows = [];
  const host = await createHost();
  const plugin = await preparePluginFolder("markdown", ["markdown-it"]);
  const grantsFor = () => ({
    docs: makeMemoryDirCap({ seed: docsSeed() }).readOnly(),
    out: makeMemoryDirCap({ seed: {} }),
  });
  const pluginCell = (isolation, extra = {}) =>
    host.createCell({
      name: `md-${isolation}`,
      isolation,
      root: plugin.root,
      imports: ["markdown-it"],
      grants: grantsFor(),
      ...extra,
    });

  // 1. Warm run of a real plugin.
  await section(
    rows,
    [
      "goal: walled run() of markdown-it, warm — worker vs compartment (≤ 1.3×)",
      "goal: walled run() of markdown-it, warm — process vs compartment (≤ 1.3×)",
    ],
    async () => {
      const cells = {};
      for (const kind of ["compartment", "worker", "process"]) cells[kind] = await pluginCell(kind);
      const [c, w, p] = await interleaved(
        [
          () => cells.compartment.run("./index.js"),
          () => cells.worker.run("./index.js"),
          () => cells.process.run("./index.js"),
        ],
        { rounds: 3 },
      );
      rows.push(
        result(
          "goal: walled run() of markdown-it, warm — worker vs compartment (≤ 1.3×)",
          w,
          "ms",
          c,
          1.3,
        ),
      );
      rows.push(
        result(
          "goal: walled run() of markdown-it, warm — process vs compartment (≤ 1.3×)",
          p,
          "ms",
          c,
          1.3,
        ),
      );
      for (const cell of Object.values(cells)) await cell.revoke("bench");
    },
  );

  // 2. Cold: create and run once.
  await section(
    rows,
    [
      "goal: cold create + run — worker vs compartment (≤ 3×)",
      "goal: cold create + run — process vs compartment (≤ 3×)",
    ],
    async () => {
      const cold = (kind) => async () => {
        const cell = await pluginCell(kind);
        await cell.run("./index.js");
        await cell.revoke("bench");
      };
      const [c, w, p] = await interleaved([cold("compartment"), cold("worker"), cold("process")], {
        rounds: 2,
      });
      rows.push(result("goal: cold create + run — worker vs compartment (≤ 3×)", w, "ms", c, 3));
      rows.push(result("goal: cold create + run — process vs compartment (≤ 3×)", p, "ms", c, 3));
    },
  );

  // 3. A capability call across a wall vs a raw echo of the same value.
  await section(
    rows,
    [
      "goal: capability call across a worker wall vs raw MessagePort echo (≤ 4×)",
      "goal: capability call across a process wall vs fork IPC echo (≤ 8×)",
      "goal: 1 MiB of bytes across a worker wall vs raw transfer (≤ 1.5×)",
      "goal: 16 MiB of bytes across a worker wall vs raw transfer (≤ 1.5×)",
    ],
    async () => {
      const echo = harden({ ping: async (x) => x });
      const walls = {
        worker: await startWall({ kind: "worker", name: "echo", grants: { echo } }),
        process: await startWall({ kind: "process", name: "echo", grants: { echo } }),
      };
      const w = await rawWorker();
      const c = await rawChild();
      const rawLoop = (send, once) => async () => {
        const t0 = performance.now();
        for (let i = 0; i < CALLS; i += 1) {
          const p = once();
          send({ i, s: "x" });
          await p;
        }
        return ((performance.now() - t0) * 1000) / CALLS;
      };
      const wallLoop = (wall) => async () => {
        const t0 = performance.now();
        await wall.evaluate(echoLoop(CALLS));
        return ((performance.now() - t0) * 1000) / CALLS;
      };
      const [ww, rw, wp, rp] = await interleaved(
        [
          wallLoop(walls.worker),
          rawLoop(
            (m) => w.postMessage(m),
            () => new Promise((r) => w.once("message", r)),
          ),
          wallLoop(walls.process),
          rawLoop(
            (m) => c.send(m),
            () => new Promise((r) => c.once("message", r)),
          ),
        ],
        { rounds: 5 },
      );
      rows.push(
        result(
          "goal: capability call across a worker wall vs raw MessagePort echo (≤ 4×)",
          ww,
          "µs",
          rw,
          4,
        ),
      );
      rows.push(
        result(
          "goal: capability call across a process wall vs fork IPC echo (≤ 8×)",
          wp,
          "µs",
          rp,
          8,
        ),
      );

      // 8. Bytes across a wall vs a raw transfer of the same size.
      for (const mib of [1, 16]) {
        const size = mib * 1024 * 1024;
        const bytesCap = harden({ get: async () => new Uint8Array(size) });
        const wall = await startWall({
          kind: "worker",
          name: "bytes",
          grants: { bytes: bytesCap },
        });
        const [ours, raw] = await interleaved(
          [
            async () => {
              await wall.evaluate("caps.bytes.get().then((b) => b.length)");
            },
            async () => {
              const p = new Promise((r) => w.once("message", r));
              const buf = new ArrayBuffer(size);
              w.postMessage(buf, [buf]);
              await p;
            },
          ],
          { rounds: 5 },
        );
        rows.push(
          result(
            `goal: ${mib} MiB of bytes across a worker wall vs raw transfer (≤ 1.5×)`,
            ours,
            "ms",
            raw,
            1.5,
          ),
        );
        await wall.terminate();
      }
      await w.terminate();
      c.kill("SIGKILL");
      for (const wall of Object.values(walls)) await wall.terminate();
    },
  );

  // 4. Throughput with 1, 10 and 50 walled cells (and starting 50 at once).
  await section(
    rows,
    [
      "goal: call throughput, 10 walled cells vs 1 (grows with cells)",
      "goal: call throughput, 50 walled cells vs 1 (grows with cells)",
      "goal: start 50 walled cells at once (works; vs 15 s timeout)",
    ],
    async () => {
      const echo = harden({ ping: async (x) => x });
      const perCell = 400;
      const throughput = async (count) => {
        const t0 = performance.now();
        const cells = await Promise.all(
          Array.from({ length: count }, (_, i) =>
            host.createCell({ name: `t${i}`, isolation: "worker", grants: { echo } }),
          ),
        );
        const startMs = performance.now() - t0;
        const t1 = performance.now();
        await Promise.all(cells.map((cell) => cell.evaluate(echoLoop(perCell))));
        const callsPerS = (count * perCell) / ((performance.now() - t1) / 1000);
        await Promise.all(cells.map((cell) => cell.revoke("bench")));
        return { startMs, callsPerS };
      };
      const samples = { 1: [], 10: [], 50: [] };
      const starts = [];
      for (let round = 0; round < 2; round += 1) {
        for (const count of round % 2 ? [50, 10, 1] : [1, 10, 50]) {
          const r = await throughput(count);
          samples[count].push(r.callsPerS);
          if (count === 50) starts.push(r.startMs);
        }
      }
      const one = stats(samples[1]);
      rows.push(
        result(
          "goal: call throughput, 10 walled cells vs 1 (grows with cells)",
          stats(samples[10]),
          "calls/s",
          one,
          ">1",
        ),
      );
      rows.push(
        result(
          "goal: call throughput, 50 walled cells vs 1 (grows with cells)",
          stats(samples[50]),
          "calls/s",
          one,
          ">1",
        ),
      );
      rows.push(
        result(
          "goal: start 50 walled cells at once (works; vs 15 s timeout)",
          stats(starts),
          "ms",
          15_000,
          "<1",
        ),
      );
    },
  );

  // 5. Importing the host vs ses + lockdown().
  await section(rows, ["goal: import @padded-cell/host vs ses + lockdown() (≤ 1.5×)"], async () => {
    const [h, s] = await interleaved(
      [
        nodeStart(`await import(${JSON.stringify(HOST_URL)});`),
        nodeStart(`await import(${JSON.stringify(SES_URL)}); lockdown();`),
      ],
      { rounds: 5 },
    );
    rows.push(
      result("goal: import @padded-cell/host vs ses + lockdown() (≤ 1.5×)", h, "ms", s, 1.5),
    );
  });

  // 6. A compartment cell with 3 grants vs a bare Compartment.
  await section(
    rows,
    ["goal: create a compartment cell with 3 grants vs bare Compartment (≤ 3×)"],
    async () => {
      const grants = () => ({
        fs: makeMemoryDirCap({ seed: { "/a.txt": "a" } }),
        clock: makeClockCap(),
        random: makeRandomCap(),
      });
      let i = 0;
      const [cellMs, bareMs] = await interleaved(
        [
          async () => {
            const t0 = performance.now();
            for (let k = 0; k < 50; k += 1)
              await host.createCell({ name: `c${(i += 1)}`, grants: grants() });
            return (performance.now() - t0) / 50;
          },
          async () => {
            const t0 = performance.now();
            for (let k = 0; k < 50; k += 1)
              new Compartment({ globals: { x: 1 }, __options__: true });
            return (performance.now() - t0) / 50;
          },
        ],
        { rounds: 7 },
      );
      rows.push(
        result(
          "goal: create a compartment cell with 3 grants vs bare Compartment (≤ 3×)",
          cellMs,
          "ms",
          bareMs,
          3,
        ),
      );
    },
  );

  // 7. A limited worker cell through createCell, from the host's warm pool.
  await section(
    rows,
    ["goal: limited worker cell ready through createCell, warm pool (≤ 5 ms)"],
    async () => {
      // A worker takes no memoryMb (it cannot contain memory): the cell is limited by CPU.
      const pooled = await createHost({ pool: { worker: 2 } });
      const ready = [];
      for (let round = 0; round < 7; round += 1) {
        await new Promise((r) => setTimeout(r, 600)); // let the pool refill
        const t0 = performance.now();
        const cell = await pooled.createCell({
          name: "limited",
          isolation: "worker",
          limits: { cpuMs: 5000 },
          grants: {},
        });
        await cell.evaluate("1");
        ready.push(performance.now() - t0);
        await cell.revoke("bench");
      }
      await pooled.close();
      rows.push(
        result(
          "goal: limited worker cell ready through createCell, warm pool (≤ 5 ms)",
          stats(ready),
          "ms",
          5,
          1,
        ),
      );
    },
  );

  // Issue 10 §5: the host's event loop while a worker cell floods calls.
  await section(
    rows,
    [
      "goal: host event-loop delay p99 during a 25,000-call flood (< 50 ms) vs idle",
      "goal: honest cell's call answered during a flood vs the 50 ms bound",
    ],
    async () => {
      const echo = harden({ ping: async (x) => x });
      const flooder = await host.createCell({
        name: "flood",
        isolation: "worker",
        grants: { echo },
      });
      const honest = await host.createCell({
        name: "honest",
        isolation: "worker",
        grants: { echo },
      });
      const floods = [];
      const honestMs = [];
      for (let round = 0; round < 3; round += 1) {
        const h = monitorEventLoopDelay({ resolution: 5 });
        h.enable();
        const flood = flooder
          .evaluate(
            "Promise.allSettled(Array.from({ length: 25000 }, (_, i) => caps.echo.ping(i))).then(() => 1)",
          )
          .catch(() => 0);
        await new Promise((r) => setTimeout(r, 20));
        const t0 = performance.now();
        await honest.evaluate("caps.echo.ping(1)");
        honestMs.push(performance.now() - t0);
        await flood;
        h.disable();
        floods.push(h.percentile(99) / 1e6);
      }
      const idle = monitorEventLoopDelay({ resolution: 5 });
      idle.enable();
      await new Promise((r) => setTimeout(r, 500));
      idle.disable();
      rows.push(
        result(
          "goal: host event-loop delay p99 during a 25,000-call flood (< 50 ms) vs idle",
          stats(floods),
          "ms",
          idle.percentile(99) / 1e6,
          "<50 ms",
        ),
      );
      rows.push(
        result(
          "goal: honest cell's call answered during a flood vs the 50 ms bound",
          stats(honestMs),
          "ms",
          50,
          "<1",
        ),
      );
      await flooder.revoke("bench");
      await honest.revoke("bench");
    },
  );

  await host.close("bench done");
  await plugin.dispose();
  return rows;
}
