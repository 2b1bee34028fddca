/*
 * The packaging check (`npm run check:package`, run by `.ci/run`): what a user installs is what works.
 *
 * 1. `npm pack` (which builds, through `prepare`), and the tarball's size and file count.
 * 2. The tarball installed into a scratch project, without `redis`, next to TypeScript, @types/node and
 *    @types/react of the versions this repository uses.
 * 3. Three user projects, strict and with `skipLibCheck: false`: ES modules (`module: nodenext`), CommonJS with
 *    `module: node16`, and CommonJS with the classic `module: commonjs` (node10 resolution). Each type-checks a
 *    small program that uses `agentflow-rx` and `agentflow-rx/client`, compiles it and runs it.
 * 4. Every `ts`/`tsx` block of README.md type-checked against the installed package (module nodenext, strict,
 *    no skipLibCheck) in a project that also has what the snippets import (redis, pino, the OpenTelemetry SDK), and the blocks marked
 *    `run` compiled and run.
 * 5. Bundles made with esbuild: the ES module program and the CommonJS one bundled for Node and run; the browser
 *    client bundled for browsers, with no Node built-in in it.
 * 6. `@arethetypeswrong/cli` and `publint` on the tarball.
 * 7. The import time of the installed package (median of 9 runs, minus a bare `node` start measured
 *    interleaved with it).
 *
 * Run it with `node -r ts-node/register/transpile-only .ci/package-check.ts`; `KEEP_PACKAGE_CHECK=1` keeps the
 * scratch folder and prints where it is.
 */
import { build, type Metafile } from 'esbuild';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import fs from 'node:fs';
import { builtinModules } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { barrelNames, PLACEHOLDERS, readmeBlocks, withImports, type ReadmeBlock } from '../spec/support/readme-blocks';

const ROOT = path.resolve(__dirname, '..');

function step(title: string): void {
  console.log(`\n== ${title}`);
}

function fail(message: string): never {
  console.error(`package check failed: ${message}`);
  process.exit(1);
}

function run(command: string, args: readonly string[], cwd: string, what: string): SpawnSyncReturns<string> {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env: { ...process.env, npm_config_update_notifier: 'false' } });
  if (result.status !== 0) fail(`${what} exited ${String(result.status ?? result.signal)}\n${result.stdout}\n${result.stderr}`);
  return result;
}

function write(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
}

function versionOf(name: string): string {
  return (JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'agentflow-rx-package-'));
const app = path.join(work, 'app');

// 1. Pack
step('npm pack');
const packed = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', work], ROOT, 'npm pack').stdout.replace(/^[^[]*/s, '')) as {
  filename: string;
  size: number;
  unpackedSize: number;
  entryCount: number;
  files: { path: string }[];
}[];
const tarball = path.join(work, (packed[0] as { filename: string }).filename);
const { size, unpackedSize, entryCount, files } = packed[0] as (typeof packed)[number];
console.log(`${path.basename(tarball)}: ${(size / 1024).toFixed(1)} kB packed, ${(unpackedSize / 1024).toFixed(1)} kB unpacked, ${entryCount} files`);
const shipped = files.map((file) => file.path);
for (const required of ['LICENSE', 'README.md', 'package.json', 'dist/cjs/index.js', 'dist/cjs/index.d.ts', 'dist/esm/index.js', 'dist/esm/index.d.ts', 'dist/esm/ui/client.js', 'dist/esm/ui/client.d.ts']) {
  if (!shipped.includes(required)) fail(`the tarball has no ${required}`);
}
const stray = shipped.filter((file) => !/^(LICENSE|README\.md|package\.json|dist\/.+\.(js|d\.ts|json))$/.test(file));
if (stray.length > 0) fail(`the tarball ships what it should not: ${stray.join(', ')}`);

