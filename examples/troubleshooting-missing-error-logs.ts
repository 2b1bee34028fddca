/**
 * Troubleshooting: missing error logs (docs: "Issue: Missing Error Logs").
 *
 * Failed background tasks are logged at ERROR on loglevel's `agentflow.utils` logger. This example configures
 * that logger with a format (the equivalent of Python's `logging.basicConfig`) and shows a failure being logged.
 * It restores the logger at the end, as a real application would not need to.
 *
 * Run: npx ts-node examples/troubleshooting-missing-error-logs.ts
 */
import { BackgroundTaskManager, StateGraph, getDefaultLogger, inject, type RunConfig } from '../lib';
import { runExample } from './support/run-example';

interface State {
  orderId: string;
}

async function processOrder(state: State, _config: RunConfig, taskManager = inject(BackgroundTaskManager)): Promise<State> {
  taskManager.createTask(
    async () => {
      throw new Error(`payment gateway refused order ${state.orderId}`);
    },
    { name: 'charge_card', context: { orderId: state.orderId } },
  );
  return state;
}

export async function main(): Promise<void> {
  const logger = getDefaultLogger();
  const originalFactory = logger.methodFactory;
  const originalLevel = logger.getLevel();

  // Ensure logging is configured: level INFO, format "time - name - level - message"
  logger.methodFactory = (methodName, _level, loggerName) => (message: unknown) => {
    console.log(`${new Date().toISOString()} - ${String(loggerName)} - ${methodName.toUpperCase()} - ${String(message)}`);
  };
  logger.setLevel('info', false);

  try {
    const app = new StateGraph<State>().addNode(processOrder).setEntryPoint('processOrder').compile();
    await app.invoke({ orderId: 'A-17' });
    await app.taskManager.waitForAll({ returnExceptions: true });
    await app.close();
  } finally {
    logger.methodFactory = originalFactory;
    logger.setLevel(originalLevel, false);
  }
}

runExample(module, main);
