// Loads and dumps YAML with js-yaml.
import yaml from "js-yaml";
export function main() {
  const data = yaml.load(
    "server:\n  host: localhost\n  ports: [80, 443]\nanchors:\n  a: &x {k: 1}\n  b: *x\n",
  );
  return { data, dumped: yaml.dump({ b: [1, { c: "d" }], a: "multi\nline" }) };
}
