/**
 * How a payload is written as a `custom` chunk of a LangGraph.js stream, for the stream mode the caller asked for;
 * `undefined` when the stream has no `custom` mode (nothing is forwarded then). The shapes are LangGraph.js's own:
 * `streamMode: 'custom'` yields the payload, an array of modes `[mode, payload]` tuples, and `subgraphs: true`
 * puts the namespace (`[]` for the root graph) first.
 */
export function customChunkFormat(streamMode: unknown, subgraphs: unknown): ((payload: unknown) => unknown) | undefined {
  const nested = subgraphs === true;
  if (streamMode === 'custom') return nested ? (payload) => [[], payload] : (payload) => payload;
  if (Array.isArray(streamMode) && streamMode.includes('custom')) {
    return nested ? (payload) => [[], 'custom', payload] : (payload) => ['custom', payload];
  }
  return undefined;
}
