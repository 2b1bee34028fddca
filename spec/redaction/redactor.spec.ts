import { expect } from 'chai';
import fc from 'fast-check';
import { normaliseKey, REDACTED } from '../../lib/redaction/redaction-rules';
import { Redactor } from '../../lib/redaction/redactor';
import { TRUNCATED } from '../../lib/util/bounded-walk';

/*
 * Pins down the shapes and bounds of Redactor (lib/redaction/redactor.ts), given key rules alone: keys match
 * when their normalised form contains a rule, at any depth, in objects and arrays; the result is a JSON-safe copy
 * (the input untouched); values nested past the depth limit become '[Truncated]', never passed through; a cycle
 * becomes '[Circular]'; a value that throws when read becomes '[unreadable]'; an own '__proto__' key stays an own
 * key; `false` means no rules; the bounds of one walk (1,000 items per container, 10,000 objects in all, beyond
 * which nothing passes through). A property plants a secret at a random depth under a random casing of a rule
 * and checks it never shows in the JSON. The rules themselves, and every channel, are in redaction-rules.spec.ts
 * and spec/redaction/channels.spec.ts.
 */

/** How deep the redactor looks (MAX_DEPTH in lib/redaction/redactor.ts): the root is at depth 0. */
const DEPTH_LIMIT = 16;

/** `leaf` nested so that it is the value at depth `depth` (the root object is at depth 0). */
function nestedUnder(depth: number, leaf: unknown): Record<string, unknown> {
  let value: unknown = leaf;
  for (let level = depth - 1; level >= 0; level--) value = { next: value };
  return value as Record<string, unknown>;
}

