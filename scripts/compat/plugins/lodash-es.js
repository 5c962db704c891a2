// Tree-shaken imports from the ES build of lodash.
import { sortBy, pick, kebabCase, cloneDeep, isEqual, range, zip } from "lodash-es";
export function main() {
  const people = [
    { n: "c", a: 3 },
    { n: "a", a: 1 },
    { n: "b", a: 2 },
  ];
  const copy = cloneDeep(people);
  return {
    sorted: sortBy(people, "a").map((p) => p.n),
    picked: pick({ a: 1, b: 2, c: 3 }, ["a", "c"]),
    kebab: kebabCase("Hello World Again"),
    equal: isEqual(copy, people),
    zipped: zip(range(3), ["x", "y", "z"]),
  };
}