// 2. Install
step('install the tarball into a scratch project (no redis)');
write(path.join(app, 'package.json'), `${JSON.stringify({ name: 'scratch-app', private: true, version: '1.0.0' }, null, 2)}\n`);
const dependencies = [tarball, `typescript@${versionOf('typescript')}`, `@types/node@${versionOf('@types/node')}`, `@types/react@${versionOf('@types/react')}`];
run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', ...dependencies], app, 'npm install');
if (fs.existsSync(path.join(app, 'node_modules', 'redis'))) fail('redis was installed: the projects must type-check without it');
const tsc = path.join(app, 'node_modules', 'typescript', 'bin', 'tsc'); // the same version in both projects

// 3. User projects
const PROGRAM = `import {
  AgentflowError,
  BackgroundTaskManager,
  InvalidArgumentError,
  MissingPeerDependencyError,
  RedisStreamsPublisher,
  type TaskEvent,
} from 'agentflow-rx';
import { connect, type AgentflowClient, type ClientConnectionState } from 'agentflow-rx/client';

async function main(): Promise<void> {
  const manager = new BackgroundTaskManager();
  const seen: TaskEvent['type'][] = [];
  manager.events$.subscribe((event) => seen.push(event.type));
  const outcome = await manager.createTask(async () => 21 * 2, { name: 'answer' }).done;
  if (outcome.status !== 'completed' || outcome.value !== 42) throw new Error('unexpected outcome: ' + outcome.status);

  let refused: unknown;
  try {
    new BackgroundTaskManager({ maxPendingTask: 1 } as never);
  } catch (error) {
    refused = error;
  }
  if (!(refused instanceof InvalidArgumentError && refused instanceof AgentflowError && refused instanceof TypeError)) {
    throw new Error('an unknown option key was not refused with an InvalidArgumentError');
  }

  let missing: unknown;
  try {
    new RedisStreamsPublisher({ url: 'redis://127.0.0.1:1' });
  } catch (error) {
    missing = error;
  }
  if (!(missing instanceof MissingPeerDependencyError)) throw new Error('no MissingPeerDependencyError without redis');

  // No EventSource in Node: the client stays unavailable, and nothing throws.
  const client: AgentflowClient = connect('http://127.0.0.1:1/events');
  const states: ClientConnectionState[] = [];
  client.connection$.subscribe((state) => states.push(state));
  client.close();

  const stats = await manager.shutdown();
  console.log('ok ' + JSON.stringify({ events: seen, status: stats.status, states }));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
`;
const EXPECTED = 'ok {"events":["created","started","completed"],"status":"completed","states":["unavailable"]}';

// `types: []`: no @types package is loaded unless something references it, as TypeScript 6 and later do by
// default; the library's declarations must bring Node's types themselves (`/// <reference types="node" />`).
const STRICT = { strict: true, skipLibCheck: false, target: 'ES2022', types: [] as string[], outDir: 'out', declaration: false };
const projects = [
  { name: 'esm', type: 'module', compilerOptions: { ...STRICT, module: 'nodenext', moduleResolution: 'nodenext' } },
  { name: 'cjs-node16', type: 'commonjs', compilerOptions: { ...STRICT, module: 'node16', moduleResolution: 'node16' } },
  { name: 'cjs-classic', type: 'commonjs', compilerOptions: { ...STRICT, module: 'commonjs', moduleResolution: 'node10', esModuleInterop: true } },
] as const;
for (const project of projects) {
  step(`${project.name}: type-check, compile and run a program (strict, skipLibCheck false)`);
  const dir = path.join(app, project.name);
  write(path.join(dir, 'package.json'), `${JSON.stringify({ type: project.type }, null, 2)}\n`);
  write(path.join(dir, 'tsconfig.json'), `${JSON.stringify({ compilerOptions: project.compilerOptions, files: ['main.ts'] }, null, 2)}\n`);
  write(path.join(dir, 'main.ts'), PROGRAM);
  run(process.execPath, [tsc, '-p', dir], dir, `tsc (${project.name})`);
  const output = run(process.execPath, [path.join(dir, 'out', 'main.js')], dir, `node (${project.name})`).stdout.trim();
  if (output !== EXPECTED) fail(`${project.name} printed\n${output}\ninstead of\n${EXPECTED}`);
  console.log(output);
}

