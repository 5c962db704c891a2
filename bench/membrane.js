// Membrane cost per operation, against baselines measured in the same run:
// a direct call, a bare Proxy, a Proxy whose apply trap only calls
// Reflect.apply (the floor for any membrane), and @locker/near-membrane-node
// doing the same operations across its own boundary.
//
// Every guest-side loop is the same source text, evaluated in a Compartment
// (ours) or in near-membrane's sandbox, and takes what it calls as a
// parameter, so no global look-up is measured. Each compared function gets
// its own evaluation of the loop (its own call site, so one cannot make
// another's polymorphic), and rounds are interleaved. A direct call to a
// small function is inlined by V8, so it is shown for scale only; the
// ratios compare against a bare Proxy call, which is never inlined.
import createVirtualEnvironment from "@locker/near-membrane-node";
import { makeMembrane } from "../packages/membrane/dist/index.js";
import { nsPerOpInterleaved, result } from "./measure.js";

const CALL_LOOP = "(fn, n) => { let r; for (let i = 0; i < n; i += 1) r = fn(i, 2); return r; }";
const GET_LOOP = "(o, n) => { let r = 0; for (let i = 0; i < n; i += 1) r += o.x; return r; }";

export async function run() {
  const compartment = new Compartment({ __options__: true });
  const callLoop = () => compartment.evaluate(CALL_LOOP);
  const getLoop = () => compartment.evaluate(GET_LOOP);
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
  const nmCallLoop = () => env.evaluate(CALL_LOOP);
  const nmGetLoop = () => env.evaluate(GET_LOOP);
  const nmEcho = env.evaluate("(x) => x");

  const bind = (loop, fn) => {
    const own = loop();
    return (n) => own(fn, n);
  };
  const [direct, bare, applyFloor, oursCall, nmCall] = nsPerOpInterleaved([
    bind(callLoop, add),
    bind(callLoop, bareProxy),
    bind(callLoop, floor),
    bind(callLoop, wrappedAdd),
    bind(nmCallLoop, add),
  ]);
  const [oursFresh, nmFresh] = nsPerOpInterleaved(
    [bind(callLoop, wrappedFresh), bind(nmCallLoop, fresh)],
    { n: 50_000 },
  );
  const [bareGet, oursGet, nmGet] = nsPerOpInterleaved([
    bind(getLoop, bareRecord),
    bind(getLoop, wrappedRecord),
    bind(nmGetLoop, record),
  ]);
  const roundTrip = (echo) => (n) => {
    for (let i = 0; i < n; i += 1)
      if (echo(hostObject) !== hostObject) throw new Error("identity lost");
  };
  const [oursRound, nmRound] = nsPerOpInterleaved([
    roundTrip(hostSideEcho),
    // The same loop, written out again so that it is its own call site.
    (n) => {
      for (let i = 0; i < n; i += 1)
        if (nmEcho(hostObject) !== hostObject) throw new Error("identity lost");
    },
  ]);

  return [
    result(
      "membrane: direct call, inlined by V8 (scale only) vs bare Proxy call",
      direct,
      "ns/op",
      bare,
    ),
    result("membrane: apply-trap floor vs bare Proxy call", applyFloor, "ns/op", bare),
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
