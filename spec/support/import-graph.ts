import fs from 'node:fs';
import path from 'node:path';

/** One import of a module of `lib/` by another (relative specifiers only: packages are not part of the graph). */
export interface ImportEdge {
  /** The importing file, relative to `lib/` (`tasks/background-task-manager.ts`). */
  readonly from: string;
  /** The imported file, relative to `lib/`. */
  readonly to: string;
  /** Whether the import is `import type` / `export type` only (erased at runtime, still a dependency of the design). */
  readonly typeOnly: boolean;
}

/** Every `.ts` file under `dir`, relative to it, sorted. */
export function sourceFiles(dir: string): string[] {
  const found: string[] = [];
  const walk = (current: string): void => {
    for (const entry of fs.readdirSync(current, { withFileTypes: true })) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.ts')) found.push(path.relative(dir, full).split(path.sep).join('/'));
    }
  };
  walk(dir);
  return found.sort();
}

// `import x from '…'`, `import { a } from '…'`, `import type { T } from '…'`, `export { a } from '…'`,
// `export * from '…'`, `import '…'` (side effects), and `import('…')` / `require('…')` calls.
const STATIC = /^\s*(import|export)\s+(type\s+)?([\s\S]*?)\s*from\s*['"]([^'"]+)['"]/gm;
const BARE = /^\s*import\s+['"]([^'"]+)['"]/gm;
const DYNAMIC = /(?:\bimport|\brequire)\s*\(\s*['"]([^'"]+)['"]\s*\)/g;

/** The imports of `lib/` between its own files, read from the sources. */
export function importGraph(libDir: string): ImportEdge[] {
  const files = new Set(sourceFiles(libDir));
  const edges: ImportEdge[] = [];
  for (const file of files) {
    const text = stripComments(fs.readFileSync(path.join(libDir, file), 'utf8'));
    const add = (specifier: string, typeOnly: boolean): void => {
      if (!specifier.startsWith('.')) return;
      const to = resolve(file, specifier, files);
      if (to === undefined) throw new Error(`${file}: cannot resolve '${specifier}'`);
      edges.push({ from: file, to, typeOnly });
    };
    for (const match of text.matchAll(STATIC)) {
      const clause = match[3] ?? '';
      // `import { type A, type B } from` is type-only too.
      const allTypes = /^\{\s*(type\s+[\w$]+(\s+as\s+[\w$]+)?\s*,?\s*)+\}$/.test(clause.trim());
      add(match[4] as string, match[2] !== undefined || allTypes);
    }
    for (const match of text.matchAll(BARE)) add(match[1] as string, false);
    for (const match of text.matchAll(DYNAMIC)) add(match[1] as string, false);
  }
  return edges;
}

function resolve(from: string, specifier: string, files: ReadonlySet<string>): string | undefined {
  const base = path.posix.normalize(path.posix.join(path.posix.dirname(from), specifier));
  for (const candidate of [`${base}.ts`, `${base}/index.ts`, base]) if (files.has(candidate)) return candidate;
  return undefined;
}

/** The source without comments (so that an `import` in a docstring example is not an import). */
function stripComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

/** The top-level folder of a file of `lib/` (its area): `tasks` for `tasks/internal/task-run.ts`, `''` at the root. */
export function areaOf(file: string): string {
  const slash = file.indexOf('/');
  return slash === -1 ? '' : file.slice(0, slash);
}

/** Whether `file` is a private part of its area (under `<area>/internal/`). */
export function isInternal(file: string): boolean {
  return file.split('/')[1] === 'internal';
}

/** The strongly connected components of more than one file (or a file importing itself): the import cycles. */
export function cycles(edges: readonly ImportEdge[]): string[][] {
  const next = new Map<string, string[]>();
  for (const edge of edges) next.set(edge.from, [...(next.get(edge.from) ?? []), edge.to]);
  const nodes = new Set([...edges.map((edge) => edge.from), ...edges.map((edge) => edge.to)]);
  // Tarjan's algorithm.
  let index = 0;
  const indexOf = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (node: string): void => {
    indexOf.set(node, index);
    low.set(node, index);
    index++;
    stack.push(node);
    onStack.add(node);
    for (const target of next.get(node) ?? []) {
      if (!indexOf.has(target)) {
        visit(target);
        low.set(node, Math.min(low.get(node) as number, low.get(target) as number));
      } else if (onStack.has(target)) {
        low.set(node, Math.min(low.get(node) as number, indexOf.get(target) as number));
      }
    }
    if (low.get(node) !== indexOf.get(node)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop() as string;
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    const selfLoop = component.length === 1 && (next.get(node) ?? []).includes(node);
    if (component.length > 1 || selfLoop) found.push(component.sort());
  };
  for (const node of [...nodes].sort()) if (!indexOf.has(node)) visit(node);
  return found;
}
