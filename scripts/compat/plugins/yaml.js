// Parses and edits a YAML document, keeping comments.
import YAML from "yaml";
export function main() {
  const doc = YAML.parseDocument(
    "# config\nname: cell\nlimits:\n  memory: 64 # MB\nlist: [1, 2]\n",
  );
  doc.setIn(["limits", "cpu"], 2000);
  return { json: doc.toJS(), text: doc.toString(), parsed: YAML.parse("a: [x, {b: c}]") };
}
