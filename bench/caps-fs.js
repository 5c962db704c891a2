// File capability cost: readFile of a 4 KiB and a 1 MiB file through
// makeDirCap (path check, link containment, descriptor verification) against
// fs.promises.readFile of the same file, measured in the same run with the
// rounds interleaved so drift hits both alike. Also the in-memory capability
// against the same baseline, for scale. Target: <= 1.15x for 4 KiB.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { hrtime } from "node:process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeDirCap, makeMemoryDirCap } from "../packages/caps/dist/index.js";
import { result } from "./measure.js";

/**
 * Median microseconds per call of each body. The machine may be shared, so the
 * bodies run in many small batches, in alternating order (ABC, CBA, ...), so
 * load changes hit every body alike; the median over batches is reported.
 */
async function usPerCall(bodies, { n, rounds = 41 }) {
  const samples = bodies.map(() => []);
  for (const body of bodies) for (let i = 0; i < n; i += 1) await body();
  for (let round = 0; round < rounds; round += 1) {
    const order = bodies.map((_, k) => k);
    if (round % 2 === 1) order.reverse();
    for (const k of order) {
      const start = hrtime.bigint();
      for (let i = 0; i < n; i += 1) await bodies[k]();
      samples[k].push(Number(hrtime.bigint() - start) / 1e3 / n);
    }
  }
  return samples.map((s) => s.sort((a, b) => a - b)[Math.floor(s.length / 2)]);
}

export async function run() {
  const dir = await mkdtemp(join(tmpdir(), "pc-bench-fs-"));
  try {
    const small = new Uint8Array(4096).fill(97);
    const large = new Uint8Array(1024 * 1024).fill(98);
    await writeFile(join(dir, "small.txt"), small);
    await writeFile(join(dir, "large.bin"), large);
    const cap = makeDirCap(dir);
    const mem = makeMemoryDirCap({ seed: { "/small.txt": small } });
    const rows = [];

    const [capSmall, nodeSmall, memSmall] = await usPerCall(
      [
        () => cap.readFile("/small.txt"),
        () => readFile(join(dir, "small.txt")),
        () => mem.readFile("/small.txt"),
      ],
      { n: 100 },
    );
    rows.push(
      result("caps-fs: DirCap.readFile 4 KiB (vs fs.promises.readFile)", capSmall, "us", nodeSmall),
    );
    rows.push(
      result(
        "caps-fs: memory DirCap.readFile 4 KiB (vs fs.promises.readFile)",
        memSmall,
        "us",
        nodeSmall,
      ),
    );

    const [capLarge, nodeLarge] = await usPerCall(
      [() => cap.readFile("/large.bin"), () => readFile(join(dir, "large.bin"))],
      { n: 100 },
    );
    rows.push(
      result("caps-fs: DirCap.readFile 1 MiB (vs fs.promises.readFile)", capLarge, "us", nodeLarge),
    );
    return rows;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
