// Emits and listens to events.
import EventEmitter from "eventemitter3";
export function main() {
  const ee = new EventEmitter();
  const seen = [];
  ee.on("data", (x) => seen.push(["on", x]));
  ee.once("data", (x) => seen.push(["once", x]));
  ee.emit("data", 1);
  ee.emit("data", 2);
  return { seen, count: ee.listenerCount("data"), names: ee.eventNames() };
}
