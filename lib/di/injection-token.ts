import type { Token } from 'typedi';

/**
 * What `inject()` accepts as a key: a class (abstract classes included, as `BasePublisher`), a TypeDI `Token`,
 * or a string name, exactly as TypeDI's `Container.set` and `Container.get` take them.
 *
 * @typeParam T - the type of the bound value.
 * @example
 * ```ts
 * const MAILER = new Token<Mailer>('mailer');
 * const byClass: InjectionToken<BackgroundTaskManager> = BackgroundTaskManager;
 * const byToken: InjectionToken<Mailer> = MAILER;
 * ```
 */
export type InjectionToken<T> = (abstract new (...args: never[]) => T) | Token<T> | string;
