/**
 * A small mutation check of the task engine: `npm run test:mutations`.
 *
 * Each mutant plants one plausible bug (a one-line change in `lib/`), runs the engine's specs against it in a
 * scratch copy of the repository, and must make at least one spec fail. A mutant that survives means a
 * behaviour no test pins down. The repository itself is never modified.
 *
 * Not part of `npm test` (it runs the specs once per mutant, about a minute in all).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

interface Mutant {
  readonly file: string;
  readonly find: string;
  readonly replace: string;
  readonly bug: string;
}

const MUTANTS: readonly Mutant[] = [
  {
    bug: 'a signal read after its task was cancelled is not aborted (cancelAll of tasks not yet started)',
    file: 'lib/tasks/internal/task-run.ts',
    find: 'if (reason !== NOT_ABORTED) extras.controller.abort(reason);',
    replace: '',
  },
  {
    bug: 'cancelAll() skips tasks that have not started',
    file: 'lib/tasks/background-task-manager.ts',
    find: 'if (run.cancelWith(error)) cancelled++;',
    replace: "if (run.status !== 'pending' && run.cancelWith(error)) cancelled++;",
  },
  {
    bug: 'waiters are told the manager is idle before done handlers ran (no confirmation turn)',
    file: 'lib/tasks/internal/wait-until.ts',
    find: 'confirming = true;\n    setImmediate(confirm);',
    replace: 'end(true);',
  },
  {
    bug: 'one microtask starts a whole batch of tasks (in the first caller’s async context)',
    file: 'lib/tasks/internal/task-run.ts',
    find: '    promiseThen.call(RESOLVED, startNextLaunched);',
    replace: '    if (launchQueue.length - launchHead === 1) queueMicrotask(() => { while (launchHead < launchQueue.length) startNextLaunched(); });',
  },
  {
    bug: 'the work of a task cancelled on its started event is still called',
    file: 'lib/tasks/internal/task-run.ts',
    find: '    if (this.#outcome !== undefined) {\n      // Settled before its work was called',
    replace: "    if (this.#outcome !== undefined && this.#kind === 'promise') {\n      // Settled before its work was called",
  },
  {
    bug: 'durations come from the wall clock',
    file: 'lib/tasks/internal/task-run.ts',
    find: 'return Math.max(0, (scheduler === undefined ? performance.now() : schedulerNow(this.#host)) - this.#createdAtMs);',
    replace: 'return Date.now() - this.createdAt;',
  },
  {
    bug: 'work that outlives its task is not tracked as detached work',
    file: 'lib/tasks/background-task-manager.ts',
    find: 'if (run.workRunning) this.#detached.add(run);',
    replace: '',
  },
  {
    bug: 'a settled task’s timeout timer is left running',
    file: 'lib/tasks/internal/task-run.ts',
    find: '      if (this.#host.scheduler === undefined) clearTimeout(timer as NodeJS.Timeout);',
    replace: '',
  },
  {
    bug: 'a throwing logger propagates',
    file: 'lib/logging/guarded-logger.ts',
    find: '    } catch {\n      this.#failures++;\n      return;\n    }',
    replace: '    } catch (error) {\n      this.#failures++;\n      throw error;\n    }',
  },
  {
    bug: 'cancellations are not counted',
    file: 'lib/tasks/internal/task-tally.ts',
    find: '        this.#cancelled++;',
    replace: '',
  },
  {
    bug: 'the caller’s signal is linked to a task settled by a created-event subscriber',
    file: 'lib/tasks/background-task-manager.ts',
    find: 'if (signal !== undefined && run.outcome === undefined) {',
    replace: 'if (signal !== undefined) {',
  },
  {
    bug: 'a caller signal’s listener is never removed',
    file: 'lib/util/caller-signal-links.ts',
    find: "    signal.removeEventListener('abort', this.#onAbort);\n  }",
    replace: '  }',
  },
  {
    bug: 'redaction passes through what lies beyond its depth limit',
    file: 'lib/redaction/redactor.ts',
    find: 'if (depth >= MAX_DEPTH) return TRUNCATED;',
    replace: 'if (depth >= MAX_DEPTH) return value;',
  },
  {
    bug: 'heartbeatMs: 0 falls back to the 15 s default',
    file: 'lib/ui/server-sent-events-options.ts',
    find: 'heartbeatMs: options.heartbeatMs ?? defaults.heartbeatMs,',
    replace: 'heartbeatMs: options.heartbeatMs || defaults.heartbeatMs,',
  },
  {
    bug: 'control characters of user values reach log lines',
    file: 'lib/util/describe-value.ts',
    find: 'return truncate(escapeControlCharacters(describeUntruncated(value)), maxLength);',
    replace: 'return truncate(describeUntruncated(value), maxLength);',
  },
  {
    bug: 'waitForAll() does not reject when a task fails',
    file: 'lib/tasks/background-task-manager.ts',
    find: '          stop();\n          selection.release();\n          reject(outcome.error);',
    replace: '          errors.push(outcome.error);',
  },
  {
    bug: 'drop-oldest sheds the newest task instead of the oldest',
    file: 'lib/tasks/background-task-manager.ts',
    find: 'const oldest = this.#inFlight.values().next().value;',
    replace: 'const oldest = [...this.#inFlight.values()].at(-2);',
  },
  {
    bug: 'done resolves after the waiters were told',
    file: 'lib/tasks/internal/task-run.ts',
    find: '    resolveDone?.(outcome);\n    this.#host.taskSettled(this);',
    replace: '    this.#host.taskSettled(this);\n    resolveDone?.(outcome);',
  },
];

/** The specs that pin the task engine down. */
const SPECS = ['spec/tasks/**/*.spec.ts', 'spec/ui/to-server-sent-events.spec.ts', 'spec/graph/**/*.spec.ts'];

