// Converts the whole PostgreSQL 15 manual and reports throughput.
//   node --import tsx bench/convert.ts [dir] [--repeat N] [--out DIR]
// The target is ≥ 150 pages/s on one core (the work is single-threaded).
import fs from 'node:fs';
import path from 'node:path';
import { htmlToMarkdown } from '../server/services/markdown/html-to-markdown';

const args = process.argv.slice(2);
const option = (name: string) => {
  const at = args.indexOf(name);
  return at >= 0 ? args.splice(at, 2)[1] : undefined;
};
const repeat = Number(option('--repeat') ?? '1');
const outDir = option('--out');
const dir = args[0] ?? '/usr/share/doc/postgresql-doc-15/html';

if (!fs.existsSync(dir)) {
  console.error(`${dir} not found (Debian: apt-get install postgresql-doc-15)`);
  process.exit(1);
}
const files = fs
  .readdirSync(dir)
  .filter((f) => f.endsWith('.html'))
  .sort();
// Read up front so that the timing is conversion only.
const pages = files.map((f) => ({ file: f, html: fs.readFileSync(path.join(dir, f), 'utf8') }));
const bytesIn = pages.reduce((n, p) => n + Buffer.byteLength(p.html), 0);
if (outDir) fs.mkdirSync(outDir, { recursive: true });

// One untimed round lets the JIT settle, as it would in a long-running crawler.
for (const p of pages.slice(0, 100)) htmlToMarkdown(p.html, `https://www.postgresql.org/docs/15/${p.file}`);

let bytesOut = 0;
let slowest = { file: '', ms: 0 };
const markdown: string[] = [];
let elapsed = 0;
for (let round = 0; round < repeat; round++) {
  for (const p of pages) {
    const t = performance.now();
    const page = htmlToMarkdown(p.html, `https://www.postgresql.org/docs/15/${p.file}`);
    const ms = performance.now() - t;
    elapsed += ms;
    if (ms > slowest.ms) slowest = { file: p.file, ms };
    if (round === 0) {
      bytesOut += Buffer.byteLength(page.markdown);
      if (outDir) markdown.push(page.markdown);
    }
  }
}
const seconds = elapsed / 1000;
// Written after timing: disk speed is not what this measures.
if (outDir) for (const [i, p] of pages.entries()) fs.writeFileSync(path.join(outDir, p.file.replace(/\.html$/, '.md')), markdown[i]!);
const converted = pages.length * repeat;
const mb = (n: number) => (n / 1024 / 1024).toFixed(1);

console.log(`pages:     ${pages.length}${repeat > 1 ? ` × ${repeat}` : ''} from ${dir}`);
console.log(`time:      ${seconds.toFixed(2)} s`);
console.log(`rate:      ${(converted / seconds).toFixed(0)} pages/s, ${((bytesIn * repeat) / 1024 / 1024 / seconds).toFixed(1)} MB/s`);
console.log(`in / out:  ${mb(bytesIn)} MB HTML → ${mb(bytesOut)} MB Markdown`);
console.log(`slowest:   ${slowest.file} ${slowest.ms.toFixed(0)} ms`);
console.log(`peak RSS:  ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
