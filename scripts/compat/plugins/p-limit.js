// Runs async jobs with bounded concurrency.
import pLimit from "p-limit";
export async function main() {
  const limit = pLimit(2);
  let running = 0;
  let peak = 0;
  const job = (n) =>
    limit(async () => {
      running += 1;
      peak = Math.max(peak, running);
      await Promise.resolve();
      running -= 1;
      return n * n;
    });
  return { results: await Promise.all([1, 2, 3, 4, 5].map(job)), peak };
}
