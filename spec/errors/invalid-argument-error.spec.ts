import { expect } from 'chai';
import { AgentflowError, InvalidArgumentError, TaskCancelledError } from '../../lib';

describe('errors', () => {
  describe('InvalidArgumentError', () => {
    it('is a TypeError with code INVALID_ARGUMENT, the argument, the value, and a message naming both', () => {
      const error = new InvalidArgumentError('timeoutMs', 'a finite number > 0', 0);
      expect(error).to.be.instanceOf(TypeError);
      expect(error).to.be.instanceOf(AgentflowError);
      expect(error).to.be.instanceOf(Error);
      expect(error.name).to.equal('InvalidArgumentError');
      expect(error.code).to.equal('INVALID_ARGUMENT');
      expect(error.argument).to.equal('timeoutMs');
      expect(error.value).to.equal(0);
      expect(error.message).to.equal('Expected `timeoutMs` to be a finite number > 0, got 0');
    });

    it('is an AgentflowError without making other errors one, and subclasses keep their own instanceof', () => {
      expect(new TypeError('plain')).not.to.be.instanceOf(AgentflowError);
      expect({ code: 'INVALID_ARGUMENT' }).not.to.be.instanceOf(AgentflowError);
      expect(new InvalidArgumentError('a', 'b', 1)).not.to.be.instanceOf(TaskCancelledError);
      expect(new TaskCancelledError('t')).to.be.instanceOf(AgentflowError);
      const { proxy, revoke } = Proxy.revocable({}, {});
      revoke();
      expect(() => proxy instanceof AgentflowError).to.throw(TypeError); // the ordinary check reads its prototype
    });

    const described: [string, unknown, string][] = [
      ['a string, quoted', 'abc', '"abc"'],
      ['NaN', Number.NaN, 'NaN'],
      ['-0', -0, '-0'],
      ['Infinity', Number.POSITIVE_INFINITY, 'Infinity'],
      ['a BigInt', 10n, '10n'],
      ['undefined', undefined, 'undefined'],
      ['null', null, 'null'],
      ['a named function', function sendEmail(): void {}, '[function sendEmail]'],
      ['an Error', new RangeError('too big'), 'RangeError: too big'],
      ['a plain object', { a: 1, b: [true] }, '{"a":1,"b":[true]}'],
    ];
    for (const [label, value, text] of described) {
      it(`describes ${label} in its message as ${text}`, () => {
        expect(new InvalidArgumentError('x', 'something', value).message).to.equal(`Expected \`x\` to be something, got ${text}`);
      });
    }

    it('describes a circular object without throwing', () => {
      const circular: Record<string, unknown> = { name: 'loop' };
      circular.self = circular;
      const message = new InvalidArgumentError('context', 'a plain object', circular).message;
      expect(message).to.contain('"name":"loop"').and.contain('[Circular]');
    });

    it('keeps the message short for a huge value', () => {
      const huge = { text: 'x'.repeat(100_000), list: Array.from({ length: 10_000 }, (_, i) => i) };
      const message = new InvalidArgumentError('context', 'a plain object', huge).message;
      expect(message.length).to.be.lessThan(500);
    });

    it('keeps the message on one line', () => {
      const message = new InvalidArgumentError('name', 'a string', Symbol('line\nbreak')).message;
      expect(message).not.to.contain('\n');
    });
  });
});
