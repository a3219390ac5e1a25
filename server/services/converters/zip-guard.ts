import yauzl from 'yauzl';
import { DocumentRejected, formatBytes } from './document-rejected';

// A DOCX is a zip, and a zip can declare a few kilobytes that inflate to
// gigabytes. Mammoth (through JSZip) inflates whole entries in memory and
// checks no sizes, so every archive passes here first.

export type ZipLimits = {
  maxEntries: number;
  /** Sum of the uncompressed sizes the central directory declares. */
  maxTotalUncompressed: number;
  /** Largest uncompressed ÷ compressed size of one entry (deflate tops out near 1032). */
  maxRatio: number;
};

export const DEFAULT_ZIP_LIMITS: ZipLimits = { maxEntries: 10_000, maxTotalUncompressed: 256 * 1024 * 1024, maxRatio: 100 };

// Small entries compress absurdly well without harming anyone (a styles.xml
// of repeated attributes): the ratio only matters once the output is big.
const RATIO_FLOOR = 1024 * 1024;

function open(bytes: Buffer, name: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(bytes, { lazyEntries: true, decodeStrings: true, validateEntrySizes: true, strictFileNames: false }, (err, zip) => {
      if (err) reject(new DocumentRejected(`${name} is not a readable zip archive (${err.message})`, { cause: err }));
      else resolve(zip);
    });
  });
}

/** Calls `visit` for each central-directory entry; a throw stops the walk and rejects. */
function walk(zip: yauzl.ZipFile, name: string, visit: (entry: yauzl.Entry) => void | Promise<void>): Promise<void> {
  return new Promise((resolve, reject) => {
    const fail = (err: unknown) => {
      zip.close();
      reject(
        err instanceof DocumentRejected ? err : new DocumentRejected(`${name} is a damaged zip archive (${(err as Error).message})`, { cause: err }),
      );
    };
    zip.on('error', fail);
    zip.on('end', () => resolve());
    zip.on('entry', (entry: yauzl.Entry) => {
      Promise.resolve()
        .then(() => visit(entry))
        .then(() => zip.readEntry(), fail);
    });
    zip.readEntry();
  });
}

/**
 * Reads a zip's central directory and nothing else, and rejects an archive
 * that declares too many entries, too much uncompressed data in total, or an
 * entry that inflates too far, before any byte is decompressed. The declared
 * sizes can lie: `verifyZipEntries` holds the archive to them.
 */
export async function inspectZip(bytes: Buffer, limits: ZipLimits, name = 'The archive'): Promise<{ entries: string[]; totalUncompressed: number }> {
  const zip = await open(bytes, name);
  if (zip.entryCount > limits.maxEntries) {
    zip.close();
    throw new DocumentRejected(`${name} looks like a zip bomb: it has ${zip.entryCount} entries, over the limit of ${limits.maxEntries}`);
  }
  const entries: string[] = [];
  let total = 0;
  await walk(zip, name, (entry) => {
    entries.push(entry.fileName);
    if (entry.isEncrypted()) throw new DocumentRejected(`${name} has encrypted entries, which cannot be read`);
    total += entry.uncompressedSize;
    if (total > limits.maxTotalUncompressed) {
      throw new DocumentRejected(
        `${name} looks like a zip bomb: it would expand to more than ${formatBytes(limits.maxTotalUncompressed)} (at least ${formatBytes(total)})`,
      );
    }
    const ratio = entry.uncompressedSize / Math.max(1, entry.compressedSize);
    if (entry.uncompressedSize > RATIO_FLOOR && ratio > limits.maxRatio) {
      throw new DocumentRejected(
        `${name} looks like a zip bomb: ${entry.fileName} expands ${Math.round(ratio)}× to ${formatBytes(entry.uncompressedSize)}, over the ${limits.maxRatio}× limit`,
      );
    }
  });
  return { entries, totalUncompressed: total };
}

/**
 * Inflates the selected entries into nothing, so that an entry whose real
 * size exceeds what its header declares is caught here (yauzl stops at the
 * declared size) rather than in a library that trusts the header. Run it after
 * `inspectZip` has accepted the declared sizes: the work is bounded by them.
 */
export async function verifyZipEntries(bytes: Buffer, name: string, select: (entryName: string) => boolean): Promise<void> {
  const zip = await open(bytes, name);
  await walk(zip, name, async (entry) => {
    if (!select(entry.fileName) || entry.fileName.endsWith('/')) return;
    const stream = await new Promise<NodeJS.ReadableStream>((resolve, reject) =>
      zip.openReadStream(entry, (err, s) => (err ? reject(err) : resolve(s))),
    );
    try {
      for await (const _ of stream) {
        // Only the check matters; the bytes are dropped.
      }
    } catch (err) {
      throw new DocumentRejected(
        `${name} looks like a zip bomb or is damaged: ${entry.fileName} does not match its declared size or is corrupt (${(err as Error).message})`,
        {
          cause: err,
        },
      );
    }
  });
}

/**
 * The text of one entry, or null when the archive has no such entry or it is
 * larger than `maxBytes` (declared or real). For small metadata parts only.
 */
export async function readZipText(bytes: Buffer, name: string, entryName: string, maxBytes: number): Promise<string | null> {
  const zip = await open(bytes, name);
  let text: string | null = null;
  await walk(zip, name, async (entry) => {
    if (entry.fileName !== entryName || entry.uncompressedSize > maxBytes) return;
    const stream = await new Promise<NodeJS.ReadableStream>((resolve, reject) =>
      zip.openReadStream(entry, (err, s) => (err ? reject(err) : resolve(s))),
    );
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    text = Buffer.concat(chunks).toString('utf8');
  });
  return text;
}
