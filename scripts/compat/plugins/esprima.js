// Tokenizes and parses JavaScript with esprima.
import esprima from "esprima";
export function main() {
  const tokens = esprima.tokenize("const answer = 6 * 7; // comment", { comment: true });
  const ast = esprima.parseScript("function f(a) { return a ? [1, 2] : {k: 'v'}; }");
  return {
    tokens: tokens.map((t) => `${t.type}:${t.value}`),
    body: JSON.parse(JSON.stringify(ast)),
  };
}
