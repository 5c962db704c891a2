// Parses and builds nested query strings.
import qs from "qs";
export function main() {
  return {
    parsed: qs.parse("a[b][c]=1&list[]=x&list[]=y&flag=true"),
    built: qs.stringify({ a: { b: [1, 2] }, q: "x y" }, { encodeValuesOnly: true }),
  };
}
