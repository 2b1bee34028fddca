import { ContainerInstance, type ServiceIdentifier } from 'typedi';
import { InvalidArgumentError } from '../errors/invalid-argument-error';
import type { InjectionToken } from './injection-token';

/**
 * Binds a value to a token in a TypeDI container, type-checked against the token.
 *
 * It is `container.set({ id: token, value })`, with one difference: TypeDI's typings refuse an abstract class as
 * an id (`BasePublisher` is one), while this accepts any {@link InjectionToken}.
 *
 * @typeParam T - the type of the bound value.
 * @param container - the container, e.g. `Container.of('my-graph')`, or `Container.of()` for the global one.
 * @param token - a class (abstract or not), a TypeDI `Token` or a string name.
 * @param value - the value `inject(token)` will return.
 * @returns the container.
 * @throws {@link InvalidArgumentError} when `container` is not a TypeDI container.
 * @example
 * ```ts
 * const container = Container.of('support-agent');
 * bindValue(container, BasePublisher, new ObservablePublisher());
 * const graph = new StateGraph<State>({ container });
 * ```
 */
export function bindValue<T>(container: ContainerInstance, token: InjectionToken<T>, value: T): ContainerInstance {
  if (!(container instanceof ContainerInstance)) {
    throw new InvalidArgumentError('container', 'a TypeDI ContainerInstance (e.g. Container.of(id))', container);
  }
  return container.set({ id: token as ServiceIdentifier<T>, value });
}
