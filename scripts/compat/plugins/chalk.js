// Styles terminal text with an explicit colour level.
import { Chalk } from "chalk";
export function main() {
  const chalk = new Chalk({ level: 1 });
  return {
    red: chalk.red("error"),
    nested: chalk.bold(`a ${chalk.green("b")} c`),
    plain: new Chalk({ level: 0 }).blue("x"),
  };
}
