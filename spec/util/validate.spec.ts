import { expect } from 'chai';
import fc from 'fast-check';
import { InvalidArgumentError } from '../../lib';
import { readOptions } from '../../lib/util/validate';

const KNOWN = ['alpha', 'beta', 'gamma'] as const;
type Options = { alpha?: unknown; beta?: unknown; gamma?: unknown };

describe('readOptions()', () => {
  it('reads the own properties among the known keys, and only those (property)', () => {
    const value = fc.oneof(fc.integer(), fc.string(), fc.constant(null), fc.boolean());
    const record = fc.dictionary(fc.constantFrom(...KNOWN), value);
    fc.assert(
      fc.property(record, record, (own, inherited) => {
        const options = Object.assign(Object.create(inherited) as object, own) as Options;
        const read = readOptions<Options>('options', options, [...KNOWN]);
        const expected = Object.fromEntries(Object.entries(own).filter(([, item]) => item !== undefined));
        expect(read).to.deep.equal(expected);
      }),
    );
  });

  it('never takes an inherited key for an unknown option, nor its value for a known one', () => {
    const polluted = Object.prototype as Record<string, unknown>;
    polluted.agentflowPolluted = 'x';
    polluted.alpha = 'inherited';
    try {
      expect(readOptions<Options>('options', { beta: 1 }, [...KNOWN])).to.deep.equal({ beta: 1 });
    } finally {
      delete polluted.agentflowPolluted;
      delete polluted.alpha;
    }
  });

  it('refuses an own unknown key, naming it', () => {
    expect(() => readOptions<Options>('options', { beta: 1, delta: 2 } as Options, [...KNOWN]))
      .to.throw(InvalidArgumentError)
      .with.property('message')
      .that.contains('delta');
  });
});
