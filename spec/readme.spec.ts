import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { PLACEHOLDERS, barrelNames, readmeBlocks, withImports, type ReadmeBlock } from './support/readme-blocks';

/**
 * Every TypeScript block of README.md is code that compiles, and the ones marked `run` run.
 *
 * Each `ts` / `tsx` block is written to a file of an ES-module TypeScript project under `test-output/` and
 * type-checked, strictly, against the library (`agentflow-rx` resolves to `lib/index.ts`, `agentflow-rx/client`
 * to `lib/ui/client.ts`) with the settings the README's Quick start states (`module: nodenext`,
 * `target: ES2022`, `strict`).
 *
 * Fragments and markers are read as `support/readme-blocks.ts` says. A block marked `<!-- readme-check: run -->`
 * is also run with Node, as written but for its import of `agentflow-rx`, which is pointed at the sources.
 *
 * The packaging check of `.ci/run` type-checks the same blocks against the packed tarball.
 */

const ROOT = path.resolve(__dirname, '..');
const WORK = path.join(ROOT, 'test-output', 'readme-blocks');

const COMPILER_OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  strict: true,
  noEmit: true,
  skipLibCheck: true,
  esModuleInterop: true,
  experimentalDecorators: true,
  emitDecoratorMetadata: true,
  jsx: ts.JsxEmit.ReactJSX,
  types: ['node'],
  baseUrl: ROOT,
  paths: { 'agentflow-rx': ['lib/index.ts'], 'agentflow-rx/client': ['lib/ui/client.ts'], 'agentflow-rx/langgraph': ['lib/langgraph/index.ts'] },
};

function fileOf(block: ReadmeBlock): string {
  return path.join(WORK, `block-${String(block.index).padStart(2, '0')}.${block.lang}`);
}

describe('README.md code blocks', function () {
  this.timeout(120_000);
  const blocks = readmeBlocks(fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8'));

  before(() => {
    fs.rmSync(WORK, { recursive: true, force: true });
    fs.mkdirSync(WORK, { recursive: true });
    fs.writeFileSync(path.join(WORK, 'package.json'), JSON.stringify({ type: 'module' }));
  });

  it('finds the blocks it checks, with the Quick start and the graph snippet marked to run', () => {
    expect(blocks.length).to.be.greaterThan(15);
    expect(blocks.filter((block) => block.kind === 'run')).to.have.length(2);
    expect(blocks.some((block) => block.lang === 'tsx')).to.equal(true);
  });

  it('type-checks every ts and tsx block, strictly, against the library', () => {
    const exported = barrelNames(ROOT);
    const fragmentsUse = path.join(WORK, 'placeholders.d.ts');
    fs.writeFileSync(fragmentsUse, PLACEHOLDERS);
    // Whole programs on their own, fragments with the placeholders; server code with Node's globals only, browser
    // code (tsx) with the DOM's: three programs.
    const server = blocks.filter((block) => block.lang === 'ts');
    const programs: { readonly files: string[]; readonly blocks: ReadmeBlock[]; readonly lib: string[] }[] = [
      { files: [], blocks: server.filter((block) => block.kind !== 'fragment'), lib: ['lib.es2022.d.ts'] },
      { files: [fragmentsUse], blocks: server.filter((block) => block.kind === 'fragment'), lib: ['lib.es2022.d.ts'] },
      { files: [], blocks: blocks.filter((block) => block.lang === 'tsx'), lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'] },
    ];
    const problems: string[] = [];
    for (const { files, blocks: ofProgram, lib } of programs) {
      for (const block of ofProgram) {
        fs.writeFileSync(fileOf(block), block.kind === 'fragment' ? withImports(block, exported) : block.code);
        files.push(fileOf(block));
      }
      const program = ts.createProgram(files, { ...COMPILER_OPTIONS, lib });
      for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
        const file = diagnostic.file?.fileName ?? '';
        const block = ofProgram.find((candidate) => path.resolve(fileOf(candidate)) === path.resolve(file));
        const text = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
        problems.push(`${block === undefined ? file : `README.md block ${block.index} (line ${block.line})`}: TS${diagnostic.code} ${text}`);
      }
    }
    expect(problems, problems.join('\n')).to.deep.equal([]);
  });

  for (const block of blocks.filter((candidate) => candidate.kind === 'run')) {
    it(`runs block ${block.index} (README.md line ${block.line}) as written, to a clean exit`, () => {
      const exported = [...barrelNames(ROOT)].filter((name) => /^[A-Z_a-z]/.test(name));
      const shim = path.join(WORK, 'agentflow-rx.mjs');
      fs.writeFileSync(
        shim,
        [
          "import { createRequire } from 'node:module';",
          'const require = createRequire(import.meta.url);',
          `require('ts-node').register({ transpileOnly: true, project: ${JSON.stringify(path.join(ROOT, 'tsconfig.json'))} });`,
          `const library = require(${JSON.stringify(path.join(ROOT, 'lib', 'index.ts'))});`,
          `export const { ${exported.join(', ')} } = library;`,
        ].join('\n'),
      );
      const js = ts.transpileModule(block.code, {
        compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ES2022, experimentalDecorators: true },
      }).outputText.replace(/(['"])agentflow-rx\1/g, "'./agentflow-rx.mjs'");
      const file = path.join(WORK, `run-${block.index}.mjs`);
      fs.writeFileSync(file, js);
      const result = spawnSync(process.execPath, [file], { cwd: WORK, encoding: 'utf8', timeout: 60_000 });
      expect(result.status, `exit code; stderr: ${result.stderr}`).to.equal(0);
      expect(result.stderr).to.equal('');
      expect(result.stdout.length).to.be.greaterThan(0);
    });
  }
});

describe('README.md headings', () => {
  it('each names its section in words outside code spans, so that the docs’ navigation and anchors are never blank', () => {
    const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
    let fenced = false;
    const blank: string[] = [];
    for (const line of readme.split('\n')) {
      if (line.startsWith('```')) fenced = !fenced;
      if (fenced || !/^#{1,6} /.test(line)) continue;
      const words = line.replace(/^#+ /, '').replace(/`[^`]*`/g, '').replace(/[^\p{L}\p{N}]+/gu, '');
      const hasCode = line.includes('`');
      if (words === '' || hasCode) blank.push(line);
    }
    expect(blank, 'headings with code spans (typedoc drops them from the navigation)').to.deep.equal([]);
  });
});
