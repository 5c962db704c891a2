// Membrane cost per operation, against baselines measured in the same run:
// a direct call, a bare Proxy, a Proxy whose apply trap only calls
// Reflect.apply (the floor for any membrane), and @locker/near-membrane-node
// doing the same operations across its own boundary.
//
// Every guest-side loop is the same source text, evaluated in a Compartment
// (ours) or in near-membrane's sandbox, and takes what it calls as a
// parameter, so no global look-up is measured.
import createVirtualEnvironment from "@locker/near-membrane-node";
import { makeMembrane } from "../packages/membrane/dist/index.js";
import { nsPerOp, result } from "./measure.js";

const CALL_LOOP = "(fn, n) => { let r; for (let i = 0; i < n; i += 1) r = fn(i, 2); return r; }";
const GET_LOOP = "(o, n) => { let r = 0; for (let i = 0; i < n; i += 1) r += o.x; return r; }";

export async function run() {
  const compartment = new Compartment({ __options__: true });
  const callLoop = compartment.evaluate(CALL_LOOP);
  const getLoop = compartment.evaluate(GET_LOOP);
  const guestEcho = compartment.evaluate("(x) => x");

  const add = (a, b) => a + b;
  const fresh = (a) => ({ a });
  const record = { x: 1 };
  const hostObject = { id: 1 };

  const membrane = makeMembrane("bench");
  const wrappedAdd = membrane.wrap(add);
  const wrappedFresh = membrane.wrap(fresh);
  const wrappedRecord = membrane.wrap(record);
  const hostSideEcho = membrane.toHost(guestEcho);

  const bareProxy = new Proxy(add, {});
  const floor = new Proxy(add, {
    apply: (target, self, args) => Reflect.apply(target, self, args),
  });
  const bareRecord = new Proxy(record, {});

  const env = createVirtualEnvironment(globalThis, { endowments: {} });
  const nmCallLoop = env.evaluate(CALL_LOOP);
  const nmGetLoop = env.evaluate(GET_LOOP);
  const nmEcho = env.evaluate("(x) => x");

  const direct = nsPerOp((n) => callLoop(add, n));
  const bare = nsPerOp((n) => callLoop(bareProxy, n));
  const applyFloor = nsPerOp((n) => callLoop(floor, n));
  const oursCall = nsPerOp((n) => callLoop(wrappedAdd, n));
  const nmCall = nsPerOp((n) => nmCallLoop(add, n));
  const oursFresh = nsPerOp((n) => callLoop(wrappedFresh, n), { n: 50_000 });
  const nmFresh = nsPerOp((n) => nmCallLoop(fresh, n), { n: 50_000 });
  const bareGet = nsPerOp((n) => getLoop(bareRecord, n));
  const oursGet = nsPerOp((n) => getLoop(wrappedRecord, n));
  const nmGet = nsPerOp((n) => nmGetLoop(record, n));
  const roundTrip = (echo) => (n) => {
    for (let i = 0; i < n; i += 1)
      if (echo(hostObject) !== hostObject) throw new Error("identity lost");
  };
  const oursRound = nsPerOp(roundTrip(hostSideEcho));
  const nmRound = nsPerOp(roundTrip(nmEcho));

  return [
    result("membrane: direct call (reference)", direct, "ns/op", direct),
    result("membrane: bare Proxy call vs direct", bare, "ns/op", direct),
    result("membrane: apply-trap floor vs direct", applyFloor, "ns/op", direct),
    result("membrane: (a) primitive call vs apply-trap floor", oursCall, "ns/op", applyFloor),
    result("membrane: (a) primitive call vs near-membrane", oursCall, "ns/op", nmCall),
    result(
      "membrane: (b) call returning fresh object vs near-membrane",
      oursFresh,
      "ns/op",
      nmFresh,
    ),
    result("membrane: (c) property get vs bare Proxy get", oursGet, "ns/op", bareGet),
    result("membrane: (c) property get vs near-membrane", oursGet, "ns/op", nmGet),
    result("membrane: (d) object round trip vs near-membrane", oursRound, "ns/op", nmRound),
  ];
}
