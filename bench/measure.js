// Shared timing helper for the benchmarks: median nanoseconds per operation
// over several rounds, after a warm-up, so that one noisy round cannot decide.
import { hrtime } from "node:process";

/**
 * @param {(n: number) => void} body runs the operation n times
 * @param {{ n?: number, rounds?: number }} [options]
 * @returns {number} median ns per operation
 */
export function nsPerOp(body, { n = 200_000, rounds = 7 } = {}) {
  body(Math.max(1, n / 10));
  const samples = [];
  for (let round = 0; round < rounds; round += 1) {
    const start = hrtime.bigint();
    body(n);
    samples.push(Number(hrtime.bigint() - start) / n);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}

/**
 * Median milliseconds of an async operation.
 * @param {() => Promise<unknown>} body
 * @param {{ rounds?: number }} [options]
 */
export async function msPerRun(body, { rounds = 7 } = {}) {
  await body();
  const samples = [];
  for (let round = 0; round < rounds; round += 1) {
    const start = hrtime.bigint();
    await body();
    samples.push(Number(hrtime.bigint() - start) / 1e6);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}

/** One row of bench-results.json. */
export function result(name, value, unit, baseline) {
  const round = (x) => Math.round(x * 1000) / 1000;
  return {
    name,
    value: round(value),
    unit,
    baseline: round(baseline),
    ratio: round(value / baseline),
  };
}
