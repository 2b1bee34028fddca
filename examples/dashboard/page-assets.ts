import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** One file the dashboard serves as is. */
export interface PageAsset {
  readonly body: Buffer;
  readonly contentType: string;
}

/** The page's files by URL path; read once when the server starts (none is built: they are served as written). */
export type PageAssets = ReadonlyMap<string, PageAsset>;

const FILES: readonly (readonly [path: string, file: string, contentType: string])[] = [
  ['/', 'page.html', 'text/html; charset=utf-8'],
  ['/app.css', 'page.css', 'text/css; charset=utf-8'],
  ['/app.js', 'page.js', 'text/javascript; charset=utf-8'],
];

/**
 * Reads the page, its stylesheet and its script from this folder.
 *
 * @returns the files by the URL path they are served at.
 */
export async function loadPageAssets(): Promise<PageAssets> {
  const assets = new Map<string, PageAsset>();
  for (const [path, file, contentType] of FILES) {
    assets.set(path, { body: await readFile(join(__dirname, file)), contentType });
  }
  return assets;
}
