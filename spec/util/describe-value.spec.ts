import { expect } from 'chai';
import fc from 'fast-check';
import { describeReason, describeValue, escapeControlCharacters, oneLine, quoteName, UNREADABLE } from '../../lib/util/describe-value';

/*
 * Pins down lib/util/describe-value.ts, which turns any value into one line for error messages and logs:
 * describeValue() (exact descriptions of each kind of value; cycles, BigInts, errors, throwing getters,
 * toJSON() and Proxies; the cut at 300 characters), quoteName(), oneLine(), describeReason() and
 * escapeControlCharacters() (every character of the class escaped, visible text never, checked over the whole BMP). A property
 * checks that describeValue() is total over fc.anything() and a pool of hostile values: it never throws, and
 * returns at most 300 characters of which none is a raw control character.
 */

/** The characters that must never appear raw in a description (C0, DEL, C1, LS/PS, LRM/RLM, bidi embeddings, overrides, isolates). */
const RAW_CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

/** Whether `code` is in the class that must be escaped (RAW_CONTROL). */
function mustEscape(code: number): boolean {
  return RAW_CONTROL.test(String.fromCharCode(code));
}

/** Visible text: letters, marks, numbers, punctuation, symbols and spaces, which must never be escaped. */
const VISIBLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S}\p{Zs}]$/u;

/** The character `code` as a `\uXXXX` escape. */
const escaped = (code: number): string => `\\u${code.toString(16).padStart(4, '0')}`;

function fail(what: string): never {
  throw new Error(`hostile ${what}`);
}

/** Makers of hostile values: each call makes a fresh one. */
const HOSTILE_MAKERS: Readonly<Record<string, () => unknown>> = {
  throwingGetter: () =>
    Object.defineProperty({ visible: 1 }, 'broken', {
      enumerable: true,
      get: (): never => fail('getter'),
    }),
  throwingToJSON: () => ({ toJSON: (): never => fail('toJSON') }),
  throwingToString: () => ({ toString: (): never => fail('toString'), valueOf: (): never => fail('valueOf') }),
  throwingToPrimitive: () => ({ [Symbol.toPrimitive]: (): never => fail('toPrimitive'), toString: (): never => fail('toString') }),
  throwingBoxedString: () => Object.assign(new String('boxed'), { toString: (): never => fail('toString'), valueOf: (): never => fail('valueOf') }),
  throwingProxy: () =>
    new Proxy(
      {},
      {
        get: () => fail('get'),
        ownKeys: () => fail('ownKeys'),
        getPrototypeOf: () => fail('proto'),
        has: () => fail('has'),
        getOwnPropertyDescriptor: () => fail('descriptor'),
      },
    ),
  throwingErrorProxy: () => new Proxy(new Error('proxied'), { get: () => fail('get') }),
  revokedProxy: () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    return proxy;
  },
  revokedFunctionProxy: () => {
    const { proxy, revoke } = Proxy.revocable(() => 1, {});
    revoke();
    return proxy;
  },
  cycle: () => {
    const value: Record<string, unknown> = { name: 'cycle\u2028' };
    value['self'] = value;
    value['list'] = [value, { back: value }];
    return value;
  },
  bigint: () => 12345678901234567890n,
  symbol: () => Symbol('sym\nbol\u202e'),
  nullPrototype: () => Object.assign(Object.create(null) as object, { a: 1, '\u0085key': '\u009b' }),
  megaString: () => '\u001b'.repeat(100_000),
  controlCharacters: () => 'line\nforged\r\u001b[2J\u0000\u2028\u202etxt\u007f\u0085\u200e\u2066',
  deepNesting: () => {
    let value: Record<string, unknown> = { leaf: 1 };
    for (let i = 0; i < 10_000; i++) value = { next: value };
    return value;
  },
  wideObject: () => Object.fromEntries(Array.from({ length: 5_000 }, (_, i) => [`key\n${i}`, '\u2029'])),
  errorMessageGetter: () =>
    new (class extends Error {
      override get message(): string {
        return fail('message');
      }
    })(),
  errorWithControls: () => Object.assign(new Error('bad\n\u001b[31mred'), { name: 'Name\u202e' }),
  namedFunction: () => Object.defineProperty(() => 1, 'name', { value: 'fn\u2066\n' }),
  functionNameGetter: () => Object.defineProperty(() => 1, 'name', { get: (): never => fail('fn name') }),
  constructorGetter: () =>
    Object.defineProperty({ toJSON: (): never => fail('toJSON') }, 'constructor', { get: (): never => fail('constructor') }),
  constructorNameControls: () => {
    class Evil {
      toJSON(): never {
        return fail('toJSON');
      }
    }
    Object.defineProperty(Evil, 'name', { value: 'Evil\u0000\u009f' });
    return new Evil();
  },
};

