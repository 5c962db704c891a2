// Point-free data processing with ramda.
import * as R from "ramda";
export function main() {
  const words = ["apple", "Banana", "cherry", "avocado"];
  const byLetter = R.groupBy((w) => w[0].toLowerCase(), words);
  const pipeline = R.pipe(
    R.map(R.toUpper),
    R.filter((w) => w.length > 5),
    R.sortBy(R.identity),
  );
  return {
    byLetter,
    pipeline: pipeline(words),
    sum: R.sum(R.range(1, 11)),
    lens: R.view(R.lensPath(["a", "b"]), { a: { b: 42 } }),
  };
}
