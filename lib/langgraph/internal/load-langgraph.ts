import type { UnderlyingSource } from 'node:stream/web';
import { MissingPeerDependencyError } from '../../errors/missing-peer-dependency-error';
import { nodeRequire } from '../../util/node-require';

/** The command that installs the peer dependency, as error messages give it. */
export const LANGGRAPH_INSTALL_COMMAND = 'npm install @langchain/langgraph @langchain/core';

/** What the adapter uses of `@langchain/langgraph` and `@langchain/core`. */
export interface LangGraphModules {
  /** The runnable config of the LangGraph.js node executing now (`undefined` outside one). */
  readonly getConfig: () => { readonly metadata?: Readonly<Record<string, unknown>> } | undefined;
  /** Makes the stream type LangGraph.js returns from `stream()` (a `ReadableStream` that is async-iterable). */
  readonly streamOf: <T>(source: UnderlyingSource<T>) => AsyncIterable<T>;
}

/**
 * Loads `@langchain/langgraph` (and `@langchain/core`, its own peer) at first use: importing `agentflow-rx/langgraph`
 * must work without them, for the error to say what to install.
 *
 * @throws {@link MissingPeerDependencyError} when either is not installed.
 */
export function loadLangGraph(feature: string): LangGraphModules {
  const langgraph = load('@langchain/langgraph', feature) as { getConfig: LangGraphModules['getConfig'] };
  const stream = load('@langchain/core/utils/stream', feature, '@langchain/core') as {
    IterableReadableStream: new <T>(source: UnderlyingSource<T>) => AsyncIterable<T>;
  };
  const { IterableReadableStream } = stream;
  return {
    getConfig: () => langgraph.getConfig(),
    streamOf: (source) => new IterableReadableStream(source),
  };
}

function load(specifier: string, feature: string, packageName = specifier): unknown {
  try {
    return nodeRequire(specifier);
  } catch (error) {
    const candidate = error as { code?: unknown; message?: unknown } | null;
    const missing =
      typeof candidate === 'object' &&
      candidate !== null &&
      (candidate.code === 'MODULE_NOT_FOUND' || candidate.code === 'ERR_PACKAGE_PATH_NOT_EXPORTED') &&
      typeof candidate.message === 'string' &&
      candidate.message.includes(packageName);
    if (missing) throw new MissingPeerDependencyError(packageName, feature, LANGGRAPH_INSTALL_COMMAND, { cause: error });
    throw error;
  }
}
