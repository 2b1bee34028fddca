import { expect } from 'chai';
import { build, type Metafile } from 'esbuild';
import { builtinModules } from 'node:module';
import path from 'node:path';

/**
 * `agentflow-rx/client` is for browsers: bundled for one, it pulls in no Node built-in and none of the server's
 * dependencies (TypeDI, reflect-metadata, loglevel, RxJS), and it does nothing at import time (no side effects
 * that survive tree-shaking an unused import). The packaging check of `.ci/run` bundles the installed package
 * the same way.
 */
describe('agentflow-rx/client bundled for a browser (esbuild)', function () {
  this.timeout(30_000);
  const entry = path.resolve(__dirname, '..', '..', 'lib', 'ui', 'client.ts');
  const builtins = new Set([...builtinModules, ...builtinModules.map((name) => `node:${name}`)]);

  async function bundle(contents: string): Promise<{ readonly metafile: Metafile; readonly code: string }> {
    const result = await build({
      stdin: { contents, resolveDir: path.dirname(entry), loader: 'ts' },
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      metafile: true,
      logLevel: 'silent', // the bare import below draws esbuild's "ignored-bare-import" warning, on purpose
    });
    return { metafile: result.metafile, code: result.outputFiles[0]?.text ?? '' };
  }

  it('imports no Node built-in and no server dependency', async () => {
    const { metafile } = await bundle("import { connect } from './client';\nconnect('/events').counts$.subscribe(console.log);\n");
    const imports = Object.values(metafile.inputs).flatMap((input) => input.imports.map((entry) => entry.path));
    expect(imports.filter((specifier) => builtins.has(specifier))).to.deep.equal([]);
    const inputs = Object.keys(metafile.inputs);
    expect(inputs.filter((input) => /node_modules[\\/](typedi|reflect-metadata|loglevel|rxjs)[\\/]/.test(input))).to.deep.equal([]);
    expect(inputs.some((input) => input.endsWith(path.join('ui', 'client.ts')))).to.equal(true);
  });

  it('is dropped whole when imported for nothing: package.json lists it among the modules without side effects', async () => {
    const { code } = await bundle("import './client';\n");
    expect(code).to.equal('');
    const { code: used } = await bundle("import { connect } from './client';\nexport const client = connect;\n");
    expect(used).to.match(/EventSource/); // and kept when used
  });
});
