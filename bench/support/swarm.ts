/**
 * What measurements 9 and 10 share: the parent's side of the client swarm (`sse-swarm.ts` is the child: a
 * child process that opens event streams and counts frames, driven by messages), a server on a free port, the
 * capture of the frames the library writes, and the floors' raw event-stream server.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { EventEmitter, once } from 'node:events';
import type { Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import path from 'node:path';
import { toServerSentEvents, type BackgroundTaskManager } from '../../lib';
import { verify } from './env';

/** The child process of clients. */
export class Swarm {
  readonly #child: ChildProcess;

  constructor() {
    this.#child = fork(path.join(__dirname, 'sse-swarm.ts'), [], {
      execArgv: ['-r', 'ts-node/register/transpile-only'],
      env: { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true' },
    });
  }

  /** Sends `message` and resolves with the first reply that has `key`. */
  ask(message: object, key: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const onMessage = (reply: Record<string, unknown>): void => {
        if (!(key in reply)) return;
        this.#child.off('message', onMessage);
        this.#child.off('exit', onExit);
        resolve();
      };
      const onExit = (code: number | null): void => reject(new Error(`the client process exited (${code})`));
      this.#child.on('message', onMessage);
      this.#child.once('exit', onExit);
      this.#child.send(message);
    });
  }

  async exit(): Promise<void> {
    this.#child.send({ exit: true });
    await once(this.#child, 'exit');
  }
}

/** Listens on a free port of the loopback interface. */
export function listen(server: Server | NetServer): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

/**
 * A handler of `manager`'s events with one in-memory client, to capture the frames the library writes (untimed):
 * `take()` gives the task frames written since the last call, each with its blank line.
 */
export function captureTaskFrames(manager: BackgroundTaskManager): { take(): string[]; close(): void } {
  const handler = toServerSentEvents(manager, { lingerMs: 0, heartbeatMs: 0 });
  let text = '';
  const res = Object.assign(new EventEmitter(), {
    destroyed: false,
    socket: null,
    writeHead: () => res,
    write: (chunk: Buffer) => ((text += String(chunk)), true),
    end: () => res,
  });
  handler({ method: 'GET', headers: {}, httpVersionMajor: 1, socket: null } as never, res as never);
  return {
    take: () => {
      const frames = text
        .split('\n\n')
        .filter((frame) => frame.startsWith('event: task.'))
        .map((frame) => `${frame}\n\n`);
      text = '';
      return frames;
    },
    close: () => handler.close(),
  };
}

/**
 * The floors' server: a raw `node:net` server that answers each request with the headers of an event stream and
 * keeps its socket in `sockets`, for the floor to write frames to.
 */
export function rawEventStreamServer(): { readonly server: NetServer; readonly sockets: Socket[] } {
  const sockets: Socket[] = [];
  const server = createNetServer((socket) => {
    socket.on('error', () => undefined);
    socket.once('data', () => {
      socket.write('HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n');
      sockets.push(socket);
    });
  });
  return { server, sockets };
}

/**
 * Ends a library round: checks that no client was dropped, closes the swarm's streams, then the handler, the
 * server and the manager.
 */
export async function endLibraryRound(
  swarm: Swarm,
  handler: ReturnType<typeof toServerSentEvents>,
  server: Server,
  manager: BackgroundTaskManager,
): Promise<void> {
  verify(handler.stats.dropped === 0, `${handler.stats.dropped} clients dropped`);
  await swarm.ask({ close: true }, 'closed');
  handler.close();
  server.closeAllConnections();
  server.close();
  await manager.shutdown();
}
