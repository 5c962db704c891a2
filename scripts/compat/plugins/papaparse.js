// Parses and writes CSV with Papa Parse.
import Papa from "papaparse";
export function main() {
  const parsed = Papa.parse('name,age\n"Smith, J",42\nada,36\n', {
    header: true,
    dynamicTyping: true,
    skipEmptyLines: true,
  });
  return {
    data: parsed.data,
    errors: parsed.errors.length,
    csv: Papa.unparse([{ a: 1, b: "x,y" }]),
  };
}
