// Converts text between legacy encodings.
import iconv from "iconv-lite";
export function main() {
  const bytes = iconv.encode("naïve café", "win1252");
  return {
    bytes: Array.from(bytes),
    back: iconv.decode(bytes, "win1252"),
    latin: iconv.decode(Uint8Array.from([0xe9, 0xe8]), "latin1"),
    exists: iconv.encodingExists("shift_jis"),
  };
}