describe('Redactor', () => {
  it('replaces the value of every listed key, case-insensitively, at any depth in objects and arrays', () => {
    const redactor = new Redactor(['Password', 'apiKey']);
    const context = {
      user: 'ada',
      PASSWORD: 'hunter2',
      nested: { ApiKey: 'k-123', keep: 'yes', list: [{ password: 'p', keep: 1 }, 'plain', [{ APIKEY: { deep: 'object' } }]] },
    };

    expect(redactor.record(context)).to.deep.equal({
      user: 'ada',
      PASSWORD: REDACTED,
      nested: { ApiKey: REDACTED, keep: 'yes', list: [{ password: REDACTED, keep: 1 }, 'plain', [{ APIKEY: REDACTED }]] },
    });
    expect(REDACTED).to.equal('[REDACTED]');
  });

  it('redacts a secret key whatever its value is: null, undefined, a number, an object', () => {
    const redactor = new Redactor(['token']);

    expect(redactor.record({ token: null })).to.deep.equal({ token: REDACTED });
    expect(redactor.record({ token: undefined })).to.deep.equal({ token: REDACTED });
    expect(redactor.record({ token: 0 })).to.deep.equal({ token: REDACTED });
    expect(redactor.record({ token: { a: [1] } })).to.deep.equal({ token: REDACTED });
  });

  it('returns a JSON-safe copy and leaves the input untouched', () => {
    const redactor = new Redactor(['secret']);
    const clean = { a: { b: 1 } };
    const context = { clean, list: [{ keep: 1 }, { secret: 2 }, 3], dirty: { secret: 's', other: 'o' }, when: new Date(0) };

    const redacted = redactor.record(context) as Record<string, unknown>;

    expect(redacted).to.deep.equal({
      clean: { a: { b: 1 } },
      list: [{ keep: 1 }, { secret: REDACTED }, 3],
      dirty: { secret: REDACTED, other: 'o' },
      when: '1970-01-01T00:00:00.000Z',
    });
    expect(redacted['clean']).not.to.equal(clean);
    expect(context.dirty.secret).to.equal('s');
    expect(context.list[1]).to.deep.equal({ secret: 2 });
  });

  it('keeps values down to the depth limit and replaces any object past it with "[Truncated]", secret or not', () => {
    const redactor = new Redactor(['secret']);
    // The object at depth 15 is the last one read; its primitive values are kept, its object values are cut.
    const lastReadable = { leaf: 'visible', secret: 'hidden', deeper: { leaf: 'never shown', secret: 'nor this' } };
    const context = nestedUnder(DEPTH_LIMIT - 1, lastReadable);

    const redacted = redactor.record(context);

    expect(redacted).to.deep.equal(nestedUnder(DEPTH_LIMIT - 1, { leaf: 'visible', secret: REDACTED, deeper: TRUNCATED }));
    expect(TRUNCATED).to.equal('[Truncated]');
  });

  it('truncates past the depth limit even when no key is secret, so deep values are never passed through', () => {
    const redactor = new Redactor(['secret']);
    const context = nestedUnder(DEPTH_LIMIT, { password: 'not a listed key, but too deep to be checked' });

    const redacted = redactor.record(context);

    expect(redacted).not.to.equal(context);
    expect(redacted).to.deep.equal(nestedUnder(DEPTH_LIMIT, TRUNCATED));
    expect(JSON.stringify(redacted)).not.to.contain('too deep');
  });

  it('counts arrays as levels of depth', () => {
    const redactor = new Redactor(['secret']);
    let context: unknown = { secret: 's' };
    for (let level = 0; level < DEPTH_LIMIT; level++) context = [context];

    const redacted = redactor.record({ root: context });

    let expected: unknown = TRUNCATED;
    for (let level = 0; level < DEPTH_LIMIT - 1; level++) expected = [expected];
    expect(redacted).to.deep.equal({ root: expected });
  });

  it('cuts an array past 1,000 items to its first 1,000 and a marker, in a copy, even without secrets', () => {
    const redactor = new Redactor(['secret']);
    const list = Array.from({ length: 1_005 }, (_, index) => (index === 1_002 ? { secret: 'past the cut' } : index));

    const redacted = redactor.record({ list }) as { list: unknown[] };

    expect(redacted.list).to.have.length(1_001);
    expect(redacted.list.slice(0, 1_000)).to.deep.equal(list.slice(0, 1_000));
    expect(redacted.list[1_000]).to.equal('[… 5 more]');
    expect(list).to.have.length(1_005);
  });

  it('cuts an object past 1,000 keys to its first 1,000 and a "…" key', () => {
    const redactor = new Redactor(['secret']);
    const wide = Object.fromEntries(Array.from({ length: 1_002 }, (_, index) => [`k${index}`, index]));

    const redacted = redactor.record({ wide }) as { wide: Record<string, unknown> };

    expect(Object.keys(redacted.wide)).to.have.length(1_001);
    expect(redacted.wide['k999']).to.equal(999);
    expect(redacted.wide).not.to.have.property('k1000');
    expect(redacted.wide['…']).to.equal('[… 2 more]');
  });

  it('reads a huge sparse array, or a Proxy whose length says Infinity, only up to the cut', () => {
    const redactor = new Redactor(['secret']);
    const lying = new Proxy([] as unknown[], { get: (target, key) => (key === 'length' ? Infinity : Reflect.get(target, key)) });

    const redacted = redactor.record({ sparse: new Array(1e8), lying }) as { sparse: unknown[]; lying: unknown[] };

    expect(redacted.sparse).to.have.length(1_001);
    expect(redacted.sparse[1_000]).to.equal('[… 99,999,000 more]');
    expect(redacted.lying).to.have.length(1_001);
    expect(redacted.lying[1_000]).to.equal('[… many more]');
  });

  it('replaces every object past the 10,000th of one walk with "[Truncated]", so nothing past the budget leaks', () => {
    const redactor = new Redactor(['password']);
    // Every value read is a visit (a secret key's value is not read). Visits: the root (1), `lists` (2), then list k
    // at 3 + 2001k, its item i at 4 + 2001k + 2i and that item's note at 5 + 2001k + 2i.
    const lists = Array.from({ length: 11 }, () => Array.from({ length: 1_000 }, () => ({ password: 'leak', note: 'n' })));

    const redacted = redactor.record({ lists }) as { lists: unknown[][] };

    expect(redacted.lists[4]![995]).to.deep.equal({ password: REDACTED, note: 'n' }); // visits 9,998 and 9,999
    expect(redacted.lists[4]![996]).to.deep.equal({ password: REDACTED, note: TRUNCATED }); // visits 10,000 and 10,001
    expect(redacted.lists[4]![997]).to.equal(TRUNCATED);
    expect(redacted.lists[5]).to.equal(TRUNCATED);
    expect(JSON.stringify(redacted)).not.to.contain('leak');
    expect(JSON.stringify(redacted)).not.to.contain('leak');
  });

  it('writes a reference back to an enclosing value as "[Circular]" in a copy, leaving the input cyclic', () => {
    const redactor = new Redactor(['secret']);
    const context: Record<string, unknown> = { name: 'loop', secret: 's' };
    context['self'] = context;
    context['list'] = [context];

    const redacted = redactor.record(context);

    expect(redacted).to.deep.equal({ name: 'loop', secret: REDACTED, self: '[Circular]', list: ['[Circular]'] });
    expect(context['self']).to.equal(context);
  });

  it('copies a cyclic context without secrets too, with "[Circular]" in place of the cycle', () => {
    const redactor = new Redactor(['secret']);
    const inner: Record<string, unknown> = { n: 1 };
    inner['parent'] = inner;

    expect(redactor.record({ inner })).to.deep.equal({ inner: { n: 1, parent: '[Circular]' } });
  });

  it('writes an object shared by two branches (not a cycle) twice, redacted in both', () => {
    const redactor = new Redactor(['secret']);
    const shared = { secret: 's', keep: 1 };

    expect(redactor.record({ a: shared, b: [shared] })).to.deep.equal({
      a: { secret: REDACTED, keep: 1 },
      b: [{ secret: REDACTED, keep: 1 }],
    });
  });

  it('writes a value whose getter throws as "[unreadable]", reading it once, and keeps its siblings', () => {
    const redactor = new Redactor(['secret']);
    let reads = 0;
    const context = Object.defineProperty({ keep: 1 } as Record<string, unknown>, 'broken', {
      enumerable: true,
      get(): never {
        reads++;
        throw new Error('getter');
      },
    });

    expect(redactor.record(context)).to.deep.equal({ keep: 1, broken: '[unreadable]' });
    expect(reads).to.equal(1);
  });

  it('writes a Proxy whose traps throw, or a revoked Proxy, as "[unreadable]"', () => {
    const redactor = new Redactor(['secret']);
    const hostile = new Proxy(
      {},
      {
        ownKeys(): never {
          throw new Error('ownKeys');
        },
        get(): never {
          throw new Error('get');
        },
      },
    );
    const throwingGet = new Proxy({ a: 1 }, {
      get(): never {
        throw new Error('get');
      },
    });
    const revocable = Proxy.revocable({ secret: 's' }, {});
    revocable.revoke();

    expect(redactor.record({ hostile, throwingGet, revoked: revocable.proxy, keep: 'k' })).to.deep.equal({
      hostile: '[unreadable]',
      throwingGet: '[unreadable]', // its toJSON cannot be read
      revoked: '[unreadable]',
      keep: 'k',
    });
  });

  it('keeps an own "__proto__" key as an own property of the copy, without changing its prototype', () => {
    const redactor = new Redactor(['password']);
    const context = JSON.parse('{"__proto__": {"password": "p", "polluted": true}, "password": "x"}') as Record<string, unknown>;

    const redacted = redactor.record(context);

    expect(Object.getPrototypeOf(redacted)).to.equal(Object.prototype);
    expect(Object.prototype.hasOwnProperty.call(redacted, '__proto__')).to.equal(true);
    expect(Object.getOwnPropertyDescriptor(redacted, '__proto__')?.value).to.deep.equal({ password: REDACTED, polluted: true });
    expect((redacted as { polluted?: unknown }).polluted).to.equal(undefined);
    expect(redacted['password']).to.equal(REDACTED);
    expect(Object.keys(redacted)).to.deep.equal(['__proto__', 'password']);
  });

  it('redacts a secret key named "__proto__" as an own property', () => {
    const redactor = new Redactor(['__PROTO__']);
    const context = JSON.parse('{"__proto__": {"polluted": true}, "keep": 1}') as Record<string, unknown>;

    const redacted = redactor.record(context);

    expect(Object.getPrototypeOf(redacted)).to.equal(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(redacted, '__proto__')?.value).to.equal(REDACTED);
    expect(redacted['keep']).to.equal(1);
  });

  it('has no rules with `false`, and key rules alone keep the value rules', () => {
    const none = new Redactor(false);
    const keysOnly = new Redactor([]);

    expect(none.active).to.equal(false);
    expect(none.record({ password: 'p', url: 'https://u:pw@host/' })).to.deep.equal({ password: 'p', url: 'https://u:pw@host/' });
    expect(keysOnly.active).to.equal(true);
    expect(keysOnly.record({ password: 'p', url: 'https://u:pw@host/' })).to.deep.equal({ password: 'p', url: 'https://REDACTED:REDACTED@host/' });
    expect(Redactor.NONE.active).to.equal(false);
    expect(Redactor.DEFAULT.active).to.equal(true);
  });

  describe('(property) a planted secret', () => {
    const PATH_KEYS = ['outer', 'inner', 'child', 'items', 'data'] as const;
    const SIBLING_KEY = 'visible';
    const reserved = new Set<string>([...PATH_KEYS, SIBLING_KEY, 'root']);

    // A rule matches every key whose normalised form contains it: none may match a key of the path or the sibling.
    const keyArb = fc
      .stringMatching(/^[a-zA-Z_][a-zA-Z0-9_-]{0,11}$/)
      .filter((key) => normaliseKey(key) !== '' && ![...reserved].some((word) => word.includes(normaliseKey(key))));

    /** One container between the root and the object holding the secret. */
    const stepArb = fc.oneof(
      fc.record({ kind: fc.constant('object' as const), key: fc.constantFrom(...PATH_KEYS) }),
      fc.record({ kind: fc.constant('array' as const), before: fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 2 }) }),
    );

    const planArb = fc.record({
      keys: fc.uniqueArray(keyArb, { minLength: 1, maxLength: 5, selector: (key) => key.toLowerCase() }),
      pick: fc.nat(),
      casing: fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }),
      // The secret's object sits at depth 1 + path.length (under "root"), at most 15: below the limit.
      path: fc.array(stepArb, { maxLength: DEPTH_LIMIT - 2 }),
      filler: fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
      secret: fc.uuid().map((id) => `SECRET-${id}`),
      sibling: fc.uuid().map((id) => `VISIBLE-${id}`),
    });

    it('never shows in the JSON of the redacted context, while a non-secret sibling does', () => {
      fc.assert(
        fc.property(planArb, ({ keys, pick, casing, path, filler, secret, sibling }) => {
          const listed = keys[pick % keys.length] as string;
          const plantedKey = Array.from(listed, (ch, index) => (casing[index] ? ch.toUpperCase() : ch.toLowerCase())).join('');

          // Built inside out, with computed keys so that "__proto__" stays an own key.
          let value: unknown = { ...filler, [SIBLING_KEY]: sibling, [plantedKey]: secret };
          for (let index = path.length - 1; index >= 0; index--) {
            const step = path[index]!;
            value = step.kind === 'object' ? { ...filler, [step.key]: value } : [...step.before, value];
          }
          const context = { ...filler, root: value };

          const redacted = new Redactor(keys).record(context);
          const json = JSON.stringify(redacted);

          expect(json).not.to.contain(secret);
          expect(json).to.contain(sibling);
          expect(JSON.stringify(context)).to.contain(secret);

          // Walk the same path in the copy: the planted key is there, with '[REDACTED]'.
          let holder: unknown = (redacted as Record<string, unknown>)['root'];
          for (const step of path) {
            holder = step.kind === 'object' ? (holder as Record<string, unknown>)[step.key] : (holder as unknown[])[step.before.length];
          }
          expect(Object.getOwnPropertyDescriptor(holder, plantedKey)?.value).to.equal(REDACTED);
          expect((holder as Record<string, unknown>)[SIBLING_KEY]).to.equal(sibling);
        }),
      );
    });
  });
});
