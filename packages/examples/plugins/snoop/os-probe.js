// A module that imports a Node builtin the cell was not granted: loading it
// fails before any of its code runs.
import { homedir } from "node:os";

export const home = homedir();
