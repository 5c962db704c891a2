// A synchronous rxjs pipeline.
import { from, of, map, filter, scan, toArray, mergeMap, lastValueFrom } from "rxjs";
export async function main() {
  const result = [];
  from([1, 2, 3, 4, 5])
    .pipe(
      filter((n) => n % 2 === 1),
      map((n) => n * 10),
      scan((a, n) => a + n, 0),
    )
    .subscribe((v) => result.push(v));
  const merged = await lastValueFrom(
    of("a", "b").pipe(
      mergeMap((x) => of(x + 1, x + 2)),
      toArray(),
    ),
  );
  return { result, merged };
}
