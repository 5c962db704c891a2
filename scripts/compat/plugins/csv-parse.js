// Parses CSV synchronously with csv-parse.
import { parse } from "csv-parse/sync";
export function main() {
  return parse('id;label\n1;"semi;colon"\n2;plain\n', {
    columns: true,
    delimiter: ";",
    cast: true,
  });
}
