import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import path from 'node:path';

/** What a child Node process did. */
export interface ChildResult {
  /** The exit code, or `null` when it was killed. */
  readonly code: number | null;
  /** Whether it had to be killed because it did not exit by itself within the limit. */
  readonly killed: boolean;
  readonly stdout: string;
  readonly stderr: string;
  readonly elapsedMs: number;
}

const REPO_ROOT = path.resolve(__dirname, '..', '..');

/**
 * Starts `script` (CommonJS JavaScript; `require('./lib')` loads the library through ts-node, without
 * type-checking) in a fresh Node process with the repository as its working directory.
 */
export function spawnLibraryChild(script: string): ChildProcessByStdio<null, Readable, Readable> {
  return spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script], {
    cwd: REPO_ROOT,
    env: { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/**
 * Runs `script` (CommonJS JavaScript; `require('./lib')` loads the library through ts-node) in a fresh Node
 * process with the repository as its working directory, and waits for it to exit by itself. It is killed
 * after `limitMs`, and `killed` then says so.
 */
export function runInChild(script: string, limitMs: number): Promise<ChildResult> {
  const startedAt = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawnLibraryChild(script);
    let stdout = '';
    let stderr = '';
    let killed = false;
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const limit = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, limitMs);
    child.on('error', (error) => {
      clearTimeout(limit);
      reject(error);
    });
    child.on('exit', (code) => {
      clearTimeout(limit);
      resolve({ code, killed, stdout, stderr, elapsedMs: Date.now() - startedAt });
    });
  });
}

/**
 * A script prelude for a child process: `loaded()` tells whether a file of `packageDir` (a `node_modules` folder,
 * e.g. `@langchain`) was loaded, and while `hidden` is true, requiring `moduleName` fails as a missing module does.
 */
export function hideModulePrelude(moduleName: string, packageDir: string): string {
  return `
      const loaded = () => Object.keys(require.cache).some((file) => /[\\/]node_modules[\\/]${packageDir}[\\/]/.test(file));
      const Module = require('node:module');
      const resolve = Module._resolveFilename;
      let hidden = false;
      Module._resolveFilename = function (request, ...rest) {
        if (hidden && request === '${moduleName}') {
          const error = new Error("Cannot find module '${moduleName}'");
          error.code = 'MODULE_NOT_FOUND';
          throw error;
        }
        return resolve.call(this, request, ...rest);
      };`;
}
