import path from 'node:path';

/**
 * Runs an example's `main()` when its file is the one Node was started with (not when a spec imports it).
 *
 * Exit code 0 when `main()` resolves. When it rejects: exit code 1 and one line on stderr, the file's name and
 * the error's message (`DEBUG=1` prints the whole error, with its stack, after it). What an example prints on
 * purpose goes to stdout.
 *
 * @param module - the example's `module`.
 * @param main - the example.
 * @example
 * ```ts
 * export async function main(): Promise<void> { ... }
 * runExample(module, main);
 * ```
 */
export function runExample(module: NodeModule, main: () => Promise<void>): void {
  if (require.main !== module) return;
  main().catch((error: unknown) => {
    const name = path.relative(process.cwd(), module.filename);
    console.error(`${name}: ${messageOf(error)}`);
    if (process.env.DEBUG !== undefined && process.env.DEBUG !== '') console.error(error);
    process.exitCode = 1;
  });
}

function messageOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? message;
}
