// Formats JavaScript with prettier's standalone build.
import { format } from "prettier/standalone";
import * as babel from "prettier/plugins/babel";
import * as estree from "prettier/plugins/estree";
export async function main() {
  return format("const  a={b:1,c:[1,2,3]};function f( x ){return x*2}", {
    parser: "babel",
    plugins: [babel, estree],
  });
}
