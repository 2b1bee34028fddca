/**
 * Root hooks for the whole suite: any `unhandledRejection`, `uncaughtException` or process warning (a
 * `MaxListenersExceededWarning`, a deprecation...) seen while the tests run fails the test during which it
 * happened, even if no single test noticed it.
 */
const seen: { kind: string; error: unknown }[] = [];

const onUnhandledRejection = (error: unknown): void => {
  seen.push({ kind: 'unhandledRejection', error });
};
const onUncaughtException = (error: unknown): void => {
  seen.push({ kind: 'uncaughtException', error });
};
const onWarning = (warning: Error): void => {
  seen.push({ kind: `warning (${warning.name})`, error: warning });
};

export const mochaHooks = {
  beforeAll(): void {
    process.on('unhandledRejection', onUnhandledRejection);
    process.on('uncaughtException', onUncaughtException);
    process.on('warning', onWarning);
  },
  afterEach(this: Mocha.Context): void {
    if (seen.length === 0) return;
    const report = seen.splice(0).map(({ kind, error }) => `${kind}: ${error instanceof Error ? error.stack : String(error)}`);
    throw new Error(`The process saw ${report.length} unhandled error(s) or warning(s) during this test:\n${report.join('\n')}`);
  },
  afterAll(): void {
    process.off('unhandledRejection', onUnhandledRejection);
    process.off('uncaughtException', onUncaughtException);
    process.off('warning', onWarning);
  },
};
