import { expect } from 'chai';
import log from 'loglevel';
import {
  CONSOLE_PUBLISHER_LOGGER_NAME,
  ConsolePublisher,
  InvalidArgumentError,
  createEvent,
  createGraphExecutionEvent,
  createNodeExecutionEvent,
} from '../../lib';
import { thrownBy } from '../support/graph-test-helpers';

/** A fresh loglevel logger that records each line with its level. */
function recordingLogger(): { logger: log.Logger; lines: { level: string; line: string }[] } {
  const logger = log.getLogger(`console-publisher-spec-${Math.random().toString(36).slice(2)}`);
  const lines: { level: string; line: string }[] = [];
  logger.methodFactory = (level) => (...args: unknown[]) => void lines.push({ level, line: args.map(String).join(' ') });
  logger.setLevel('trace', false);
  return { logger, lines };
}

describe('ConsolePublisher', () => {
  it('writes one line per event at info, with kind, type, node, run, thread, content and data', async () => {
    const { logger, lines } = recordingLogger();
    const publisher = new ConsolePublisher({ logger });
    await publisher.publish(createGraphExecutionEvent('start', { runId: 'r-1', threadId: 't-1' }));
    await publisher.publish(createNodeExecutionEvent('summarize', 'end', { runId: 'r-1', userId: 'ada', content: 'ok', data: { update: { n: 1 } } }));
    expect(lines).to.deep.equal([
      { level: 'info', line: 'graph_execution.start run=r-1 thread=t-1' },
      { level: 'info', line: `node_execution.end node='summarize' run=r-1 thread=- user=ada "ok" data={"update":{"n":1}}` },
    ]);
  });

  it('keeps each event on one line, escaping newlines in content and node names', async () => {
    const { logger, lines } = recordingLogger();
    await new ConsolePublisher({ logger }).publish(createNodeExecutionEvent('a\nb', 'progress', { content: 'line 1\nline 2' }));
    expect(lines).to.have.length(1);
    expect(lines[0]?.line).not.to.include('\n');
    expect(lines[0]?.line).to.include("node='a\\u000ab'");
  });

  async function captureLine(options: { redact: false }, fields: { userId: string }): Promise<string | undefined> {
    const { logger, lines } = recordingLogger();
    await new ConsolePublisher({ logger, ...options }).publish(createGraphExecutionEvent('start', fields));
    return lines[0]?.line;
  }

  it('escapes control characters in the run, thread and user ids too (no forged line, no terminal control)', async () => {
    const { logger, lines } = recordingLogger();
    await new ConsolePublisher({ logger }).publish(
      createGraphExecutionEvent('start', { runId: 'r\r\u2028', threadId: 't\n[ERROR] forged', userId: 'a\u001b[2J\u202e' }),
    );
    expect(lines).to.have.length(1);
    // Control characters are escaped; a terminal sequence is removed by the redactor (a space in its place).
    expect(lines[0]?.line).to.equal('graph_execution.start run=r\\u000d\\u2028 thread=t\\u000a[ERROR] forged user=a \\u202e');
    const raw = await captureLine({ redact: false }, { userId: 'a\u001b[2J' });
    expect(raw).to.equal('graph_execution.start run=- thread=- user=a\\u001b[2J');
  });

  it('writes at the configured level, and error events at error', async () => {
    const { logger, lines } = recordingLogger();
    const publisher = new ConsolePublisher({ logger, level: 'debug' });
    await publisher.publish(createGraphExecutionEvent('end'));
    await publisher.publish(createEvent({ event: 'node_execution', eventType: 'error', nodeName: 'x', content: 'boom' }));
    expect(lines.map((entry) => entry.level)).to.deep.equal(['debug', 'error']);
  });

  it("uses loglevel's agentflow.publisher logger by default, set to info when it creates it", () => {
    const existed = CONSOLE_PUBLISHER_LOGGER_NAME in log.getLoggers();
    new ConsolePublisher();
    const logger = log.getLogger(CONSOLE_PUBLISHER_LOGGER_NAME);
    const level = logger.getLevel();
    if (!existed) expect(level).to.equal(log.levels.INFO);
    try {
      logger.setLevel('silent', false);
      new ConsolePublisher();
      expect(logger.getLevel()).to.equal(log.levels.SILENT);
    } finally {
      logger.setLevel(level, false);
    }
  });

  it('refuses options out of range, naming them', () => {
    expect((thrownBy(() => new ConsolePublisher({ level: 'loud' as never })) as InvalidArgumentError).argument).to.equal('level');
    expect((thrownBy(() => new ConsolePublisher({ logger: {} as never })) as InvalidArgumentError).argument).to.equal('logger');
    expect((thrownBy(() => new ConsolePublisher({ publishTimeoutMs: 0 })) as InvalidArgumentError).argument).to.equal('publishTimeoutMs');
  });

  it('closes without writing anything, and keeps writing afterwards (it holds nothing)', async () => {
    const { logger, lines } = recordingLogger();
    const publisher = new ConsolePublisher({ logger });
    expect(await publisher.close()).to.equal(undefined);
    expect(lines).to.deep.equal([]);
    await publisher.publish(createGraphExecutionEvent('end'));
    expect(lines).to.have.length(1);
  });
});
