// Computes line and word diffs and a patch.
import { diffLines, diffWords, createTwoFilesPatch } from "diff";
export function main() {
  const a = "one\ntwo\nthree\n";
  const b = "one\n2\nthree\nfour\n";
  return {
    lines: diffLines(a, b).map((p) => [p.added ? "+" : p.removed ? "-" : " ", p.value]),
    words: diffWords("the quick fox", "the slow fox").map((p) => p.value),
    patch: createTwoFilesPatch("a.txt", "b.txt", a, b, "", ""),
  };
}
