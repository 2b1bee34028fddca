/**
 * Node's `require`, for the optional dependencies loaded at first use (`redis`, `@opentelemetry/api`): synchronous, because the
 * constructors that need it are. The ES module build of the package replaces this file with one that makes the
 * same function with `createRequire(import.meta.url)` (see `.ci/build.js`).
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const nodeRequire: NodeJS.Require = require;
