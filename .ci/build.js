#!/usr/bin/env node
/*
 * Builds the package: `npm run build` (and `prepare`, so that a git URL or a tarball installs a working package).
 *
 * - dist/cjs: CommonJS, with declarations (`require('agentflow-rx')`);
 * - dist/esm: ES modules, with declarations (`import … from 'agentflow-rx'`, and `agentflow-rx/client` for
 *   browsers and bundlers): the same sources compiled again with `module: es2022`, then every relative import
 *   given its `.js` extension (as Node's ES module loader requires), a `package.json` saying `"type": "module"`,
 *   and `util/node-require.js` made with `createRequire(import.meta.url)` (an ES module has no `require`).
 *
 * No source maps are shipped (the sources are not). Runs with Node alone: `node .ci/build.js`.
 */
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const dist = path.join(root, 'dist');
const tsc = require.resolve('typescript/bin/tsc', { paths: [root] });

function compile(outDir, extra) {
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', outDir, '--sourceMap', 'false', ...extra], {
    cwd: root,
    stdio: 'inherit',
  });
}

function walk(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? walk(full) : [full];
  });
}

/** `./x` → `./x.js` or `./x/index.js`, as the file tree says. */
function withExtension(file, specifier) {
  if (!specifier.startsWith('.')) return specifier;
  const base = path.resolve(path.dirname(file), specifier);
  if (fs.existsSync(`${base}.js`)) return `${specifier}.js`;
  if (fs.existsSync(path.join(base, 'index.js'))) return `${specifier}/index.js`;
  throw new Error(`${path.relative(root, file)}: cannot resolve '${specifier}'`);
}

const SPECIFIERS = /(\bfrom\s*|\bimport\s*\(\s*|^\s*import\s*)(['"])(\.{1,2}\/[^'"]*)\2/gm;

fs.rmSync(dist, { recursive: true, force: true });
compile(path.join(dist, 'cjs'), []);
compile(path.join(dist, 'esm'), ['--module', 'es2022', '--moduleResolution', 'bundler']);

for (const file of walk(path.join(dist, 'esm'))) {
  if (!file.endsWith('.js') && !file.endsWith('.d.ts')) continue;
  const text = fs.readFileSync(file, 'utf8');
  const rewritten = text.replace(SPECIFIERS, (_, before, quote, specifier) => `${before}${quote}${withExtension(file, specifier)}${quote}`);
  if (rewritten !== text) fs.writeFileSync(file, rewritten);
}
fs.writeFileSync(
  path.join(dist, 'esm', 'util', 'node-require.js'),
  "import { createRequire } from 'node:module';\n\nexport const nodeRequire = createRequire(import.meta.url);\n",
);
fs.writeFileSync(path.join(dist, 'esm', 'package.json'), `${JSON.stringify({ type: 'module' }, null, 2)}\n`);
fs.writeFileSync(path.join(dist, 'cjs', 'package.json'), `${JSON.stringify({ type: 'commonjs' }, null, 2)}\n`);
console.log(`built ${path.relative(root, dist)}/cjs and ${path.relative(root, dist)}/esm`);
