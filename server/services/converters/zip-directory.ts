// Entry names from a zip's central directory, read synchronously so that
// type detection can tell a Word document from a workbook or a jar without
// going async. Names only: sizes, ratios and everything that guards against
// zip bombs is zip-guard's job (yauzl, which also validates what it reads).

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL_HEADER = 0x02014b50;
const EOCD_SIZE = 22;
const MAX_COMMENT = 0xffff;

type Directory = { offset: number; entries: number };

function findEocd(bytes: Buffer): number {
  const floor = Math.max(0, bytes.length - EOCD_SIZE - MAX_COMMENT);
  for (let i = bytes.length - EOCD_SIZE; i >= floor; i--) {
    if (bytes.readUInt32LE(i) === EOCD) return i;
  }
  return -1;
}

function directory(bytes: Buffer): Directory | null {
  const eocd = findEocd(bytes);
  if (eocd < 0) return null;
  let entries = bytes.readUInt16LE(eocd + 10);
  let offset = bytes.readUInt32LE(eocd + 16);
  if (entries === 0xffff || offset === 0xffffffff) {
    // ZIP64: the real values are in a second record the locator points at.
    // Without a locator the values are what they say (exactly 65,535 entries).
    const locator = eocd - 20;
    if (locator < 0 || bytes.readUInt32LE(locator) !== ZIP64_LOCATOR) return offset < bytes.length ? { offset, entries } : null;
    const record = Number(bytes.readBigUInt64LE(locator + 8));
    if (record + 56 > bytes.length || bytes.readUInt32LE(record) !== ZIP64_EOCD) return null;
    entries = Number(bytes.readBigUInt64LE(record + 32));
    offset = Number(bytes.readBigUInt64LE(record + 48));
  }
  return offset < bytes.length ? { offset, entries } : null;
}

/**
 * The names in a zip's central directory, in order, or null when the bytes
 * are not a readable zip. Stops after `max` names: detection needs a few.
 */
export function zipEntryNames(bytes: Buffer, max = 10_000): string[] | null {
  if (bytes.length < EOCD_SIZE) return null;
  const dir = directory(bytes);
  if (!dir) return null;
  const names: string[] = [];
  let at = dir.offset;
  for (let i = 0; i < dir.entries && names.length < max; i++) {
    if (at + 46 > bytes.length || bytes.readUInt32LE(at) !== CENTRAL_HEADER) return null;
    const nameLength = bytes.readUInt16LE(at + 28);
    const extraLength = bytes.readUInt16LE(at + 30);
    const commentLength = bytes.readUInt16LE(at + 32);
    if (at + 46 + nameLength > bytes.length) return null;
    names.push(bytes.toString('utf8', at + 46, at + 46 + nameLength));
    at += 46 + nameLength + extraLength + commentLength;
  }
  return names;
}