// 4. README blocks
step('README.md blocks against the installed package (module nodenext, strict, skipLibCheck false)');
// The README's users have what its snippets import: a project of their own, with redis, pino, the OpenTelemetry SDK and LangGraph.js.
const readme = path.join(work, 'readme');
write(path.join(readme, 'package.json'), `${JSON.stringify({ name: 'scratch-readme', private: true, version: '1.0.0', type: 'module' }, null, 2)}\n`);
const OPEN_TELEMETRY = ['@opentelemetry/api', '@opentelemetry/context-async-hooks', '@opentelemetry/sdk-metrics', '@opentelemetry/sdk-trace-base'];
run(
  'npm',
  [
    'install',
    '--no-audit',
    '--no-fund',
    '--prefer-offline',
    ...dependencies,
    `redis@${versionOf('redis')}`,
    `pino@${versionOf('pino')}`,
    ...OPEN_TELEMETRY.map((name) => `${name}@${versionOf(name)}`),
    `@langchain/langgraph@${versionOf('@langchain/langgraph')}`,
    `@langchain/core@${versionOf('@langchain/core')}`,
  ],
  readme,
  'npm install (README project)',
);
const blocks = readmeBlocks(fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8'));
const exported = barrelNames(ROOT);
const fileOf = (block: ReadmeBlock): string => `block-${String(block.index).padStart(2, '0')}.${block.lang}`;
for (const block of blocks) write(path.join(readme, fileOf(block)), block.kind === 'fragment' ? withImports(block, exported) : block.code);
write(path.join(readme, 'placeholders.d.ts'), PLACEHOLDERS);
const README_OPTIONS = {
  ...STRICT,
  module: 'nodenext',
  moduleResolution: 'nodenext',
  experimentalDecorators: true,
  emitDecoratorMetadata: true,
  jsx: 'react-jsx',
};
const readmePrograms = [
  { name: 'programs', blocks: blocks.filter((block) => block.lang === 'ts' && block.kind !== 'fragment'), lib: ['ES2022'], extra: [] as string[], emit: true },
  { name: 'fragments', blocks: blocks.filter((block) => block.lang === 'ts' && block.kind === 'fragment'), lib: ['ES2022'], extra: ['placeholders.d.ts'], emit: false },
  { name: 'browser', blocks: blocks.filter((block) => block.lang === 'tsx'), lib: ['ES2022', 'DOM'], extra: [], emit: false },
];
for (const program of readmePrograms) {
  const config = `tsconfig.${program.name}.json`;
  write(
    path.join(readme, config),
    `${JSON.stringify({ compilerOptions: { ...README_OPTIONS, lib: program.lib, noEmit: !program.emit }, files: [...program.extra, ...program.blocks.map(fileOf)] }, null, 2)}\n`,
  );
  run(process.execPath, [tsc, '-p', path.join(readme, config)], readme, `tsc (README ${program.name}: blocks ${program.blocks.map((block) => block.index).join(', ')})`);
  console.log(`README ${program.name}: ${program.blocks.length} blocks type-check`);
}
for (const block of blocks.filter((candidate) => candidate.kind === 'run')) {
  const result = run(process.execPath, [path.join(readme, 'out', fileOf(block).replace(/\.ts$/, '.js'))], readme, `README block ${block.index} (line ${block.line})`);
  if (result.stderr !== '') fail(`README block ${block.index} wrote to stderr:\n${result.stderr}`);
  console.log(`README block ${block.index} (line ${block.line}) ran to a clean exit`);
}

// 5. Bundles
async function bundles(): Promise<void> {
  step('esbuild: the programs bundled for Node, and the browser client bundled for browsers');
  for (const [project, format, outfile] of [
    ['esm', 'esm', 'bundle.mjs'],
    ['cjs-node16', 'cjs', 'bundle.cjs'],
  ] as const) {
    const dir = path.join(app, project);
    await build({ entryPoints: [path.join(dir, 'out', 'main.js')], bundle: true, platform: 'node', format, outfile: path.join(dir, outfile), logLevel: 'error' });
    const output = run(process.execPath, [path.join(dir, outfile)], dir, `node ${project}/${outfile}`).stdout.trim();
    if (output !== EXPECTED) fail(`the ${format} bundle printed\n${output}\ninstead of\n${EXPECTED}`);
    console.log(`${format} bundle for Node: ${output}`);
  }
  const browser = await build({
    stdin: { contents: "import { connect } from 'agentflow-rx/client';\nconnect('/events').counts$.subscribe(console.log);\n", resolveDir: app, loader: 'ts' },
    bundle: true,
    platform: 'browser',
    format: 'esm',
    minify: true,
    write: false,
    metafile: true,
    logLevel: 'error',
  });
  const builtins = new Set([...builtinModules, ...builtinModules.map((name) => `node:${name}`)]);
  const inputs = Object.keys((browser.metafile as Metafile).inputs);
  const nodeImports = Object.values((browser.metafile as Metafile).inputs).flatMap((input) => input.imports.filter((entry) => builtins.has(entry.path) || entry.external).map((entry) => entry.path));
  if (nodeImports.length > 0) fail(`the browser bundle of agentflow-rx/client imports ${nodeImports.join(', ')}`);
  const bytes = (browser.outputFiles?.[0]?.contents.length ?? 0) / 1024;
  console.log(`browser bundle of agentflow-rx/client: ${bytes.toFixed(1)} kB minified, ${inputs.length} modules, no Node built-in`);
}

// 6. Linters of packages
function lint(): void {
  step('@arethetypeswrong/cli and publint');
  const attw = path.join(ROOT, 'node_modules', '@arethetypeswrong', 'cli', 'dist', 'index.js');
  console.log(run(process.execPath, [attw, tarball, '--format', 'ascii'], ROOT, 'attw').stdout.trim());
  const publint = path.join(ROOT, 'node_modules', 'publint', 'src', 'cli.js');
  const installed = path.join(app, 'node_modules', 'agentflow-rx');
  const result = run(process.execPath, [publint, installed, '--strict'], ROOT, 'publint');
  console.log(result.stdout.trim());
}

// 7. Import time
function importTime(): void {
  step('import time of the installed package (median of 9, minus a bare node start measured interleaved)');
  const dir = path.join(app, 'cjs-node16');
  const time = (args: readonly string[]): number => {
    const started = process.hrtime.bigint();
    run(process.execPath, args, dir, `node ${args.join(' ')}`);
    return Number(process.hrtime.bigint() - started) / 1e6;
  };
  const median = (values: number[]): number => values.sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
  const bare: number[] = [];
  const cjs: number[] = [];
  const esm: number[] = [];
  for (let i = 0; i < 9; i++) {
    bare.push(time(['-e', '0']));
    cjs.push(time(['-e', "require('agentflow-rx')"]));
    esm.push(time(['--input-type=module', '-e', "await import('agentflow-rx')"]));
  }
  const base = median(bare);
  console.log(`node start ${base.toFixed(0)} ms; require('agentflow-rx') +${(median(cjs) - base).toFixed(0)} ms; import('agentflow-rx') +${(median(esm) - base).toFixed(0)} ms (node ${process.version})`);
}

bundles()
  .then(() => {
    lint();
    importTime();
    if (process.env.KEEP_PACKAGE_CHECK === '1') console.log(`\nkept ${work}`);
    else fs.rmSync(work, { recursive: true, force: true });
    console.log('\npackage check passed');
  })
  .catch((error: unknown) => fail(String((error as Error)?.stack ?? error)));
