// Walls: how quickly an infinite loop is stopped after its CPU budget, with
// the host's event-loop delay meanwhile. Readiness, call cost, bytes, pool
// and flood rows are in goals.js. Run through bench/run.js (it locks the realm).
import { monitorEventLoopDelay } from "node:perf_hooks";
import { hrtime } from "node:process";
import { startWall } from "../packages/host/dist/index.js";
import { result } from "./measure.js";

const now = () => Number(hrtime.bigint()) / 1e6;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function run() {
  const rows = [];
  for (const kind of ["worker", "process"]) {
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
