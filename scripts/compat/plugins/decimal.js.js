// Exact decimal arithmetic.
import Decimal from "decimal.js";
export function main() {
  return [
    new Decimal("0.1").plus("0.2").toString(),
    new Decimal(2).sqrt().toFixed(30),
    Decimal.pow(3, 50).toString(),
    new Decimal("1e-20").times(3).toExponential(),
  ];
}