const root = path.resolve(__dirname, '..', '..');

function scratchCopy(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentflow-mutants-'));
  for (const entry of ['lib', 'spec', 'examples', 'package.json', 'tsconfig.json']) {
    fs.cpSync(path.join(root, entry), path.join(dir, entry), { recursive: true });
  }
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'));
  const mocharc = JSON.parse(fs.readFileSync(path.join(root, '.mocharc.json'), 'utf8')) as Record<string, unknown>;
  fs.writeFileSync(path.join(dir, '.mocharc.json'), JSON.stringify({ ...mocharc, spec: SPECS }));
  return dir;
}

function runSpecs(dir: string): { failed: boolean; summary: string } {
  const result = spawnSync(process.execPath, [path.join(root, 'node_modules', 'mocha', 'bin', 'mocha.js'), '--reporter', 'dot'], {
    cwd: dir,
    env: { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true', MODEL_RUNS: '100', HOSTILE_RUNS: '100' },
    encoding: 'utf8',
    timeout: 300_000,
  });
  const output = `${result.stdout}${result.stderr}`;
  const summary = output.match(/\d+ passing[^\n]*(\n\s*\d+ failing)?/)?.[0]?.replace(/\s+/g, ' ') ?? `exit ${result.status}`;
  return { failed: result.status !== 0, summary };
}

function main(): void {
  // `--check`: only verify that every mutant's text is still in the sources (a quick guard after a refactoring).
  if (process.argv.includes('--check')) {
    const missing = MUTANTS.filter((mutant) => !fs.readFileSync(path.join(root, mutant.file), 'utf8').includes(mutant.find));
    for (const mutant of missing) console.log(`missing: ${mutant.file}: ${mutant.bug}`);
    if (missing.length > 0) process.exitCode = 1;
    else console.log(`all ${MUTANTS.length} mutants apply`);
    return;
  }
  const dir = scratchCopy();
  try {
    const baseline = runSpecs(dir);
    console.log(`baseline (no mutant): ${baseline.summary}`);
    if (baseline.failed) throw new Error('the specs fail without any mutant: fix them first');
    let survivors = 0;
    for (const [index, mutant] of MUTANTS.entries()) {
      const file = path.join(dir, mutant.file);
      const original = fs.readFileSync(file, 'utf8');
      if (!original.includes(mutant.find)) throw new Error(`mutant ${index + 1}: its text is no longer in ${mutant.file}`);
      fs.writeFileSync(file, original.replace(mutant.find, mutant.replace));
      const prelude = mutant.bug.startsWith('one microtask') ? 'const batch: (() => void)[] = [];\n' : '';
      if (prelude !== '') fs.writeFileSync(file, prelude + fs.readFileSync(file, 'utf8'));
      try {
        const { failed, summary } = runSpecs(dir);
        if (!failed) survivors++;
        console.log(`${failed ? 'killed  ' : 'SURVIVED'} ${index + 1}. ${mutant.bug} (${summary})`);
      } finally {
        fs.writeFileSync(file, original);
      }
    }
    console.log(`\n${MUTANTS.length - survivors} of ${MUTANTS.length} mutants killed`);
    if (survivors > 0) process.exitCode = 1;
  } finally {
    execFileSync('rm', ['-rf', dir]);
  }
}

main();
