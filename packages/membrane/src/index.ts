export { CellError } from "./cell-error.js";
