import { AgentflowError } from './agentflow-error';

/**
 * Thrown when a feature needs an optional peer dependency that is not installed, e.g. `redis` for the Redis
 * Streams publisher and subscriber; the message names the package and the command that installs it.
 *
 * Its `code` is `'PEER_DEPENDENCY_MISSING'` (a missing TypeDI binding is {@link DependencyNotFoundError}).
 *
 * @example
 * ```ts
 * try {
 *   new RedisStreamsPublisher();
 * } catch (error) {
 *   if (error instanceof MissingPeerDependencyError) console.log(error.installCommand); // 'npm install redis@^6'
 * }
 * ```
 */
export class MissingPeerDependencyError extends AgentflowError {
  /** The package that could not be loaded, e.g. `'redis'`. */
  readonly packageName: string;
  /** The command that installs it, e.g. `'npm install redis@^6'`. */
  readonly installCommand: string;

  /**
   * @param packageName - the package that could not be loaded.
   * @param feature - what needs it, e.g. `'RedisStreamsPublisher'`.
   * @param installCommand - the command that installs it.
   * @param options - `cause`: what `require()` threw.
   */
  constructor(packageName: string, feature: string, installCommand: string, options?: { cause?: unknown }) {
    super(
      'PEER_DEPENDENCY_MISSING',
      `${feature} needs the optional peer dependency '${packageName}', which is not installed. ` +
        `Install it next to agentflow-rx: \`${installCommand}\`.`,
      options,
    );
    this.name = 'MissingPeerDependencyError';
    this.packageName = packageName;
    this.installCommand = installCommand;
  }
}
