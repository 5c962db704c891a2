// Builds CSS class strings.
import classNames from "classnames";
export function main() {
  return [
    classNames("a", { b: true, c: false }, ["d", { e: 1 }]),
    classNames(null, undefined, 0, "x"),
  ];
}
