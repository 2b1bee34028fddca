/**
 * Per-task timings. Each run records wall-clock time (the figure the targets are judged on) and the process's
 * CPU time (user + system, all threads, GC helpers included): on a machine shared with other processes the
 * wall clock also counts the time this process waited for a core, the CPU time does not, so the CPU ratio
 * tells a slow manager from a busy machine.
 */

/** One run's cost, per task, in nanoseconds. */
export interface Timing {
  readonly wallNs: number;
  readonly cpuNs: number;
}

/** Starts timing; call the returned function once the work is done, with the number of tasks it covered. */
export function startTiming(): (tasks: number) => Timing {
  const cpuAtStart = process.cpuUsage();
  const wallAtStart = performance.now();
  return (tasks) => {
    const wallMs = performance.now() - wallAtStart;
    const cpu = process.cpuUsage(cpuAtStart);
    return { wallNs: (wallMs * 1e6) / tasks, cpuNs: ((cpu.user + cpu.system) * 1e3) / tasks };
  };
}
