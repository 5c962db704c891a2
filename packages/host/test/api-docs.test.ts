// Every export of the public packages has TSDoc; every exported function,
// class and constant also has an @example. (typedoc checks that each export
// is documented; this checks the examples.)
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { expect, test } from "vitest";

// Each package with how many values it exports at least, so the check is seen
// to have looked at the exports.
const packages: [string, number][] = [
  ["membrane", 4],
  ["caps", 4],
  ["host", 4],
  ["cli", 2],
];

test.each(packages)(
  "@padded-cell/%s: every exported value has TSDoc with an example",
  (pkg, atLeast) => {
    const entry = fileURLToPath(new URL(`../../${pkg}/src/index.ts`, import.meta.url));
    const program = ts.createProgram([entry], {
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022,
      noEmit: true,
      types: [],
    });
    const checker = program.getTypeChecker();
    const source = program.getSourceFile(entry) as ts.SourceFile;
    const moduleSymbol = checker.getSymbolAtLocation(source) as ts.Symbol;
    const missing: string[] = [];
    let values = 0;
    for (const exported of checker.getExportsOfModule(moduleSymbol)) {
      const symbol =
        exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      const isValue =
        (symbol.flags &
          (ts.SymbolFlags.Function | ts.SymbolFlags.Class | ts.SymbolFlags.Variable)) !==
        0;
      const docs = ts.displayPartsToString(symbol.getDocumentationComment(checker));
      const tags = symbol.getJsDocTags(checker).map((tag) => tag.name);
      if (isValue) values += 1;
      if (docs.trim() === "") missing.push(`${exported.name}: no documentation`);
      else if (isValue && !tags.includes("example")) missing.push(`${exported.name}: no @example`);
    }
    expect(values).toBeGreaterThanOrEqual(atLeast);
    expect(missing).toEqual([]);
  },
);
