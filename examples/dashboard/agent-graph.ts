/**
 * The sample agent the dashboard runs on a timer: a compiled `StateGraph` whose nodes start background tasks
 * (through the graph's own `BackgroundTaskManager`, injected) and publish events of their own.
 *
 * Its graph and node events reach the page through the `ObservablePublisher` the graph is built with, which
 * the server also hands to `toServerSentEvents()`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  BackgroundTaskManager,
  END,
  GraphClosedError,
  START,
  StateGraph,
  createNodeExecutionEvent,
  getDefaultLogger,
  inject,
  publishEvent,
  type CompiledGraph,
  type ObservablePublisher,
  type OverflowPolicy,
  type ResolvedRunConfig,
} from '../../lib';

/** The state of one sample agent run. */
export interface AgentState {
  question: string;
  sources?: string[];
  answer?: string;
}

const QUESTIONS = [
  'Which invoices are overdue?',
  'Summarise yesterday’s support tickets',
  'What changed in the Q3 roadmap?',
  'Draft a reply to the Acme escalation',
  'Which deploys failed this week?',
];

const SOURCES = ['crm', 'wiki', 'tickets', 'billing', 'git'];

/** Options of {@link createAgentGraph}. */
export interface AgentGraphOptions {
  readonly publisher: ObservablePublisher;
  /** The graph's manager's `maxPendingTasks`. */
  readonly maxPendingTasks: number;
  /** The graph's manager's overflow policy. */
  readonly overflow: OverflowPolicy;
  /** How long closing the graph waits for its background tasks to stop. */
  readonly shutdownTimeoutMs: number;
}

/**
 * Compiles the sample agent: `plan` → `research` → `answer`.
 *
 * @param options - the publisher and the manager's settings.
 * @returns the compiled graph; its `taskManager` is the manager the dashboard shows.
 */
export function createAgentGraph(options: AgentGraphOptions): CompiledGraph<AgentState> {
  return new StateGraph<AgentState>({ publisher: options.publisher })
    .addNode(plan)
    .addNode(research)
    .addNode(answer)
    .addEdge(START, 'plan')
    .addEdge('plan', 'research')
    .addEdge('research', 'answer')
    .addEdge('answer', END)
    .compile({
      shutdownTimeoutMs: options.shutdownTimeoutMs,
      maxPendingTasks: options.maxPendingTasks,
      overflow: options.overflow,
    });
}

async function plan(state: AgentState, config: ResolvedRunConfig): Promise<Partial<AgentState>> {
  await sleep(between(100, 300), undefined, { signal: config.signal });
  const sources = pick(SOURCES, 2 + Math.floor(Math.random() * 2));
  publishEvent(
    createNodeExecutionEvent('plan', 'progress', {
      content: `will consult ${sources.join(', ')}`,
      runId: config.runId,
      threadId: config.threadId,
    }),
  );
  return { sources };
}

/** Fetches each source in the background; the run goes on without waiting for them. */
async function research(
  state: AgentState,
  config: ResolvedRunConfig,
  tasks = inject(BackgroundTaskManager),
): Promise<Partial<AgentState>> {
  for (const source of state.sources ?? []) {
    tasks.createTask((signal) => sleep(between(400, 2_500), undefined, { signal }), {
      name: 'fetch_source',
      timeoutMs: 5_000,
      context: { source },
    });
  }
  await sleep(between(200, 500), undefined, { signal: config.signal });
  return {};
}

async function answer(
  state: AgentState,
  config: ResolvedRunConfig,
  tasks = inject(BackgroundTaskManager),
): Promise<Partial<AgentState>> {
  await sleep(between(100, 300), undefined, { signal: config.signal });
  tasks.createTask((signal) => sleep(between(300, 1_200), undefined, { signal }), {
    name: 'send_notification',
    timeoutMs: 3_000,
    context: { channel: 'slack' }, // the run, thread and node are the task's own tags
  });
  return { answer: `${state.sources?.length ?? 0} sources consulted` };
}

/** Starts a sample run every `intervalMs`; returned by {@link startAgentRuns}. */
export interface AgentRuns {
  /** Runs started so far. */
  readonly started: number;
  /** Stops starting runs (runs in progress are left to `graph.close()`). Calling it again does nothing. */
  stop(): void;
}

/**
 * Starts one run of `graph` every `intervalMs` (the first at once), each on its own thread.
 * A run that fails is logged; one aborted because the graph closed is not.
 *
 * @param graph - the compiled agent.
 * @param intervalMs - the period; 0 starts none.
 * @returns the timer's handle.
 */
export function startAgentRuns(graph: CompiledGraph<AgentState>, intervalMs: number): AgentRuns {
  let started = 0;
  let timer: NodeJS.Timeout | undefined;
  const runOnce = (): void => {
    if (graph.closed) return;
    started++;
    const question = QUESTIONS[started % QUESTIONS.length] as string;
    graph.invoke({ question }, { threadId: `thread-${started}`, userId: 'dashboard' }).catch((error: unknown) => {
      if (error instanceof GraphClosedError) return;
      getDefaultLogger().error('A sample agent run failed', error);
    });
  };
  if (intervalMs > 0) {
    timer = setInterval(runOnce, intervalMs);
    timer.unref();
    runOnce();
  }
  return {
    get started() {
      return started;
    },
    stop() {
      clearInterval(timer);
      timer = undefined;
    },
  };
}

function pick<T>(items: readonly T[], count: number): T[] {
  const pool = [...items];
  const chosen: T[] = [];
  while (chosen.length < count && pool.length > 0) {
    chosen.push(pool.splice(Math.floor(Math.random() * pool.length), 1)[0] as T);
  }
  return chosen;
}

function between(min: number, max: number): number {
  return Math.round(min + Math.random() * (max - min));
}
