// Runs every benchmark in this folder (each exports `run()` returning rows of
// { name, value (median), min, max, unit, baseline, ratio, goal? }), prints them, and writes
// bench-results.json at the repository root. Usage: pnpm bench [filter]
import { readdir, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { lockdownRealm } from "../packages/host/dist/realm-lockdown.js";

// One realm-wide lockdown with the options every host, wall and the CLI use;
// benchmarks must not call it themselves.
lockdownRealm();

const here = fileURLToPath(new URL(".", import.meta.url));
const filter = process.argv[2] ?? "";
const files = (await readdir(here))
  .filter((f) => f.endsWith(".js") && !["run.js", "measure.js"].includes(f) && f.includes(filter))
  .sort();

const rows = [];
for (const file of files) {
  process.stderr.write(`bench ${file} ...\n`);
  const { run } = await import(new URL(file, import.meta.url).href);
  for (const row of await run()) {
    rows.push(row);
    const spread = row.min === undefined ? "" : ` [${row.min} … ${row.max}]`;
    console.log(
      `${row.name.padEnd(84)} ${String(row.value).padStart(10)} ${row.unit.padEnd(7)}${spread.padEnd(26)} ` +
        `baseline ${String(row.baseline).padStart(10)}  ratio ${String(row.ratio).padStart(8)}` +
        (row.goal === undefined ? "" : `  goal ${row.goal}`),
    );
  }
}
const out = fileURLToPath(new URL("../bench-results.json", import.meta.url));
await writeFile(out, JSON.stringify(rows, null, 2) + "\n");
console.log(`\n${rows.length} results written to bench-results.json`);
