import type { TaskContext } from '../tasks/task-context';

/** What a redacted value is replaced with. */
export const REDACTED = '[REDACTED]';

/** How deep redaction looks into a context; deeper values are replaced whole. */
const MAX_DEPTH = 16;

/**
 * Replaces the values of secret keys, at any depth, matched case-insensitively, in copies of task contexts.
 *
 * Only the paths that need it are copied: a context with no secret key is returned as is, so redacting the
 * contexts of a large task list costs little. Cycles and depth beyond {@link MAX_DEPTH} never throw.
 */
export class Redactor {
  readonly #keys: ReadonlySet<string>;

  constructor(keys: readonly string[]) {
    this.#keys = new Set(keys.map((key) => key.toLowerCase()));
  }

  /** Whether any key is redacted at all. */
  get active(): boolean {
    return this.#keys.size > 0;
  }

  /** `context` with the value of every secret key replaced by `'[REDACTED]'` (the same object when none). */
  context(context: TaskContext): TaskContext {
    if (this.#keys.size === 0) return context;
    return this.#redact(context, 0, new Set()) as TaskContext;
  }

  /** `value` with its `context` redacted (the same object when nothing changed). */
  withContext<V extends { readonly context: TaskContext }>(value: V): V {
    const context = this.context(value.context);
    return context === value.context ? value : { ...value, context };
  }

  #redact(value: unknown, depth: number, ancestors: Set<object>): unknown {
    if (typeof value !== 'object' || value === null) return value;
    if (ancestors.has(value) || depth >= MAX_DEPTH) return value;
    ancestors.add(value);
    try {
      if (Array.isArray(value)) return this.#redactArray(value, depth, ancestors);
      return this.#redactObject(value as Record<string, unknown>, depth, ancestors);
    } finally {
      ancestors.delete(value);
    }
  }

  #redactArray(array: readonly unknown[], depth: number, ancestors: Set<object>): readonly unknown[] {
    let copy: unknown[] | undefined;
    array.forEach((item, index) => {
      const redacted = this.#redact(item, depth + 1, ancestors);
      if (redacted === item) return;
      copy ??= [...array];
      copy[index] = redacted;
    });
    return copy ?? array;
  }

  #redactObject(object: Record<string, unknown>, depth: number, ancestors: Set<object>): Record<string, unknown> {
    let copy: Record<string, unknown> | undefined;
    for (const key of Object.keys(object)) {
      let item: unknown;
      try {
        item = object[key];
      } catch {
        continue; // a throwing getter: nothing to redact, and describing it is the serializer's job
      }
      const redacted = this.#keys.has(key.toLowerCase()) ? REDACTED : this.#redact(item, depth + 1, ancestors);
      if (redacted === item) continue;
      copy ??= { ...object };
      copy[key] = redacted;
    }
    return copy ?? object;
  }
}
