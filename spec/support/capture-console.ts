import sinon from 'sinon';

/**
 * Runs `fn` with `console.log` captured, and returns what it printed, one entry per call.
 */
export async function captureConsole(fn: () => Promise<void>): Promise<string[]> {
  const lines: string[] = [];
  const stub = sinon.stub(console, 'log').callsFake((...args: unknown[]) => {
    lines.push(args.map(String).join(' '));
  });
  try {
    await fn();
  } finally {
    stub.restore();
  }
  return lines;
}
