// Formats and parses byte sizes.
import bytes from "bytes";
export function main() {
  return [
    bytes(1024 * 1024 * 5.5),
    bytes("1.5GB"),
    bytes(1000, { thousandsSeparator: "," }),
    bytes.parse("12kb"),
  ];
}
