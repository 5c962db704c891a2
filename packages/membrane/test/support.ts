// Test support: a guest is code evaluated in its own SES Compartment, which
// sees only the globals the test hands it.
export const guest = (globals: Record<string, unknown> = {}) => {
  const compartment = new Compartment({ globals, __options__: true } as never);
  return <T = any>(source: string): T => compartment.evaluate(source) as T;
};