/**
 * A value to describe, as a plan made fresh by {@link make} inside the property (fast-check itself probes the
 * values it generates, which a throwing Proxy would not survive): whatever `anything()` makes, one of the pool,
 * or one of the pool nested beside what `anything()` makes.
 */
type Plan = { readonly anything: unknown } | { readonly hostile: string } | { readonly nested: string; readonly beside: unknown };

function make(plan: Plan): unknown {
  if ('anything' in plan) return plan.anything;
  if ('hostile' in plan) return (HOSTILE_MAKERS[plan.hostile] as () => unknown)();
  const hostile = (HOSTILE_MAKERS[plan.nested] as () => unknown)();
  return { beside: plan.beside, hostile, list: [hostile, plan.beside] };
}

const hostileNameArb = fc.constantFrom(...Object.keys(HOSTILE_MAKERS));

const anythingArb = fc.anything({
  withBigInt: true,
  withBoxedValues: true,
  withDate: true,
  withMap: true,
  withSet: true,
  withNullPrototype: true,
  withObjectString: true,
  withSparseArray: true,
  withTypedArray: true,
  stringUnit: 'binary',
  key: fc.string({ unit: 'binary', maxLength: 8 }),
});

describe('describeValue()', () => {
  it('describes primitives exactly', () => {
    expect(describeValue('text')).to.equal('"text"');
    expect(describeValue('')).to.equal('""');
    expect(describeValue(42)).to.equal('42');
    expect(describeValue(-0)).to.equal('-0');
    expect(describeValue(Number.NaN)).to.equal('NaN');
    expect(describeValue(-Infinity)).to.equal('-Infinity');
    expect(describeValue(12n)).to.equal('12n');
    expect(describeValue(Symbol('tag'))).to.equal('Symbol(tag)');
    expect(describeValue(undefined)).to.equal('undefined');
    expect(describeValue(null)).to.equal('null');
    expect(describeValue(true)).to.equal('true');
  });

  it('describes functions by name', () => {
    function namedWork(): void {}
    const anonymous = (() => () => 1)();

    expect(describeValue(namedWork)).to.equal('[function namedWork]');
    expect(describeValue(anonymous)).to.equal('[function]');
    expect(describeValue(HOSTILE_MAKERS['functionNameGetter']!())).to.equal('[function]');
  });

  it('describes plain data as JSON, with BigInts as "123n" and cycles as "[Circular]"', () => {
    const value: Record<string, unknown> = { a: 1, list: [true, null], big: 5n };
    value['self'] = value;
    const shared = { n: 1 };

    expect(describeValue(value)).to.equal('{"a":1,"list":[true,null],"big":"5n","self":"[Circular]"}');
    expect(describeValue({ x: shared, y: shared })).to.equal('{"x":{"n":1},"y":{"n":1}}');
  });

  it('describes an error as "name: message", also nested in data', () => {
    expect(describeValue(new TypeError('bad input'))).to.equal('TypeError: bad input');
    expect(describeValue({ cause: new RangeError('too far') })).to.equal('{"cause":"RangeError: too far"}');
    expect(describeValue(HOSTILE_MAKERS['errorMessageGetter']!())).to.equal('Error: [unreadable]');
  });

  it('falls back to "[object <constructor name>]" when a getter or toJSON() throws', () => {
    class Widget {}
    const widget = Object.defineProperty(new Widget(), 'own', { enumerable: true, get: (): never => fail('own getter') });

    expect(describeValue(widget)).to.equal('[object Widget]');
    expect(describeValue(HOSTILE_MAKERS['throwingGetter']!())).to.equal('[object Object]');
    expect(describeValue(HOSTILE_MAKERS['throwingToJSON']!())).to.equal('[object Object]');
    expect(describeValue(HOSTILE_MAKERS['throwingBoxedString']!())).to.equal('[object String]');
  });

  it('describes a Proxy whose traps throw, and a revoked Proxy, as "[object [unreadable]]"', () => {
    expect(describeValue(HOSTILE_MAKERS['throwingProxy']!())).to.equal(`[object ${UNREADABLE}]`);
    expect(describeValue(HOSTILE_MAKERS['revokedProxy']!())).to.equal(`[object ${UNREADABLE}]`);
    expect(UNREADABLE).to.equal('[unreadable]');
  });

  it('escapes control characters in every part of a description', () => {
    expect(describeValue('a\u2028b\u202ec\u0085')).to.equal('"a\\u2028b\\u202ec\\u0085"');
    expect(describeValue('line\nbreak\u001b')).to.equal('"line\\nbreak\\u001b"');
    expect(describeValue(Symbol('s\nym'))).to.equal('Symbol(s\\u000aym)');
    expect(describeValue(HOSTILE_MAKERS['errorWithControls']!())).to.equal('Name\\u202e: bad\\u000a\\u001b[31mred');
    expect(describeValue({ 'k\u2066': '\u009b' })).to.equal('{"k\\u2066":"\\u009b"}');
  });

  it('cuts a long description at 300 characters, the last one an ellipsis', () => {
    const description = describeValue('x'.repeat(1_000));

    expect(description).to.have.length(300);
    expect(description).to.equal(`"${'x'.repeat(298)}…`);
  });

  it('cuts at 300 after escaping, so escapes cannot push it past the limit', () => {
    const description = describeValue('\u2028'.repeat(300));

    expect(description).to.have.length(300);
    expect(description.endsWith('…')).to.equal(true);
    expect(description.startsWith('"\\u2028\\u2028')).to.equal(true);
  });

  it('takes a smaller maximum length', () => {
    expect(describeValue('abcdefghij', 6)).to.equal('"abcd…');
    expect(describeValue('abc', 6)).to.equal('"abc"');
  });

  it('stops early on huge and deeply nested objects instead of overflowing', () => {
    const wide = describeValue(HOSTILE_MAKERS['wideObject']!());
    const deep = describeValue(HOSTILE_MAKERS['deepNesting']!());

    expect(wide.startsWith('{"key\\n0":"\\u2029","key\\n1":')).to.equal(true);
    expect(wide).to.have.length(300);
    expect(deep.startsWith('{"next":{"next":')).to.equal(true);
    expect(deep).to.have.length(300);
  });

  it('describes a huge sparse array and a Proxy whose length says Infinity without walking them', () => {
    const lying = new Proxy([] as unknown[], { get: (target, key) => (key === 'length' ? Infinity : Reflect.get(target, key)) });
    const started = Date.now();

    const cut = (text: string): string => `${text.slice(0, 299)}…`;

    expect(describeValue(new Array(1e8))).to.equal(cut(`[${'null,'.repeat(100)}`));
    expect(describeValue({ lying })).to.equal(cut(`{"lying":[${'null,'.repeat(100)}`));
    expect(Date.now() - started).to.be.below(2_000);
  });

  it('never throws, and returns at most 300 characters with no raw control character, whatever the value (property)', () => {
    const planArb: fc.Arbitrary<Plan> = fc.oneof(
      fc.record({ anything: anythingArb }),
      fc.record({ hostile: hostileNameArb }),
      fc.record({ nested: hostileNameArb, beside: anythingArb }),
    );

    fc.assert(
      fc.property(planArb, (plan) => {
        const value = make(plan);
        let description: unknown;
        expect(() => {
          description = describeValue(value);
        }).not.to.throw();

        expect(description).to.be.a('string');
        const text = description as string;
        expect(text.length).to.be.within(1, 300);
        expect(RAW_CONTROL.test(text), JSON.stringify(text)).to.equal(false);
      }),
      { numRuns: 500 },
    );
  });

  it('describes every hostile value of the pool without throwing', () => {
    for (const [name, make] of Object.entries(HOSTILE_MAKERS)) {
      const description = describeValue(make());

      expect(description, name).to.be.a('string').with.length.within(1, 300);
      expect(RAW_CONTROL.test(description), `${name}: ${JSON.stringify(description)}`).to.equal(false);
    }
  });
});

