import { expect } from 'chai';
import { Redactor } from '../../lib/redaction/redactor';

/** JSON text as every channel writes it, here without rules: what stays of a value's shape. */
const safeJsonStringify = (value: unknown): string => Redactor.NONE.stringify(value);

describe('Redactor.stringify() (the JSON text of every channel), without rules', () => {
  const parse = (value: unknown): unknown => JSON.parse(safeJsonStringify(value));

  it('writes what JSON.stringify writes for plain data', () => {
    const value = { a: 1, b: 'two', c: [true, null, 3.5], d: { e: 'f' }, skipped: undefined };

    expect(safeJsonStringify(value)).to.equal(JSON.stringify(value));
  });

  it('writes errors as { name, message, code?, cause? }, at any depth, whatever else they carry', () => {
    const error = Object.assign(new TypeError('bad', { cause: new RangeError('under') }), { code: 42, extra: { secret: true } });

    expect(parse({ nested: [error] })).to.deep.equal({
      nested: [{ name: 'TypeError', message: 'bad', code: 42, cause: { name: 'RangeError', message: 'under' } }],
    });
    expect(parse(new Error('plain'))).to.deep.equal({ name: 'Error', message: 'plain' });
  });

  it('writes BigInts as "123n", cycles as "[Circular]", and a shared object twice', () => {
    const shared = { n: 1 };
    const value: Record<string, unknown> = { big: 123n, a: shared, b: shared };
    value['self'] = value;

    expect(parse(value)).to.deep.equal({ big: '123n', a: { n: 1 }, b: { n: 1 }, self: '[Circular]' });
  });

  it('survives throwing getters and toJSON methods', () => {
    const value = {
      get broken(): never {
        throw new Error('getter');
      },
      odd: { toJSON: () => { throw new Error('toJSON'); } },
      ok: 1,
    };

    expect(parse(value)).to.deep.equal({ broken: '[unreadable]', odd: '[unreadable]', ok: 1 });
  });

  it('writes Dates through toJSON, Maps as entry lists, Sets as arrays, and drops functions and symbols', () => {
    const value = {
      at: new Date(0),
      map: new Map<unknown, unknown>([['k', 1n]]),
      set: new Set([1, 2]),
      fn: () => 1,
      sym: Symbol('s'),
      list: [() => 1, Number.NaN],
    };

    expect(parse(value)).to.deep.equal({
      at: '1970-01-01T00:00:00.000Z',
      map: [['k', '1n']],
      set: [1, 2],
      list: [null, null],
    });
  });

  it('cuts very deep nesting instead of overflowing the stack', () => {
    let deep: Record<string, unknown> = {};
    const root = deep;
    for (let i = 0; i < 10_000; i++) {
      const next = {};
      deep['next'] = next;
      deep = next;
    }

    expect(safeJsonStringify(root)).to.contain('"[Truncated]"');
  });

  it('writes null for undefined at the top level, never undefined', () => {
    expect(safeJsonStringify(undefined)).to.equal('null');
    expect(safeJsonStringify(() => 1)).to.equal('null');
  });
});
