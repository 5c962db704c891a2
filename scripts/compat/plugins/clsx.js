// Builds CSS class strings with clsx.
import { clsx } from "clsx";
export function main() {
  return [
    clsx("btn", { active: true, disabled: false }, ["lg", ["nested"]]),
    clsx(0, "", null, "z"),
  ];
}
