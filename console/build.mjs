// Builds the console into static assets for tollgated: bundles src/ with
// esbuild into assets/ under hashed names (served as immutable), writes
// index.html naming them (served as no-cache), and a gzip twin of each
// file (served to clients that accept gzip).
//
//   node build.mjs [OUTDIR]      (default: ../build/console)

import {build} from 'esbuild';
import {mkdir, readFile, readdir, rm, writeFile} from 'node:fs/promises';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {gzipSync} from 'node:zlib';

const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.resolve(process.argv[2] || path.join(here, '../build/console'));

await rm(out, {recursive: true, force: true});
await mkdir(path.join(out, 'assets'), {recursive: true});

const result = await build({
  entryPoints: [path.join(here, 'src/main.js'), path.join(here, 'src/style.css')],
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['es2020'],
  outdir: path.join(out, 'assets'),
  entryNames: '[name]-[hash]',
  metafile: true,
  legalComments: 'none',
  logLevel: 'warning',
});

const outputs = Object.keys(result.metafile.outputs).map((f) => path.basename(f));
const js = outputs.find((f) => f.endsWith('.js'));
const css = outputs.find((f) => f.endsWith('.css'));

const template = await readFile(path.join(here, 'src/index.html'), 'utf8');
await writeFile(path.join(out, 'index.html'),
                template.replace('%SCRIPT%', `assets/${js}`).replace('%STYLE%', `assets/${css}`));
await writeFile(path.join(out, 'favicon.svg'), await readFile(path.join(here, 'src/favicon.svg')));

// Precompressed twins, for Accept-Encoding: gzip.
for (const dir of [out, path.join(out, 'assets')]) {
  for (const entry of await readdir(dir, {withFileTypes: true})) {
    if (entry.isFile()) {
      const file = path.join(dir, entry.name);
      await writeFile(`${file}.gz`, gzipSync(await readFile(file), {level: 9}));
    }
  }
}

console.log(`console: built ${js} and ${css} into ${path.relative(process.cwd(), out) || '.'}`);
