// Reads a JSON5 config file.
import JSON5 from "json5";
export function main() {
  const config = JSON5.parse(
    "{ // comment\n name: 'cell', list: [1, 2,], hex: 0xff, inf: Infinity }",
  );
  return {
    config: { ...config, inf: String(config.inf) },
    out: JSON5.stringify({ a: 1, "b-c": [true] }),
  };
}
