// The jail wall beside the process wall it is built on: how long a jailed
// cell takes to be ready (cold), and what one capability call across it
// costs, each as min/median/max over interleaved rounds (jail, process,
// jail, process, ...) so drift on a shared machine hits both alike.
import { hrtime } from "node:process";
import { createHost, jailSupport } from "../packages/host/dist/index.js";
import { result } from "./measure.js";

const ROUNDS = 7;
const CALLS = 300;
const now = () => Number(hrtime.bigint()) / 1e6;
const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return { min: s[0], median: s[Math.floor(s.length / 2)], max: s[s.length - 1] };
};
const show = (x) => Number(x.toFixed(2));

export async function run() {
  if (!jailSupport().ok) {
    process.stderr.write(`jail bench skipped: ${jailSupport().missing}\n`);
    return [];
  }
  const host = await createHost();
  const echo = harden({ echo: async (x) => x });
  const cold = { jail: [], process: [] };
  const call = { jail: [], process: [] };
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const isolation of ["jail", "process"]) {
      const t0 = now();
      const cell = await host.createCell({
        name: `bench-${isolation}`,
        isolation,
        limits: { memoryMb: 64 },
        grants: { echo },
      });
      await cell.evaluate("1");
      cold[isolation].push(now() - t0);
      await cell.evaluate(
        `(async () => { for (let i = 0; i < 20; i++) await caps.echo.echo(i); })()`,
      );
      const t1 = now();
      await cell.evaluate(
        `(async () => { for (let i = 0; i < ${CALLS}; i++) await caps.echo.echo(i); })()`,
      );
      call[isolation].push(((now() - t1) * 1000) / CALLS);
      await cell.revoke("bench");
    }
  }
  await host.close?.();
  const rows = [];
  for (const [name, samples, unit] of [
    ["jail: cold start, vs a process cell", cold, "ms"],
    ["jail: capability call, vs a process cell", call, "µs"],
  ]) {
    const j = stats(samples.jail);
    const p = stats(samples.process);
    process.stderr.write(
      `${name}: jail min ${show(j.min)} median ${show(j.median)} max ${show(j.max)}; ` +
        `process min ${show(p.min)} median ${show(p.median)} max ${show(p.max)} ${unit}\n`,
    );
    rows.push(result(name, show(j.median), unit, show(p.median)));
  }
  return rows;
}
