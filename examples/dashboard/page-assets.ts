import { readFile, readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** One file the dashboard serves as is. */
export interface PageAsset {
  readonly body: Buffer;
  readonly contentType: string;
}

/** The page's files by URL path; read once when the server starts (none is built: they are served as written). */
export type PageAssets = ReadonlyMap<string, PageAsset>;

const PAGE_DIR = join(__dirname, 'page');
const HTML = 'text/html; charset=utf-8';
const CSS = 'text/css; charset=utf-8';
const JS = 'text/javascript; charset=utf-8';

/**
 * The third-party modules the page imports, served from `node_modules` (no build step, no CDN): Preact with htm in
 * one module (`htm/preact/standalone`, maintained by the Preact team for pages without a build step) and uPlot
 * with its stylesheet.
 */
function vendorFiles(): readonly (readonly [path: string, file: string, contentType: string])[] {
  const htm = join(dirname(require.resolve('htm')), '..', 'preact', 'standalone.mjs');
  return [
    ['/vendor/preact-htm.js', htm, JS],
    ['/vendor/uplot.js', require.resolve('uplot/dist/uPlot.esm.js'), JS],
    ['/vendor/uplot.css', require.resolve('uplot/dist/uPlot.min.css'), CSS],
  ];
}

/**
 * Reads the page: `/` (page/index.html), `/app.css`, every module of page/ at `/page/<name>.js`, and the vendor
 * modules at `/vendor/...`.
 *
 * @returns the assets by URL path.
 */
export async function loadPageAssets(): Promise<PageAssets> {
  const assets = new Map<string, PageAsset>();
  const add = async (path: string, file: string, contentType: string): Promise<void> => {
    assets.set(path, { body: await readFile(file), contentType });
  };
  await add('/', join(PAGE_DIR, 'index.html'), HTML);
  await add('/app.css', join(PAGE_DIR, 'app.css'), CSS);
  for (const name of (await readdir(PAGE_DIR)).sort()) {
    if (name.endsWith('.js')) await add(`/page/${name}`, join(PAGE_DIR, name), JS);
  }
  for (const [path, file, contentType] of vendorFiles()) await add(path, file, contentType);
  return assets;
}