describe('quoteName()', () => {
  it('quotes a name in single quotes, escaping control characters', () => {
    expect(quoteName('fetch')).to.equal("'fetch'");
    expect(quoteName('job\nINFO forged\u202e')).to.equal("'job\\u000aINFO forged\\u202e'");
  });

  it('cuts a long name at 300 characters', () => {
    expect(quoteName('n'.repeat(400))).to.equal(`'${'n'.repeat(299)}…'`);
  });
});

describe('oneLine()', () => {
  it('keeps ordinary text as is and escapes control characters', () => {
    expect(oneLine('plain text, "quotes" and é')).to.equal('plain text, "quotes" and é');
    expect(oneLine('a\r\nb\u0000c\u007f')).to.equal('a\\u000d\\u000ab\\u0000c\\u007f');
  });

  it('cuts text longer than 300 characters to 299 and an ellipsis', () => {
    expect(oneLine('z'.repeat(301))).to.equal(`${'z'.repeat(299)}…`);
    expect(oneLine('z'.repeat(300))).to.equal('z'.repeat(300));
  });
});

describe('describeReason()', () => {
  it('gives a string as is, and an error by its message', () => {
    expect(describeReason('user left')).to.equal('user left');
    expect(describeReason(new Error('shutting down'))).to.equal('shutting down');
  });

  it('describes anything else as describeValue() does', () => {
    expect(describeReason({ code: 1 })).to.equal('{"code":1}');
    expect(describeReason(undefined)).to.equal('undefined');
    expect(describeReason(7n)).to.equal('7n');
  });

  it('gives "[unreadable]" for an error whose message throws or is not a string, and for a Proxy whose traps throw', () => {
    const nonString = Object.assign(new Error('x'), { message: 42 as unknown as string });

    expect(describeReason(HOSTILE_MAKERS['errorMessageGetter']!())).to.equal(UNREADABLE);
    expect(describeReason(nonString)).to.equal(UNREADABLE);
    expect(describeReason(HOSTILE_MAKERS['throwingProxy']!())).to.equal(UNREADABLE);
    expect(describeReason(HOSTILE_MAKERS['revokedProxy']!())).to.equal(UNREADABLE);
  });
});

