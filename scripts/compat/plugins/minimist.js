// Parses command-line arguments.
import minimist from "minimist";
export function main() {
  return minimist(["-x", "3", "--name=cell", "--no-color", "-abc", "file.txt", "--", "--raw"], {
    boolean: ["color"],
    alias: { n: "name" },
  });
}
