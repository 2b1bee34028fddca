import { MissingPeerDependencyError } from '../../errors/missing-peer-dependency-error';
import { nodeRequire } from '../../util/node-require';
import type { RedisStreamsClient } from '../redis-streams-client';

/** The part of the `redis` package this library uses (described here: the library's types do not need `redis`). */
export interface RedisModule {
  createClient(options: object): RedisStreamsClient;
}

/** The command that installs the peer dependency, as error messages give it. */
export const REDIS_INSTALL_COMMAND = 'npm install redis@^6';

/**
 * Loads the `redis` package, the optional peer dependency behind the Redis Streams classes.
 *
 * It is required here, at first use, never at the top of a module: importing the library must work without it.
 * (A dynamic `import('redis')` would not do: under `module: node20` TypeScript keeps it as a real `import()`,
 * which is asynchronous, and constructors need the client synchronously.)
 *
 * @param feature - what needs it, named in the error.
 * @throws {@link MissingPeerDependencyError} when `redis` is not installed.
 */
export function loadRedis(feature: string): RedisModule {
  try {
    return nodeRequire('redis') as RedisModule;
  } catch (error) {
    if (isRedisMissing(error)) throw new MissingPeerDependencyError('redis', feature, REDIS_INSTALL_COMMAND, { cause: error });
    throw error;
  }
}

/** Whether `require('redis')` failed because `redis` itself (not one of its own dependencies) is missing. */
function isRedisMissing(error: unknown): boolean {
  const candidate = error as { code?: unknown; message?: unknown } | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    candidate.code === 'MODULE_NOT_FOUND' &&
    typeof candidate.message === 'string' &&
    candidate.message.includes("'redis'")
  );
}
