import type { GraphStep, GraphStepWrapper } from '../graph-step-wrapper';

/**
 * The one way into a compiled graph's private list of step wrappers, for `wrapGraphSteps()`: set by the class's
 * static block (a private field is reachable only from inside the class).
 */
export const stepWrapperAccess: {
  add?: (graph: object, wrapper: GraphStepWrapper) => () => void;
} = {};

/**
 * Runs `proceed` through `wrappers`, outermost first, and returns its own promise. Total: a wrapper that throws or
 * never calls `proceed` is reported to `failed`, and the step proceeds all the same, once.
 */
export function runWrapped<T>(
  wrappers: readonly GraphStepWrapper[] | undefined,
  step: GraphStep,
  proceed: () => Promise<T>,
  failed: (error: unknown) => void,
): Promise<T> {
  if (wrappers === undefined || wrappers.length === 0) return proceed();
  let result: Promise<T> | undefined;
  const once = (): Promise<T> => {
    result ??= proceed();
    return result;
  };
  // Each wrapper's `proceed` works once, and only while the wrapper runs: later calls get the step's promise and
  // do nothing else (an inner wrapper never runs twice, nor after the step began).
  const through = (index: number): Promise<unknown> => {
    const wrapper = wrappers[index];
    if (wrapper === undefined) return once();
    let open = true;
    const inner = (): Promise<unknown> => {
      if (!open) return once();
      open = false;
      return through(index + 1);
    };
    try {
      wrapper(step, inner);
    } catch (error) {
      failed(error);
    } finally {
      open = false;
    }
    return once();
  };
  through(0);
  return once();
}
