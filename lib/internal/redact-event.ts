import type { BackgroundTaskManager } from '../tasks/background-task-manager';
import type { TaskEvent } from '../tasks/task-event';

/** The event with its context's secrets redacted by the manager's `redact` keys, for anything leaving the process. */
export function redactEvent(manager: BackgroundTaskManager, event: TaskEvent): TaskEvent {
  const context = manager.redactContext(event.context);
  return context === event.context ? event : { ...event, context };
}
