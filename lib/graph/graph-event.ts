/**
 * The fields every {@link GraphEvent} carries.
 *
 * @example
 * ```ts
 * app.stream(input).subscribe((event: GraphEventBase) => console.log(event.runId, event.type));
 * ```
 */
export interface GraphEventBase {
  /** The run it belongs to. */
  readonly runId: string;
  /** The run's thread, if its config has one. */
  readonly threadId: string | undefined;
  /** When it happened, in milliseconds since the epoch. */
  readonly timestamp: number;
}

/**
 * A run started.
 *
 * @typeParam S - the graph's state.
 * @example
 * ```ts
 * app.stream(input).subscribe((e) => { if (e.type === 'graph_start') console.log('start', e.state); });
 * ```
 */
export interface GraphStartEvent<S> extends GraphEventBase {
  /** The discriminant. */
  readonly type: 'graph_start';
  /** The state the run starts from: the initial state with the input merged over it. */
  readonly state: S;
}

/**
 * A node is about to run.
 *
 * @typeParam S - the graph's state.
 * @example
 * ```ts
 * app.stream(input).subscribe((e) => { if (e.type === 'node_start') console.log(`step ${e.step}: ${e.node}`); });
 * ```
 */
export interface NodeStartEvent<S> extends GraphEventBase {
  /** The discriminant. */
  readonly type: 'node_start';
  /** The node's name. */
  readonly node: string;
  /** Its position in the run, from 1. */
  readonly step: number;
  /** The state it receives. */
  readonly state: S;
}

/**
 * A node finished.
 *
 * @typeParam S - the graph's state.
 * @example
 * ```ts
 * app.stream(input).subscribe((e) => { if (e.type === 'node_end') console.log(e.node, e.update); });
 * ```
 */
export interface NodeEndEvent<S> extends GraphEventBase {
  /** The discriminant. */
  readonly type: 'node_end';
  /** The node's name. */
  readonly node: string;
  /** Its position in the run, from 1. */
  readonly step: number;
  /** What the node returned (`undefined` when it returned nothing). */
  readonly update: Partial<S> | undefined;
  /** The state after the update was merged. */
  readonly state: S;
}

/**
 * A node threw or rejected; the stream errors with that error right after.
 *
 * @example
 * ```ts
 * app.stream(input).subscribe((e) => { if (e.type === 'node_error') console.error(e.node, e.error); });
 * ```
 */
export interface NodeErrorEvent extends GraphEventBase {
  /** The discriminant. */
  readonly type: 'node_error';
  /** The node's name. */
  readonly node: string;
  /** Its position in the run, from 1. */
  readonly step: number;
  /** What it threw. */
  readonly error: unknown;
}

/**
 * A run reached `END`; the stream completes right after.
 *
 * @typeParam S - the graph's state.
 * @example
 * ```ts
 * app.stream(input).subscribe((e) => { if (e.type === 'graph_end') console.log('result', e.state); });
 * ```
 */
export interface GraphEndEvent<S> extends GraphEventBase {
  /** The discriminant. */
  readonly type: 'graph_end';
  /** The final state, as `invoke()` resolves to it. */
  readonly state: S;
  /** How many nodes ran. */
  readonly steps: number;
}

/**
 * What `stream()` emits for one run, in order: `graph_start`, then `node_start` and `node_end` for each node
 * (`node_error` if one fails), then `graph_end`. A union on `type`.
 *
 * @typeParam S - the graph's state.
 * @example
 * ```ts
 * app.stream({ question }, { threadId }).subscribe({
 *   next: (event) => {
 *     if (event.type === 'node_end') ui.showStep(event.node, event.update);
 *   },
 *   error: (error) => ui.showError(error),
 * });
 * ```
 */
export type GraphEvent<S = Record<string, unknown>> =
  | GraphStartEvent<S>
  | NodeStartEvent<S>
  | NodeEndEvent<S>
  | NodeErrorEvent
  | GraphEndEvent<S>;
