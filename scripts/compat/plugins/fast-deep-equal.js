// Deep equality of nested records.
import equal from "fast-deep-equal";
export function main() {
  return [
    equal({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] }),
    equal({ a: 1 }, { a: "1" }),
    equal([1, 2], [1, 2, 3]),
  ];
}
