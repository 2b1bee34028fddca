/**
 * Root hooks for the whole suite: any `unhandledRejection` or `uncaughtException` seen while the tests run
 * fails the suite, even if no single test noticed it.
 */
const seen: { kind: string; error: unknown }[] = [];

const onUnhandledRejection = (error: unknown): void => {
  seen.push({ kind: 'unhandledRejection', error });
};
const onUncaughtException = (error: unknown): void => {
  seen.push({ kind: 'uncaughtException', error });
};

export const mochaHooks = {
  beforeAll(): void {
    process.on('unhandledRejection', onUnhandledRejection);
    process.on('uncaughtException', onUncaughtException);
  },
  afterEach(this: Mocha.Context): void {
    if (seen.length === 0) return;
    const report = seen.splice(0).map(({ kind, error }) => `${kind}: ${error instanceof Error ? error.stack : String(error)}`);
    throw new Error(`The process saw ${report.length} unhandled error(s) during this test:\n${report.join('\n')}`);
  },
  afterAll(): void {
    process.off('unhandledRejection', onUnhandledRejection);
    process.off('uncaughtException', onUncaughtException);
  },
};
