import fs from 'node:fs';
import path from 'node:path';

/**
 * The TypeScript blocks of README.md, as the README spec and the packaging check of `.ci/run` read them.
 *
 * A block is a whole program unless the line before it says `<!-- readme-check: fragment -->`: a fragment gets
 * the library's names it uses imported for it (and RxJS's and TypeDI's), and the placeholders it assumes
 * (`manager`, `handle`, `sendEmail`...) declared with plausible types in {@link PLACEHOLDERS}. A block marked
 * `<!-- readme-check: run -->` is a program that also runs.
 */

export interface ReadmeBlock {
  readonly index: number;
  /** The line of the opening fence in README.md (1-based). */
  readonly line: number;
  readonly lang: 'ts' | 'tsx';
  readonly code: string;
  readonly kind: 'program' | 'fragment' | 'run';
}

/** The TypeScript blocks of README.md, with what their marker says. */
export function readmeBlocks(markdown: string): ReadmeBlock[] {
  const lines = markdown.split('\n');
  const blocks: ReadmeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const fence = /^(\s*)```(ts|tsx)\s*$/.exec(lines[i] as string);
    if (fence === null) continue;
    const indent = fence[1] as string;
    const marker = /<!--\s*readme-check:\s*(\w+)/.exec(lines[i - 1] ?? '')?.[1];
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !/^\s*```\s*$/.test(lines[j] as string); j++) body.push((lines[j] as string).slice(indent.length));
    blocks.push({
      index: blocks.length + 1,
      line: i + 1,
      lang: fence[2] as 'ts' | 'tsx',
      code: body.join('\n'),
      kind: marker === 'fragment' ? 'fragment' : marker === 'run' ? 'run' : 'program',
    });
    i = j;
  }
  return blocks;
}

/** The names the library's barrel (`lib/index.ts` under `root`) exports, values and types. */
export function barrelNames(root: string): Set<string> {
  const text = fs.readFileSync(path.join(root, 'lib', 'index.ts'), 'utf8');
  const names = new Set<string>();
  for (const match of text.matchAll(/export\s+(?:type\s+)?\{([^}]*)\}/g)) {
    for (const part of (match[1] as string).split(',')) {
      const name = part.replace(/\btype\b/, '').trim().split(/\s+as\s+/).pop();
      if (name) names.add(name);
    }
  }
  return names;
}

const RXJS_NAMES = ['filter', 'map', 'from', 'interval', 'take', 'switchMap', 'Observable', 'Subject'];
const TYPEDI_NAMES = ['Service', 'Container'];

/** What the README's fragments assume, declared as globals of the fragments' project. */
export const PLACEHOLDERS = `
import type { BackgroundTaskManager, RunConfig, StateGraph, TaskHandle } from 'agentflow-rx';

declare global {
  interface State { input: string; result?: string }
  interface User { id: string; email: string }
  interface Item { id: string }
  const manager: BackgroundTaskManager;
  const handle: TaskHandle<string>;
  const graph: StateGraph<State>;
  const compiledGraph: ReturnType<StateGraph<State>['compile']>;
  const config: RunConfig;
  const userId: string;
  const apiKey: string;
  const message: string;
  const user: User;
  const batch: readonly Item[];
  function sendNotification(userId: string, message: string, options: { signal: AbortSignal }): Promise<void>;
  function sendEmail(user: User, options?: { signal?: AbortSignal }): Promise<void>;
  function processItem(item: Item): Promise<void>;
  function notify(state: State): Promise<void>;
  function report(error: unknown): void;
  function render(value: unknown): void;
  function work(signal: AbortSignal): Promise<void>;
  // Angular's, for its component snippet
  function Component(metadata: object): ClassDecorator;
  const AsyncPipe: unknown;
  interface OnDestroy {
    ngOnDestroy(): void;
  }
}
export {};
`;

/** A fragment with the library's, RxJS's and TypeDI's names it uses imported (unless it imports them itself). */
export function withImports(block: ReadmeBlock, exported: ReadonlySet<string>): string {
  const imported = new Set<string>();
  for (const match of block.code.matchAll(/import\s+(?:type\s+)?\{([^}]*)\}/g)) {
    for (const part of (match[1] as string).split(',')) imported.add(part.replace(/\btype\b/, '').trim().split(/\s+as\s+/).pop() ?? '');
  }
  const used = (names: Iterable<string>): string[] =>
    [...names].filter(
      // a name used on its own (`...NAME` counts; `x.NAME`, a property, and `'NAME'`, a string, do not)
      (name) => !imported.has(name) && new RegExp(`(?<![\\w$'"])(?<![\\w$)\\]]\\.)${name.replace('$', '\\$')}(?![\\w$])`).test(block.code),
    );
  const lines = [];
  const fromLibrary = used(exported);
  const fromRxjs = used(RXJS_NAMES);
  const fromTypedi = used(TYPEDI_NAMES);
  if (fromLibrary.length > 0) lines.push(`import { ${fromLibrary.join(', ')} } from 'agentflow-rx';`);
  if (fromRxjs.length > 0) lines.push(`import { ${fromRxjs.join(', ')} } from 'rxjs';`);
  if (fromTypedi.length > 0) lines.push(`import { ${fromTypedi.join(', ')} } from 'typedi';`);
  return `${lines.join('\n')}\n${block.code}\nexport {};\n`;
}
