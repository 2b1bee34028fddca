import { BasePublisher } from './base-publisher';

/** Whether `value` can serve as a publisher: a `BasePublisher`, or any object with `publish()` and `close()`. */
export function isPublisher(value: unknown): value is BasePublisher {
  if (value instanceof BasePublisher) return true;
  const candidate = value as { publish?: unknown; close?: unknown } | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.publish === 'function' &&
    typeof candidate.close === 'function'
  );
}
