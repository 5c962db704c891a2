// Compiles TypeScript to JavaScript with the TypeScript compiler.
import ts from "typescript";
export function main() {
  const source =
    "enum Color { Red, Green }\nexport class Box<T> { constructor(private readonly value: T) {}\n  get(): T { return this.value; } }\nexport const c: Color = Color.Green;\n";
  const out = ts.transpileModule(source, {
    compilerOptions: { target: ts.ScriptTarget.ES2020, module: ts.ModuleKind.CommonJS },
    reportDiagnostics: true,
  });
  return { js: out.outputText, diagnostics: out.diagnostics.length, version: ts.versionMajorMinor };
}
