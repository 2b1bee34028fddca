/** The name metrics carry for the tasks of names beyond the guard's bound. */
export const OTHER_TASK_NAME = 'other';

/**
 * The task names metrics may carry: the first `maxNames` distinct names as they are, every later one as
 * {@link OTHER_TASK_NAME}, so that names made from data (a user id in a name) cannot make a time series each.
 */
export class TaskNameGuard {
  readonly #maxNames: number;
  readonly #names = new Set<string>();

  constructor(maxNames: number) {
    this.#maxNames = maxNames;
  }

  /** The name to record for a task named `name`. */
  nameOf(name: string): string {
    if (this.#names.has(name)) return name;
    if (this.#names.size >= this.#maxNames) return OTHER_TASK_NAME;
    this.#names.add(name);
    return name;
  }
}
