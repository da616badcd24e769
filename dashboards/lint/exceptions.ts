// Metric names the dashboards and rules may use although mgrd's exposition of
// a simulated cluster does not have them, each with the reason. The static
// check (test/unit/dashboards-metrics.test.ts) fails on any other unknown
// name, and on an exception that is no longer needed unless it is `pending`
// (a metric another part of mgrd is adding: the check cannot know when it lands).

export interface MetricException {
  reason: string;
  /** Expected in mgrd's exposition once the named work lands. */
  pending?: true;
}

const NODE_EXPORTER = { reason: 'node_exporter on the Ceph hosts (Hosts dashboard, "Host resources" row), not an mgrd metric' };

export const METRIC_EXCEPTIONS: Readonly<Record<string, MetricException>> = {
  up: { reason: "written by Prometheus for every scrape target (job/instance health), not by an exporter" },
  ALERTS: { reason: "written by Prometheus for its alerting rules' pending and firing alerts" },
  node_cpu_seconds_total: NODE_EXPORTER,
  node_memory_MemAvailable_bytes: NODE_EXPORTER,
  node_memory_MemTotal_bytes: NODE_EXPORTER,
  node_network_receive_bytes_total: NODE_EXPORTER,
  node_network_transmit_bytes_total: NODE_EXPORTER,
};

/** Labels every series has once scraped: Prometheus adds job and instance; `cluster` comes from the scrape config (README). */
export const TARGET_LABELS: ReadonlySet<string> = new Set(['job', 'instance', 'cluster']);
