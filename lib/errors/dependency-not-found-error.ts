import { AgentflowError } from './agentflow-error';

/**
 * Thrown by `inject()` when nothing is bound for the requested token, neither in the container of the graph
 * run that is executing nor in TypeDI's global `Container`; the message names the token and says how to bind it.
 *
 * @example
 * ```ts
 * try {
 *   inject(MailClient);
 * } catch (error) {
 *   if (error instanceof DependencyNotFoundError) console.log(error.tokenName); // 'MailClient'
 * }
 * ```
 */
export class DependencyNotFoundError extends AgentflowError {
  /** A readable name of the token that could not be resolved. */
  readonly tokenName: string;
  /** The id of the TypeDI container that was searched (`'default'` for the global `Container`). */
  readonly containerId: string;

  /**
   * @param tokenName - a readable name of the token, e.g. `'BackgroundTaskManager'` or `'Token<mailer>'`.
   * @param containerId - the id of the container that was searched.
   * @param options - `cause`: what TypeDI threw, when it threw.
   */
  constructor(tokenName: string, containerId: string, options?: { cause?: unknown }) {
    const where = containerId === 'default' ? "TypeDI's global Container" : `the graph container '${containerId}'`;
    const why = options?.cause instanceof Error ? ` (${options.cause.message})` : '';
    super(
      'DEPENDENCY_NOT_FOUND',
      `Nothing is bound for ${tokenName} in ${where}${why}. ` +
        `Bind it before use: \`container.set({ id: ${tokenName}, value })\` on the container you pass to ` +
        `\`new StateGraph({ container })\`, \`Container.set({ id: ${tokenName}, value, global: true })\` to share it ` +
        `with every graph, or decorate the class with \`@Service()\`; ` +
        `or call \`inject(${tokenName}, { optional: true })\` to get \`undefined\` instead.`,
      options,
    );
    this.name = 'DependencyNotFoundError';
    this.tokenName = tokenName;
    this.containerId = containerId;
  }
}
