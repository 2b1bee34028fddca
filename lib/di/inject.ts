import { CannotInstantiateValueError, Container, ServiceNotFoundError, Token, type ServiceIdentifier } from 'typedi';
import { DependencyNotFoundError } from '../errors/dependency-not-found-error';
import { InvalidArgumentError } from '../errors/invalid-argument-error';
import { checkBoolean, checkPlainObject, readOptions } from '../util/validate';
import type { AnyContainer } from './any-container';
import type { InjectionToken } from './injection-token';
import { runScopeStorage } from './run-scope';

/**
 * Options of {@link inject}.
 *
 * @example
 * ```ts
 * const publisher = inject(BasePublisher, { optional: true }); // BasePublisher | undefined
 * ```
 */
export interface InjectOptions {
  /** `true`: return `undefined` when nothing is bound (or the binding is `null`) instead of throwing. Default `false`. */
  readonly optional?: boolean;
}


/**
 * Resolves a dependency from the TypeDI container of the graph run that is executing, or from TypeDI's global
 * `Container` outside any run.
 *
 * The run's container is carried with `AsyncLocalStorage`, so `inject()` works in a node, in any function the
 * node calls (across awaits and timers), and in the background tasks it starts. Used as a default parameter, it
 * resolves at each call, as Python's `Inject[...]` does:
 * `async function myNode(state: State, config: RunConfig, tasks = inject(BackgroundTaskManager)) { ... }`.
 *
 * Inside a run, TypeDI's rules apply: the graph's own bindings come first; a `@Service()` class registered
 * globally gets one instance per graph; a value set on the global container is visible only if it was set
 * with `global: true`.
 *
 * @typeParam T - the type of the bound value.
 * @param token - a class, a TypeDI `Token` or a string name.
 * @param options - `optional: true` to get `undefined` instead of an error when nothing is bound.
 * @returns the bound value (`undefined` only with `optional: true`).
 * @throws {@link DependencyNotFoundError} when nothing is bound for `token` (or it is bound to `null`) and
 * `optional` is not set, or when a dependency of the bound class cannot be resolved; the message names the
 * token and says how to bind it.
 * @throws {@link InvalidArgumentError} when `token` or `options` is not acceptable.
 * @example
 * ```ts
 * async function myNode(state: State, config: RunConfig, taskManager = inject(BackgroundTaskManager)) {
 *   taskManager.createTask(() => myBackgroundWork(state.input), {
 *     name: 'process_data',
 *     context: { threadId: config.threadId },
 *   });
 *   return state;
 * }
 * ```
 */
export function inject<T>(token: InjectionToken<T>, options: InjectOptions & { readonly optional: true }): T | undefined;
export function inject<T>(token: InjectionToken<T>, options?: InjectOptions & { readonly optional?: false }): T;
export function inject<T>(token: InjectionToken<T>, options?: InjectOptions): T | undefined;
export function inject<T>(token: InjectionToken<T>, options?: InjectOptions): T | undefined {
  checkToken(token);
  checkPlainObject('options', options);
  const given = options === undefined ? undefined : readOptions('options', options, ['optional']);
  checkBoolean('optional', given?.optional);
  const optional = given?.optional === true;
  const id = token as ServiceIdentifier<T>;
  const container = (runScopeStorage.getStore()?.container ?? Container.of()) as AnyContainer;
  const globalContainer = Container.of() as AnyContainer;

  if (!container.has(id) && !globalContainer.has(id)) {
    if (optional) return undefined;
    throw new DependencyNotFoundError(describeToken(token), container.id);
  }
  const value = resolve(container, id, token);
  if (value !== null && value !== undefined) return value;
  if (optional) return undefined;
  throw new DependencyNotFoundError(describeToken(token), container.id);
}

/** Gets the value from TypeDI, turning its "not found" errors (for the token or a dependency of it) into ours. */
function resolve<T>(container: AnyContainer, id: ServiceIdentifier<T>, token: InjectionToken<T>): T | null | undefined {
  try {
    return container.get<T>(id);
  } catch (error) {
    if (error instanceof ServiceNotFoundError || error instanceof CannotInstantiateValueError) {
      throw new DependencyNotFoundError(describeToken(token), container.id, { cause: error });
    }
    throw error;
  }
}

function checkToken(token: unknown): void {
  if (typeof token === 'function' || token instanceof Token) return;
  if (typeof token === 'string' && token !== '') return;
  throw new InvalidArgumentError('token', 'a class, a TypeDI Token or a non-empty string', token);
}

/** A readable name for a token, as the error message shows it. */
function describeToken(token: InjectionToken<unknown>): string {
  if (typeof token === 'string') return JSON.stringify(token);
  if (token instanceof Token) return `Token<${token.name ?? 'unnamed'}>`;
  return token.name === '' ? '(anonymous class)' : token.name;
}

