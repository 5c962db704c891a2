// Parses JavaScript and counts node types.
import { parse } from "acorn";
export function main() {
  const ast = parse(
    "import x from 'y'; export const f = async (a, b = 2) => { for (const i of a) await i; return `t${b}`; };",
    {
      ecmaVersion: 2022,
      sourceType: "module",
    },
  );
  const counts = {};
  const walk = (n) => {
    if (!n || typeof n.type !== "string") return;
    counts[n.type] = (counts[n.type] ?? 0) + 1;
    for (const v of Object.values(n))
      (Array.isArray(v) ? v : [v]).forEach((c) => c && typeof c === "object" && walk(c));
  };
  walk(ast);
  return { body: ast.body.map((n) => n.type), counts };
}
