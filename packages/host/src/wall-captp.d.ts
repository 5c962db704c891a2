// Types for the part of @endo/captp 4.5 the walls use; the package ships no
// declarations of its own.
declare module "@endo/captp" {
  export interface CapTP {
    readonly dispatch: (msg: Record<string, unknown>) => boolean;
    readonly abort: (reason?: unknown) => void;
    readonly getBootstrap: () => Promise<unknown>;
  }
  export const makeCapTP: (
    ourId: string,
    rawSend: (msg: unknown) => void,
    bootstrapObj?: unknown,
    opts?: { readonly onReject?: (err: unknown) => void },
  ) => CapTP;
}
