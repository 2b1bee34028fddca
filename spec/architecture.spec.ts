import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { areaOf, cycles, importGraph, isInternal, sourceFiles, type ImportEdge } from './support/import-graph';

/**
 * The layout of `lib/`, checked from its imports so that it cannot drift back:
 *
 * - areas depend on each other in one direction, in this order: util and errors, redaction, logging, tasks, di, publisher,
 *   ui, graph, redis, telemetry, process (a file may import its own area and the areas before it; `index.ts`, the barrel,
 *   imports anything);
 * - `util/` imports nothing but `util/` and `errors/`;
 * - a `<area>/internal/` folder is imported only from inside its area;
 * - there is no import cycle between files, type-only imports included.
 */
const LIB = path.resolve(__dirname, '..', 'lib');

/** Each area's rank: an import may go to the same rank or a lower one. */
const LAYERS: readonly (readonly string[])[] = [
  ['util', 'errors'],
  ['redaction'],
  ['logging'],
  ['tasks'],
  ['di'],
  ['publisher'],
  ['ui'],
  ['graph'],
  ['langgraph'],
  ['redis'],
  ['telemetry'],
  ['process'],
];

function rankOf(area: string): number {
  const rank = LAYERS.findIndex((layer) => layer.includes(area));
  if (rank === -1) throw new Error(`lib/${area}/ is not in the architecture's layer order: add it to LAYERS`);
  return rank;
}

const show = (edge: ImportEdge): string => `${edge.from} -> ${edge.to}${edge.typeOnly ? ' (type only)' : ''}`;

describe('architecture of lib/', () => {
  const edges = importGraph(LIB);

  it('reads the imports it checks (a parser that found none would pass everything)', () => {
    expect(edges.length).to.be.greaterThan(300);
    expect(edges.map(show)).to.include.members([
      'tasks/background-task-manager.ts -> tasks/internal/task-run.ts',
      'tasks/internal/task-run.ts -> util/guarded-observable.ts',
      'tasks/internal/task-logger.ts -> tasks/internal/task-run.ts (type only)',
      'index.ts -> tasks/background-task-manager.ts',
    ]);
    expect(edges.some((edge) => edge.typeOnly)).to.equal(true);
  });

  it('has no folder of private parts shared by every feature (lib/internal/)', () => {
    expect(sourceFiles(LIB).filter((file) => areaOf(file) === 'internal')).to.deep.equal([]);
  });

  it('places every file of lib/ in a known area', () => {
    for (const file of sourceFiles(LIB)) {
      const area = areaOf(file);
      if (area === '') expect(file, 'the only file at the root is the barrel').to.equal('index.ts');
      else rankOf(area);
    }
  });

  it('imports a feature’s internal/ folder only from inside that feature', () => {
    const crossing = edges.filter((edge) => isInternal(edge.to) && areaOf(edge.from) !== areaOf(edge.to));
    expect(crossing.map(show)).to.deep.equal([]);
  });

  it('imports only util/ and errors/ from util/', () => {
    const outside = edges.filter((edge) => areaOf(edge.from) === 'util' && !['util', 'errors'].includes(areaOf(edge.to)));
    expect(outside.map(show)).to.deep.equal([]);
  });

  it('imports along the layer order only: util + errors, redaction, logging, tasks, di, publisher, ui, graph, redis, telemetry, process', () => {
    const upward = edges.filter((edge) => areaOf(edge.from) !== '' && rankOf(areaOf(edge.to)) > rankOf(areaOf(edge.from)));
    expect(upward.map(show)).to.deep.equal([]);
  });

  it('has no import cycle (type-only imports included)', () => {
    expect(cycles(edges)).to.deep.equal([]);
  });

  it('finds a cycle when there is one (the check itself)', () => {
    const edge = (from: string, to: string): ImportEdge => ({ from, to, typeOnly: false });
    expect(cycles([edge('a.ts', 'b.ts'), edge('b.ts', 'c.ts'), edge('c.ts', 'a.ts'), edge('c.ts', 'd.ts')])).to.deep.equal([
      ['a.ts', 'b.ts', 'c.ts'],
    ]);
    expect(cycles([edge('a.ts', 'a.ts')])).to.deep.equal([['a.ts']]);
    expect(cycles([edge('a.ts', 'b.ts'), edge('a.ts', 'c.ts'), edge('b.ts', 'c.ts')])).to.deep.equal([]);
  });

  it('keeps every mutant of the mutation check applicable (npm run test:mutations)', () => {
    const root = path.resolve(__dirname, '..');
    const result = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', 'spec/support/mutation-check.ts', '--check'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true' },
    });
    expect(result.status, `${result.stdout}${result.stderr}`).to.equal(0);
  });
});