describe('escapeControlCharacters()', () => {
  it('escapes every character of the class (C0, DEL, C1, U+2028/2029, U+200E/200F, U+202A-202E, U+2066-2069) as \\uXXXX', () => {
    const wrong: string[] = [];
    for (let code = 0; code <= 0xffff; code++) {
      if (!mustEscape(code)) continue;
      if (escapeControlCharacters(`<${String.fromCharCode(code)}>`) !== `<${escaped(code)}>`) wrong.push(code.toString(16));
    }

    expect(wrong).to.deep.equal([]);
  });

  it('also escapes the other invisible marks: U+061C, the zero-width characters U+200B-200D and U+FEFF', () => {
    expect(escapeControlCharacters('a\u061cb\u200bc\u200cd\u200de\ufefff')).to.equal('a\\u061cb\\u200bc\\u200cd\\u200de\\ufefff');
  });

  it('never escapes visible text, and writes any character it escapes as its own \\uXXXX (whole BMP)', () => {
    const wrong: string[] = [];
    for (let code = 0; code <= 0xffff; code++) {
      if (code >= 0xd800 && code <= 0xdfff) continue;
      const ch = String.fromCharCode(code);
      const result = escapeControlCharacters(`<${ch}>`);
      if (VISIBLE.test(ch) ? result !== `<${ch}>` : result !== `<${ch}>` && result !== `<${escaped(code)}>`) wrong.push(code.toString(16));
    }

    expect(wrong).to.deep.equal([]);
  });

  it('leaves lone surrogates and astral characters alone', () => {
    expect(escapeControlCharacters('\ud800x\udfff😀')).to.equal('\ud800x\udfff😀');
  });

  it('escapes every occurrence', () => {
    expect(escapeControlCharacters('\n\n\u2028')).to.equal('\\u000a\\u000a\\u2028');
  });
});
