// Name-based ids (v5), validation and a random id's shape.
import { v4, v5, validate, version, parse, stringify } from "uuid";
export function main() {
  const id = v5("cell.example", v5.DNS);
  const random = v4();
  return {
    id,
    valid: validate(id),
    version: version(id),
    roundTrip: stringify(parse(id)) === id,
    randomShape: validate(random) && version(random),
  };
}
