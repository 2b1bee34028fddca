import { expect } from 'chai';
import { Console } from 'node:console';
import { PassThrough } from 'node:stream';
import pino from 'pino';
import winston from 'winston';
import { BackgroundTaskManager, InvalidArgumentError, type AgentflowLogger } from '../../lib';
import { thrownBy, untilAborted } from '../support/helpers';

/**
 * The logger contract (`AgentflowLogger`): loglevel (the default), `console`, pino and winston are all accepted;
 * pino gets `(fields, message)`, winston `(message, fields)`, text loggers the message (and a failure's stack as
 * text); the fields follow OpenTelemetry's names; each logger's own level decides what is written.
 */

/** A stream that collects what is written to it, line by line. */
function sink(): { stream: PassThrough; lines(): string[] } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { stream, lines: () => text.split('\n').filter((line) => line !== '') };
}

async function settle(manager: BackgroundTaskManager): Promise<void> {
  await manager.createTask(() => Promise.reject(new Error('boom')), { name: 'failing', context: { userId: 7, apiKey: 'k' } }).done;
  await manager.createTask(async () => 1, { name: 'quick' }).done;
  await manager.createTask((signal) => untilAborted(signal), { name: 'slow', timeoutMs: 1 }).done;
  await manager.shutdown();
  await new Promise((resolve) => setImmediate(resolve));
}

describe('AgentflowLogger (the logger contract)', () => {
  it('writes pino lines with structured fields and the exception, at pino’s own level', async () => {
    const out = sink();
    const logger = pino({ level: 'warn' }, out.stream);
    await settle(new BackgroundTaskManager({ logger }));
    const records = out.lines().map((line) => JSON.parse(line) as Record<string, unknown>);
    const failed = records.find((record) => record['agentflow.task.name'] === 'failing');
    expect(failed).to.include({
      level: 50,
      'agentflow.task.id': 1,
      'agentflow.task.status': 'failed',
      'exception.type': 'Error',
      'exception.message': 'boom',
    });
    expect(failed?.['agentflow.task.context']).to.deep.equal({ userId: 7, apiKey: '[REDACTED]' });
    expect(failed?.['exception.stacktrace']).to.be.a('string').and.contain('Error: boom');
    expect(String(failed?.['msg'])).to.match(/^Background task 'failing' failed after \d+ ms: Error: boom$/);
    expect(records.find((record) => record['agentflow.task.name'] === 'slow')).to.include({ level: 40, 'agentflow.task.status': 'timed_out' });
    // debug lines (the completion) are below pino's level: not even built
    expect(records.some((record) => record['agentflow.task.name'] === 'quick')).to.equal(false);
  });

  it('writes winston lines as (message, fields), at winston’s own level', async () => {
    const out = sink();
    const logger = winston.createLogger({
      level: 'debug',
      format: winston.format.json(),
      transports: [new winston.transports.Stream({ stream: out.stream })],
    });
    await settle(new BackgroundTaskManager({ logger }));
    const records = out.lines().map((line) => JSON.parse(line) as Record<string, unknown>);
    const failed = records.find((record) => record['agentflow.task.name'] === 'failing');
    expect(failed).to.include({ level: 'error', 'agentflow.task.status': 'failed', 'exception.message': 'boom' });
    expect(String(failed?.['message'])).to.contain("Background task 'failing' failed");
    expect(records.find((record) => record['agentflow.task.name'] === 'quick')).to.include({ level: 'debug', 'agentflow.task.status': 'completed' });
    logger.close();
  });

  it("writes console lines as text, every level, one line per message and the stack's frames as their own argument", async () => {
    const out = sink();
    const logger = new Console({ stdout: out.stream, stderr: out.stream });
    await settle(new BackgroundTaskManager({ logger }));
    const lines = out.lines();
    expect(lines.some((line) => /^Background task 'quick' completed in \d+ ms$/.test(line))).to.equal(true);
    const failedAt = lines.findIndex((line) => line.startsWith("Background task 'failing' failed"));
    // console joins its arguments with a space: the message, then the stack's frames on their own lines; the
    // stack's header (`Error: boom`) is said once, by the message
    expect(lines[failedAt]).to.match(/: Error: boom context=\{"userId":7,"apiKey":"\[REDACTED\]"\} $/);
    expect(lines[failedAt + 1]).to.match(/^ {4}at /);
    expect(lines.filter((line) => line.includes('Error: boom'))).to.have.length(1);
  });

  it('accepts any object with debug, info, warn and error, and refuses one without them, naming `logger`', () => {
    const calls: string[] = [];
    const minimal: AgentflowLogger = {
      debug: (message: string) => void calls.push(`debug ${message}`),
      info: (message: string) => void calls.push(`info ${message}`),
      warn: (message: string) => void calls.push(`warn ${message}`),
      error: (message: string) => void calls.push(`error ${message}`),
    };
    expect(() => new BackgroundTaskManager({ logger: minimal })).not.to.throw();
    const error = thrownBy(() => new BackgroundTaskManager({ logger: { log: () => undefined } as never })) as InvalidArgumentError;
    expect(error).to.be.instanceOf(InvalidArgumentError);
    expect(error.argument).to.equal('logger');
    expect(error.message).to.contain('loglevel, console, pino, winston');
  });
});
