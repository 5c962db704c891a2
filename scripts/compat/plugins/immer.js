// Immutable updates with immer.
import { produce, enablePatches, produceWithPatches } from "immer";
enablePatches();
export function main() {
  const base = { todos: [{ title: "a", done: false }], count: 1 };
  const next = produce(base, (draft) => {
    draft.todos.push({ title: "b", done: true });
    draft.todos[0].done = true;
    draft.count += 1;
  });
  const [, patches] = produceWithPatches(base, (d) => {
    d.count = 5;
  });
  return { next, baseUnchanged: base.todos.length === 1, shared: Object.isFrozen(next), patches };
}
