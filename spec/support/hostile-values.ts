/**
 * A pool of hostile values for property-based tests: throwing getters, toJSON / Symbol.toPrimitive / toString
 * that throw, Proxies whose traps throw, revoked Proxies, cycles, BigInts, Symbols, frozen and null-prototype
 * objects, 1 MB strings, control characters, deep nesting, and whatever fast-check's `anything()` makes.
 */
import fc from 'fast-check';

/** Makers of hostile values: each call makes a fresh one (a revoked Proxy, say, cannot be shared). */
export const HOSTILE_MAKERS: Readonly<Record<string, () => unknown>> = {
  throwingGetter: () =>
    Object.defineProperty({ visible: 1 }, 'broken', {
      enumerable: true,
      get(): never {
        throw new Error('getter');
      },
    }),
  throwingToJSON: () => ({ toJSON: (): never => fail('toJSON') }),
  throwingToPrimitive: () => ({ [Symbol.toPrimitive]: (): never => fail('toPrimitive'), toString: (): never => fail('toString') }),
  throwingProxy: () =>
    new Proxy({}, { get: () => fail('get'), ownKeys: () => fail('ownKeys'), getPrototypeOf: () => fail('proto'), has: () => fail('has') }),
  revokedProxy: () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    return proxy;
  },
  cycle: () => {
    const value: Record<string, unknown> = { name: 'cycle' };
    value['self'] = value;
    value['list'] = [value, { back: value }];
    return value;
  },
  bigint: () => 12345678901234567890n,
  symbol: () => Symbol('sym\nbol'),
  frozen: () => Object.freeze({ nested: Object.freeze({ deep: [1, 2] }) }),
  nullPrototype: () => Object.assign(Object.create(null) as object, { a: 1, password: 'hunter2' }),
  megaString: () => 'x'.repeat(1_000_000),
  controlCharacters: () => 'line\nforged\r\u001b[2J\u0000\u2028\u202etxt',
  loneSurrogate: () => '\ud800\udfff\ud800',
  deepNesting: () => {
    let value: Record<string, unknown> = { token: 'deep-secret' };
    for (let i = 0; i < 200; i++) value = { next: value };
    return value;
  },
  mapAndSet: () => new Map<unknown, unknown>([[{ key: 1 }, new Set([1n, Symbol('s')])]]),
  errorMessageGetter: () =>
    new (class extends Error {
      override get message(): string {
        return fail('message');
      }
    })(),
  errorNameGetter: () =>
    new (class extends Error {
      override get name(): string {
        return fail('name');
      }
    })(),
  errorStackGetter: () =>
    Object.defineProperty(new Error('stack'), 'stack', {
      get(): never {
        throw new Error('stack getter');
      },
    }),
  errorCauseCycle: () => {
    const error = new Error('cause cycle') as Error & { cause?: unknown };
    error.cause = error;
    return error;
  },
  aggregateOfHostile: () => new AggregateError([new Error('one'), { toString: (): never => fail('toString') }], 'many'),
  invalidDate: () => new Date(Number.NaN),
  typedArray: () => new Uint8Array([1, 2, 3]),
  functionValue: () => Object.defineProperty(() => 1, 'name', { get: (): never => fail('fn name') }),
};

function fail(what: string): never {
  throw new Error(`hostile ${what}`);
}

const makerArb = fc.constantFrom(...Object.keys(HOSTILE_MAKERS));

/**
 * A hostile value, described (so that a counterexample prints readably) and made fresh by {@link make}: one from
 * the pool, whatever `anything()` makes, or one of the pool nested in a structure with a secret beside it.
 */
export type Hostile =
  | { readonly pool: string }
  | { readonly anything: unknown }
  | { readonly nested: string; readonly field: string; readonly inArray: boolean };

export function make(hostile: Hostile): unknown {
  if ('pool' in hostile) return (HOSTILE_MAKERS[hostile.pool] as () => unknown)();
  if ('anything' in hostile) return hostile.anything;
  const inner = (HOSTILE_MAKERS[hostile.nested] as () => unknown)();
  return hostile.inArray ? [1, inner, { [hostile.field]: inner }] : { [hostile.field]: inner, apiKey: 'k-123', safe: 'visible' };
}

export const hostileArb: fc.Arbitrary<Hostile> = fc.oneof(
  makerArb.map((pool) => ({ pool })),
  fc
    .anything({
      withBigInt: true,
      withMap: true,
      withSet: true,
      withNullPrototype: true,
      withObjectString: true,
      withBoxedValues: true,
      withDate: true,
      withTypedArray: true,
      withSparseArray: true,
      maxDepth: 3,
    })
    .map((anything) => ({ anything })),
  fc.record({ nested: makerArb, field: fc.string(), inArray: fc.boolean() }),
);

/** A context: a hostile value when it is a non-array object, otherwise wrapped in one. */
export function asContext(value: unknown): Record<string, unknown> {
  let isPlain: boolean;
  try {
    isPlain = typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    isPlain = false; // a revoked Proxy: Array.isArray throws
  }
  return isPlain ? (value as Record<string, unknown>) : { value };
}
