// Merges configuration layers.
import deepmerge from "deepmerge";
export function main() {
  const base = { server: { port: 80, hosts: ["a"] }, debug: false };
  const local = { server: { hosts: ["b"] }, debug: true };
  return {
    concat: deepmerge(base, local),
    replace: deepmerge(base, local, { arrayMerge: (_a, b) => b }),
    all: deepmerge.all([{ a: 1 }, { b: 2 }, { a: 3 }]),
  };
}
