// Time and memory of the multipart upload path: a real request body of N
// files of M MB each is read by the upload route's form reader and stored by
// startUpload, on the embedded database (or --database URL). Files are
// spooled to disk as they arrive and stored one at a time, so the peak should
// grow with one file's size, not the upload's. Converting and embedding the
// files happens afterwards in the job, and is not measured here.
//   npm run bench:upload [-- --files 8] [-- --mb 40] [-- --database URL]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { openDatabase } from '../db';
import { readUploadForm } from '../server/http/upload-form';
import { startUpload } from '../server/services/uploads/start-upload';

const args = process.argv.slice(2);
const option = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const files = Number(option('--files') ?? 8);
const mb = Number(option('--mb') ?? 40);
const url = option('--database');

const database = await openDatabase({ url, dataDir: null, embeddingDimensions: 64, hnsw: { m: 16, efConstruction: 64 }, efSearch: 40 });
// Markdown, so every file passes the upload's checks.
const line = 'Ratchets click forward and lock backward; the pawl engages the teeth.\n';
const content = Buffer.from(line.repeat(Math.floor((mb * 1024 * 1024) / line.length)));
const total = (files * content.length) / 1024 / 1024;
const limits = { maxFiles: files, maxFileBytes: content.length };

// The body as the route receives it: a stream, encoded by fetch's own multipart
// encoder and written to disk first, so this process holds none of it.
const bodyFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'archon-bench-upload-')), 'body');
const form = new FormData();
for (let i = 0; i < files; i++) form.append('file', new Blob([content]), `part-${i}.md`);
const encoded = new Response(form);
await pipeline(Readable.fromWeb(encoded.body as WebReadableStream), fs.createWriteStream(bodyFile));
const body = Readable.toWeb(fs.createReadStream(bodyFile, { highWaterMark: 64 * 1024 })) as ReadableStream<Uint8Array>;
const req = new Request('http://bench/api/uploads', { method: 'POST', body, headers: encoded.headers, duplex: 'half' } as RequestInit);

const rssMb = () => process.memoryUsage().rss / 1024 / 1024;
const before = rssMb();
let peak = before;
const sampler = setInterval(() => (peak = Math.max(peak, rssMb())), 5);
let t = performance.now();
const upload = await readUploadForm(req, limits);
const readSeconds = (performance.now() - t) / 1000;
t = performance.now();
const job = await startUpload(database.db, async () => {}, upload.files, upload.meta, limits);
const storeSeconds = (performance.now() - t) / 1000;
clearInterval(sampler);
peak = Math.max(peak, rssMb());
await upload.dispose();
if (job.pagesFailed) throw new Error(`${job.pagesFailed} file(s) were rejected`);

console.log(`${url ? 'postgres' : 'embedded'}: ${files} files × ${(content.length / 1024 / 1024).toFixed(1)} MB = ${total.toFixed(0)} MB`);
console.log(`read     ${readSeconds.toFixed(1)} s (${(total / readSeconds).toFixed(0)} MB/s): multipart parsed and spooled to disk`);
console.log(`store    ${storeSeconds.toFixed(1)} s (${(total / storeSeconds).toFixed(0)} MB/s): checked and written to upload_files`);
console.log(
  `memory   RSS ${before.toFixed(0)} MB before, ${peak.toFixed(0)} MB at peak: +${(peak - before).toFixed(0)} MB for a ${total.toFixed(0)} MB upload`,
);
await database.close();
fs.rmSync(path.dirname(bodyFile), { recursive: true, force: true });
