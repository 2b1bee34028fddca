import type * as OpenTelemetryApi from '@opentelemetry/api';
import { MissingPeerDependencyError } from '../../errors/missing-peer-dependency-error';
import { nodeRequire } from '../../util/node-require';

/** The `@opentelemetry/api` module (types from the package: only the telemetry area's private files name them). */
export type OpenTelemetryModule = typeof OpenTelemetryApi;

/** The command that installs the peer dependency, as error messages give it. */
export const OPEN_TELEMETRY_INSTALL_COMMAND = 'npm install @opentelemetry/api';

/**
 * Loads `@opentelemetry/api`, the optional peer dependency behind `instrumentOpenTelemetry()`, at first use (never
 * at the top of a module: importing the library must work without it).
 *
 * @throws {@link MissingPeerDependencyError} when it is not installed.
 */
export function loadOpenTelemetry(feature: string): OpenTelemetryModule {
  try {
    return nodeRequire('@opentelemetry/api') as OpenTelemetryModule;
  } catch (error) {
    const candidate = error as { code?: unknown; message?: unknown } | null;
    const missing =
      typeof candidate === 'object' &&
      candidate !== null &&
      candidate.code === 'MODULE_NOT_FOUND' &&
      typeof candidate.message === 'string' &&
      candidate.message.includes("'@opentelemetry/api'");
    if (missing) throw new MissingPeerDependencyError('@opentelemetry/api', feature, OPEN_TELEMETRY_INSTALL_COMMAND, { cause: error });
    throw error;
  }
}
