/**
 * The dashboard's `GET /metrics`: the agentflow task metrics (see `instrumentOpenTelemetry()`) in Prometheus's text
 * exposition format, through OpenTelemetry's Prometheus exporter (a dependency of this example only, not of the
 * library), mounted on the dashboard's own server instead of a port of its own.
 *
 * OpenTelemetry names become Prometheus names: `agentflow.tasks.created` is `agentflow_tasks_created_total`,
 * `agentflow.task.duration` is the histogram `agentflow_task_duration` (in seconds, `# UNIT ... s`), the up-down
 * counters are gauges (`agentflow_tasks_active`), and attributes become labels (`agentflow_task_name`,
 * `agentflow_task_status`, `agentflow_drop_reason`).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { instrumentOpenTelemetry, type CompiledGraph, type OpenTelemetryInstrumentation } from '../../lib';

/** The metrics endpoint of a running dashboard. */
export interface DashboardMetrics {
  /** Answers a scrape (`GET /metrics`). */
  handle(req: IncomingMessage, res: ServerResponse): void;
  /** Stops recording and releases the exporter. */
  close(): Promise<void>;
}

/**
 * Records `graph`'s runs, nodes and tasks, and serves the metrics for scraping.
 *
 * @param graph - the dashboard's compiled graph (its manager runs every task the page shows).
 * @returns the endpoint.
 */
export function startMetrics<S extends object>(graph: CompiledGraph<S>): DashboardMetrics {
  const exporter = new PrometheusExporter({ preventServerStart: true });
  const meterProvider = new MeterProvider({ readers: [exporter] });
  const instrumentation: OpenTelemetryInstrumentation = instrumentOpenTelemetry(graph, { meterProvider });
  return {
    handle: (req, res) => exporter.getMetricsRequestHandler(req, res),
    async close() {
      instrumentation.stop();
      await meterProvider.shutdown();
    },
  };
}
