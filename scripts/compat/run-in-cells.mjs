// Runs one compatibility plugin in a cell at each isolation level, with the
// host built from this repository (packages/host/dist). Prints one
// `COMPAT-RESULT <json>` line per level.
//
// The cell gets no grants and may import only the package under test (and
// its subpaths): what a plugin author gets by default; a package whose work
// is randomness or time (an id generator) gets the grant its corpus entry
// names (`"grants": ["random"]`), as its author would ask for. A failure of one
// level does not stop the next; if the package takes this process down, the
// runner reports the levels that did not answer.
//
// Usage: node run-in-cells.mjs <plugin folder> <package name> <level,...> [grant,...]
import { createHost } from "../../packages/host/dist/index.js";
import { makeClockCap, makeRandomCap } from "../../packages/caps/dist/index.js";
import { encodeResult } from "./compat-result.mjs";

const [folder, name, levelList, grantList = ""] = process.argv.slice(2);
const GRANTS = { clock: () => makeClockCap(), random: () => makeRandomCap() };
const grantsOf = () =>
  Object.fromEntries(
    grantList
      .split(",")
      .filter((g) => g !== "")
      .map((g) => [g, GRANTS[g]()]),
  );
const host = await createHost();
for (const isolation of levelList.split(",")) {
  const started = process.hrtime.bigint();
  let line;
  let cell;
  try {
    cell = await host.createCell({
      name: `compat ${name}`.replace(/[^A-Za-z0-9._@/ -]/g, "-"),
      root: folder,
      imports: [name, `${name}/*`],
      grants: grantsOf(),
      isolation,
      // A worker cannot contain memory (it refuses memoryMb): time only there.
      limits:
        isolation === "compartment"
          ? undefined
          : isolation === "worker"
            ? { wallMs: 120_000 }
            : { memoryMb: 1024, wallMs: 120_000 },
    });
    const result = await cell.run("./index.js");
    line = { level: isolation, ok: true, result: encodeResult(result) };
  } catch (error) {
    let message;
    try {
      message = `${error?.code ?? error?.name ?? "Error"}: ${error?.message ?? error}`;
    } catch {
      message = "(an error without a readable message)";
    }
    line = { level: isolation, ok: false, error: message };
  }
  try {
    await cell?.revoke("compat run done");
  } catch {
    // A cell that failed to start has nothing to revoke.
  }
  line.ms = Number((process.hrtime.bigint() - started) / 1_000_000n);
  process.stdout.write(`\nCOMPAT-RESULT ${JSON.stringify(line)}\n`);
}
process.exit(0);
