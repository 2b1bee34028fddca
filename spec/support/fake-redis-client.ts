import { EventEmitter } from 'node:events';
import type { RedisStreamsClient } from '../../lib';
import { deferred, type Deferred } from './helpers';

/** Like node-redis' `ErrorReply` (found by its class name): an error Redis itself replied with, e.g. `LOADING ...`. */
export class ErrorReply extends Error {}

/** One command a {@link FakeRedisClient} received, with the means to answer it. */
export interface FakeCommand {
  readonly args: readonly string[];
  readonly reply: Deferred<unknown>;
}

/**
 * A stand-in for a node-redis client, for the behaviour that needs no server: readiness is switched by hand
 * (`goOnline()` emits `'ready'`), and each command waits until the spec answers it (or `autoReply` is on).
 */
export class FakeRedisClient extends EventEmitter {
  isOpen = true;
  isReady = false;
  autoReply = false;
  readonly commands: FakeCommand[] = [];
  closeCalls = 0;
  destroyCalls = 0;

  sendCommand(args: readonly string[]): Promise<unknown> {
    const reply = deferred<unknown>();
    this.commands.push({ args, reply });
    if (this.autoReply) reply.resolve('1-0');
    return reply.promise;
  }

  /** Like node-redis: a command whose signal aborts rejects with an AbortError (here whether written or not). */
  withAbortSignal(signal: AbortSignal): { sendCommand(args: readonly string[]): Promise<unknown> } {
    return {
      sendCommand: (args) => {
        const reply = this.sendCommand(args);
        return new Promise((resolve, reject) => {
          const onAbort = (): void => reject(Object.assign(new Error('The command was aborted'), { name: 'AbortError' }));
          if (signal.aborted) onAbort();
          signal.addEventListener('abort', onAbort, { once: true });
          reply.then(resolve, reject);
        });
      },
    };
  }

  duplicate(): FakeRedisClient {
    return new FakeRedisClient();
  }

  async connect(): Promise<this> {
    return this;
  }

  async close(): Promise<void> {
    this.closeCalls++;
    this.isOpen = false;
    this.isReady = false;
  }

  destroy(): void {
    this.destroyCalls++;
    this.isOpen = false;
    this.isReady = false;
  }

  goOnline(): void {
    this.isReady = true;
    this.emit('ready');
  }

  goOffline(): void {
    this.isReady = false;
  }

  /** The value of `field` in each XADD received so far, in order. */
  xaddField(field: string): string[] {
    return this.commands
      .filter((command) => command.args[0] === 'XADD')
      .map((command) => {
        const index = command.args.indexOf(field, command.args.indexOf('*') + 1);
        return index < 0 ? '' : (command.args[index + 1] ?? '');
      });
  }

  /** Answers every command still waiting, with success. */
  answerAll(): void {
    for (const command of this.commands) command.reply.resolve('1-0');
  }

  /** This fake as the client type the library's options accept. */
  asClient(): RedisStreamsClient {
    return this as unknown as RedisStreamsClient;
  }
}
