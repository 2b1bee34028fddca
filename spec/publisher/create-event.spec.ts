import { expect } from 'chai';
import sinon from 'sinon';
import {
  EVENT_KINDS,
  EVENT_TYPES,
  InvalidArgumentError,
  createEvent,
  createGraphExecutionEvent,
  createNodeExecutionEvent,
} from '../../lib';
import { thrownBy } from '../support/graph-test-helpers';

describe('EventModel factories', () => {
  afterEach(() => sinon.restore());

  describe('createEvent()', () => {
    it('fills in every default', () => {
      sinon.useFakeTimers({ now: 1_700_000_000_000, toFake: ['Date'] });
      expect(createEvent({ event: 'streaming', eventType: 'progress' })).to.deep.equal({
        event: 'streaming',
        eventType: 'progress',
        content: '',
        data: {},
        contentType: 'text',
        nodeName: undefined,
        runId: undefined,
        threadId: undefined,
        userId: undefined,
        timestamp: 1_700_000_000_000,
        isError: false,
        metadata: {},
      });
    });

    it('keeps given fields and returns a frozen event', () => {
      const event = createEvent({
        event: 'tool_execution',
        eventType: 'result',
        content: 'found 3',
        data: { hits: 3 },
        contentType: 'data',
        nodeName: 'search',
        runId: 'r',
        threadId: 't',
        userId: 'u',
        timestamp: 5,
        metadata: { ms: 12 },
      });
      expect(event).to.include({ content: 'found 3', contentType: 'data', nodeName: 'search', runId: 'r', threadId: 't', userId: 'u', timestamp: 5 });
      expect(event.data).to.deep.equal({ hits: 3 });
      expect(event.metadata).to.deep.equal({ ms: 12 });
      expect(Object.isFrozen(event)).to.equal(true);
    });

    it('marks error events as errors unless told otherwise', () => {
      expect(createEvent({ event: 'graph_execution', eventType: 'error' }).isError).to.equal(true);
      expect(createEvent({ event: 'graph_execution', eventType: 'error', isError: false }).isError).to.equal(false);
      expect(createEvent({ event: 'graph_execution', eventType: 'update', isError: true }).isError).to.equal(true);
    });

    it('accepts every kind and type, and refuses others naming the field', () => {
      for (const event of EVENT_KINDS) for (const eventType of EVENT_TYPES) createEvent({ event, eventType });
      expect((thrownBy(() => createEvent({ event: 'nope' as never, eventType: 'start' })) as InvalidArgumentError).argument).to.equal('event');
      expect((thrownBy(() => createEvent({ event: 'streaming' } as never)) as InvalidArgumentError).argument).to.equal('eventType');
      expect((thrownBy(() => createEvent({ event: 'streaming', eventType: 'start', content: 3 as never })) as InvalidArgumentError).argument).to.equal(
        'content',
      );
      expect((thrownBy(() => createEvent({ event: 'streaming', eventType: 'start', data: [] as never })) as InvalidArgumentError).argument).to.equal('data');
      expect((thrownBy(() => createEvent({ event: 'streaming', eventType: 'start', timestamp: NaN })) as InvalidArgumentError).argument).to.equal(
        'timestamp',
      );
      expect((thrownBy(() => createEvent(null as never)) as InvalidArgumentError).argument).to.equal('init');
    });
  });

  it('createGraphExecutionEvent() sets the graph_execution kind', () => {
    const event = createGraphExecutionEvent('start', { runId: 'r-1', threadId: 't-1' });
    expect(event).to.include({ event: 'graph_execution', eventType: 'start', runId: 'r-1', threadId: 't-1', nodeName: undefined });
  });

  it('createNodeExecutionEvent() sets the node_execution kind and the node name', () => {
    const event = createNodeExecutionEvent('fetch', 'progress', { content: '3 of 10' });
    expect(event).to.include({ event: 'node_execution', eventType: 'progress', nodeName: 'fetch', content: '3 of 10' });
  });
});
