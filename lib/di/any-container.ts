import type { ContainerInstance, ServiceIdentifier } from 'typedi';

/**
 * A TypeDI container as it really behaves. TypeDI's typed overloads refuse some valid identifiers (an abstract
 * class such as `BasePublisher` in `has()` and `get()`); the container accepts them.
 */
export type AnyContainer = ContainerInstance & {
  has(id: ServiceIdentifier): boolean;
  get<T>(id: ServiceIdentifier<T>): T;
};
