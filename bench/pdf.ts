// Converts the PDF corpus of test/fixtures/pdf-corpus.ts (real manuals from
// Debian documentation packages) and reports, per PDF: pages per second, peak
// memory, and quality: the share of golden passages found intact, listings
// kept in one block, headings found, and leaked furniture lines.
//   node --import tsx bench/pdf.ts [--repeat N] [--only NAME] [--details] [--out DIR]
// Each PDF converts in a child process of its own, so that its peak memory is its own.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { documentToMarkdown } from '../server/services/converters/to-markdown';
import { fencedBlocks, PDF_CORPUS, pdfBytes, scoreMarkdown } from '../test/fixtures/pdf-corpus';

const args = process.argv.slice(2);
const option = (name: string) => {
  const at = args.indexOf(name);
  return at >= 0 ? args.splice(at, 2)[1] : undefined;
};
const flag = (name: string) => args.includes(name);

type Result = {
  name: string;
  pages: number;
  seconds: number;
  peakRssMb: number;
  baseRssMb: number;
  golden: number;
  goldenFound: number;
  code: number;
  codeFound: number;
  headings: number;
  headingsFound: number;
  furniture: number;
  absentFound: number;
  details: string[];
};

async function one(name: string, repeat: number, outDir: string | undefined): Promise<Result> {
  const pdf = PDF_CORPUS.find((p) => p.name === name)!;
  const bytes = await pdfBytes(pdf);
  if (!bytes) throw new Error(`${pdf.file} not found (Debian: apt-get install ${pdf.pkg})`);
  // pdf.js is loaded once per process; a server pays that once, not per document.
  await import('pdfjs-dist/legacy/build/pdf.mjs');
  const baseRssMb = process.memoryUsage().rss / 1024 / 1024;
  let markdown = '';
  let pages = 0;
  const started = performance.now();
  for (let i = 0; i < repeat; i++) ({ markdown, pageCount: pages = 0 } = await documentToMarkdown(`${name}.pdf`, bytes));
  const seconds = (performance.now() - started) / 1000 / repeat;
  if (outDir) fs.writeFileSync(path.join(outDir, `${name}.md`), markdown);
  const score = scoreMarkdown(pdf, markdown);
  const blocks = fencedBlocks(markdown);
  const found = new Set(
    markdown
      .split('\n')
      .filter((l) => /^#{1,6} /.test(l))
      .map((l) => l.replace(/^#+ /, '')),
  );
  const absent = pdf.absent.filter((a) => (typeof a === 'string' ? markdown.includes(a) : a.test(markdown)));
  const missingCode = pdf.code.filter((c) => !blocks.some((b) => b.includes(c)));
  const missingHeadings = pdf.headings.filter((h) => !found.has(h));
  return {
    name,
    pages,
    seconds,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    baseRssMb,
    golden: score.golden,
    goldenFound: score.goldenFound,
    code: pdf.code.length,
    codeFound: pdf.code.length - missingCode.length,
    headings: pdf.headings.length,
    headingsFound: pdf.headings.length - missingHeadings.length,
    furniture: score.furnitureLines.length,
    absentFound: absent.length,
    details: [
      ...score.missing.map((m) => `missing passage: ${m}`),
      ...missingCode.map((c) => `listing not in one block: ${c.split('\n')[0]}`),
      ...missingHeadings.map((h) => `missing heading: ${h}`),
      ...score.furnitureLines.slice(0, 5).map((l) => `furniture: ${l}`),
      ...absent.map((a) => `must not appear: ${a}`),
    ],
  };
}

const childName = option('--child');
const repeat = Number(option('--repeat') ?? '1');
const outDir = option('--out');
if (childName) {
  process.stdout.write(JSON.stringify(await one(childName, repeat, outDir)));
  process.exit(0);
}

const only = option('--only');
if (outDir) fs.mkdirSync(outDir, { recursive: true });
const self = fileURLToPath(import.meta.url);
const results: Result[] = [];
for (const pdf of PDF_CORPUS.filter((p) => !only || p.name === only)) {
  if (!fs.existsSync(pdf.file)) {
    console.error(`${pdf.name}: ${pdf.file} not found (Debian: apt-get install ${pdf.pkg}); skipped`);
    continue;
  }
  const out = execFileSync(
    process.execPath,
    [...process.execArgv, self, '--child', pdf.name, '--repeat', String(repeat), ...(outDir ? ['--out', outDir] : [])],
    {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  results.push(JSON.parse(out) as Result);
}

const pad = (s: string | number, n: number) => String(s).padStart(n);
console.log(
  `load average ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}, ${os.cpus().length} cores, node ${process.version}`,
);
console.log('base: resident memory of the converting process before it converts, pdf.js loaded; rss: its peak');
console.log(
  `${'pdf'.padEnd(22)}${pad('pages', 6)}${pad('s', 7)}${pad('pages/s', 9)}${pad('base MB', 8)}${pad('rss MB', 8)}${pad('golden', 8)}${pad('code', 6)}${pad('heads', 7)}${pad('furn.', 7)}${pad('bad', 5)}`,
);
for (const r of results) {
  console.log(
    `${r.name.padEnd(22)}${pad(r.pages, 6)}${pad(r.seconds.toFixed(2), 7)}${pad((r.pages / r.seconds).toFixed(0), 9)}${pad(r.baseRssMb.toFixed(0), 8)}${pad(r.peakRssMb.toFixed(0), 8)}` +
      `${pad(`${r.goldenFound}/${r.golden}`, 8)}${pad(`${r.codeFound}/${r.code}`, 6)}${pad(`${r.headingsFound}/${r.headings}`, 7)}${pad(r.furniture, 7)}${pad(r.absentFound, 5)}`,
  );
}
const sum = (f: (r: Result) => number) => results.reduce((n, r) => n + f(r), 0);
console.log(
  `total: ${sum((r) => r.pages)} pages in ${sum((r) => r.seconds).toFixed(2)} s (${(sum((r) => r.pages) / sum((r) => r.seconds)).toFixed(0)} pages/s); ` +
    `golden ${sum((r) => r.goldenFound)}/${sum((r) => r.golden)} (${((100 * sum((r) => r.goldenFound)) / sum((r) => r.golden)).toFixed(0)} %), ` +
    `listings ${sum((r) => r.codeFound)}/${sum((r) => r.code)}, headings ${sum((r) => r.headingsFound)}/${sum((r) => r.headings)}, ` +
    `furniture lines ${sum((r) => r.furniture)}, must-not-appear ${sum((r) => r.absentFound)}`,
);
if (flag('--details')) for (const r of results) for (const d of r.details) console.log(`  ${r.name}: ${d}`);
