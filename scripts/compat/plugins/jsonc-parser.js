// Parses and edits JSON with comments, as editors do with settings files.
import { parse, modify, applyEdits, findNodeAtLocation, parseTree } from "jsonc-parser";
export function main() {
  const text = '{\n  // editor settings\n  "tabSize": 2,\n  "files": { "exclude": ["dist"] },\n}\n';
  const errors = [];
  const value = parse(text, errors, { allowTrailingComma: true });
  const edited = applyEdits(
    text,
    modify(text, ["tabSize"], 4, { formattingOptions: { insertSpaces: true, tabSize: 2 } }),
  );
  const node = findNodeAtLocation(parseTree(text), ["files", "exclude", 0]);
  return { value, errors: errors.length, edited, node: node && node.value };
}
