/**
 * Intrinsics the membrane relies on, captured once when this module loads, so
 * that nothing a guest or a later host module does to the environment can
 * subvert a check. After SES `lockdown()` they are frozen anyway; capturing
 * them keeps the membrane correct in a realm that is not yet locked down.
 */

export const {
  apply: ReflectApply,
  construct: ReflectConstruct,
  get: ReflectGet,
  set: ReflectSet,
  has: ReflectHas,
  ownKeys: ReflectOwnKeys,
  defineProperty: ReflectDefineProperty,
  deleteProperty: ReflectDeleteProperty,
  getOwnPropertyDescriptor: ReflectGetOwnPropertyDescriptor,
  getPrototypeOf: ReflectGetPrototypeOf,
  setPrototypeOf: ReflectSetPrototypeOf,
  isExtensible: ReflectIsExtensible,
  preventExtensions: ReflectPreventExtensions,
} = Reflect;

export const { isFrozen: ObjectIsFrozen, freeze: ObjectFreeze, create: ObjectCreate } = Object;
export const { isArray: ArrayIsArray } = Array;
export const ProxyCtor = Proxy;
export const WeakMapCtor = WeakMap;
export const WeakSetCtor = WeakSet;
export const SetCtor = Set;
export const MapCtor = Map;
export const PromiseCtor = Promise;
export const PromisePrototype = Promise.prototype;
export const ObjectPrototype = Object.prototype;
export const PromisePrototypeThen = Promise.prototype.then;
export const ErrorCtor = Error;
export const StringCtor = String;

/** Calls an accessor getter captured from an intrinsic prototype. */
export const getterOf = (proto: object, key: PropertyKey): ((this: unknown) => unknown) => {
  const desc = ReflectGetOwnPropertyDescriptor(proto, key);
  if (!desc || typeof desc.get !== "function") {
    throw new TypeError(`Padded Cell: missing intrinsic getter ${String(key)}`);
  }
  return desc.get;
};

/** Whether a value is an object or a function (something a membrane must wrap). */
export const isObjectLike = (value: unknown): value is object =>
  (typeof value === "object" && value !== null) || typeof value === "function";
