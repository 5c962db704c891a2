// Parses TypeScript and JSX with @babel/parser.
import { parse } from "@babel/parser";
export function main() {
  const ast = parse(
    "const el = <div className={cls}>{items.map((i: Item) => <Row key={i.id} />)}</div>;\ninterface Item { id: number }",
    {
      sourceType: "module",
      plugins: ["jsx", "typescript"],
    },
  );
  return { body: ast.program.body.map((n) => n.type), comments: ast.comments.length, end: ast.end };
}
