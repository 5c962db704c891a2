// Shared timing helpers for the benchmarks.
//
// Honesty rules every benchmark follows:
// 1. Compared bodies never share a call site (each gets its own loop
//    function), so one cannot make the other's call site polymorphic.
// 2. Rounds are interleaved (A B, B A, A B...), so a change of machine load
//    hits every compared body alike.
// 3. Rows report min / median / max over the rounds and the ratio of the
//    medians, measured in the same run.
import { hrtime } from "node:process";

const now = () => Number(hrtime.bigint());

/** min / median / max of samples. */
export const stats = (samples) => {
  const s = [...samples].sort((a, b) => a - b);
  return { min: s[0], median: s[Math.floor(s.length / 2)], max: s[s.length - 1] };
};

/**
 * Runs each async body `rounds` times, interleaved, after one warm-up each;
 * returns the stats of each, in the bodies' unit (the value each body
 * returns, or else elapsed milliseconds).
 * @param {Array<() => Promise<number | void>>} bodies
 * @param {{ rounds?: number, warmup?: boolean }} [options]
 */
export async function interleaved(bodies, { rounds = 7, warmup = true } = {}) {
  if (warmup) for (const body of bodies) await body();
  const samples = bodies.map(() => []);
  for (let round = 0; round < rounds; round += 1) {
    const order = bodies.map((_, k) => k);
    if (round % 2 === 1) order.reverse();
    for (const k of order) {
      const start = now();
      const value = await bodies[k]();
      samples[k].push(typeof value === "number" ? value : (now() - start) / 1e6);
    }
  }
  return samples.map(stats);
}

/**
 * Nanoseconds per operation of synchronous bodies (each runs its operation
 * n times), interleaved.
 * @param {Array<(n: number) => void>} bodies
 */
export function nsPerOpInterleaved(bodies, { n = 200_000, rounds = 7 } = {}) {
  for (const body of bodies) body(Math.max(1, n / 10));
  const samples = bodies.map(() => []);
  for (let round = 0; round < rounds; round += 1) {
    const order = bodies.map((_, k) => k);
    if (round % 2 === 1) order.reverse();
    for (const k of order) {
      const start = now();
      bodies[k](n);
      samples[k].push((now() - start) / n);
    }
  }
  return samples.map((s) => stats(s).median);
}

/** Median milliseconds of an async operation (single body; prefer `interleaved`). */
export async function msPerRun(body, { rounds = 7 } = {}) {
  const [s] = await interleaved([body], { rounds });
  return s.median;
}

/** Median ns per operation of one body (single body; prefer `nsPerOpInterleaved`). */
export function nsPerOp(body, options) {
  return nsPerOpInterleaved([body], options)[0];
}

const round3 = (x) => Math.round(x * 1000) / 1000;

/**
 * One row of bench-results.json. `value` and `baseline` are medians or stats
 * objects ({ min, median, max }); the ratio is of the medians.
 */
export function result(name, value, unit, baseline, goal) {
  const v = typeof value === "number" ? { min: value, median: value, max: value } : value;
  const b = typeof baseline === "number" ? baseline : baseline.median;
  return {
    name,
    value: round3(v.median),
    min: round3(v.min),
    max: round3(v.max),
    unit,
    baseline: round3(b),
    ratio: round3(v.median / b),
    ...(goal === undefined ? {} : { goal }),
  };
}
