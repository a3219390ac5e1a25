import { badRequest } from '../../errors';
import {
  ARCHIVE_FORMAT,
  ARCHIVE_VERSION,
  type ArchiveHeader,
  bodyLineSchema,
  type ChunkLine,
  type CodeLine,
  decodeEmbedding,
  describeIssues,
  headerEnvelopeSchema,
  headerSchema,
  type PageLine,
  type SourceLine,
} from './format';

/** A chunk or code example with its embedding decoded (null when the archive has none for it). */
export type ArchiveChunk = Omit<ChunkLine, 'type' | 'embedding'> & { embedding: number[] | null };
export type ArchiveCode = Omit<CodeLine, 'type' | 'embedding'> & { embedding: number[] | null };
/** One page with everything that belongs to it: the unit the importer writes. */
export type ArchivePage = { page: Omit<PageLine, 'type'>; chunks: ArchiveChunk[]; codeExamples: ArchiveCode[] };

export type ArchiveRecord =
  | { kind: 'header'; header: ArchiveHeader }
  | { kind: 'source'; source: Omit<SourceLine, 'type'> }
  | ({ kind: 'page' } & ArchivePage);

function withoutType<T extends { type: string }>(line: T): Omit<T, 'type'> {
  const { type: _type, ...rest } = line;
  return rest;
}

const fail = (line: number, message: string) => badRequest(`Archive line ${line}: ${message}`, { line });

function parseJson(text: string, line: number): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw fail(line, `not valid JSON (${(err as Error).message})`);
  }
}

function parseHeader(value: unknown, line: number): ArchiveHeader {
  const envelope = headerEnvelopeSchema.safeParse(value);
  if (!envelope.success || envelope.data.format !== ARCHIVE_FORMAT) {
    throw fail(line, `not an Archon source archive (the first line must be a header with "format": "${ARCHIVE_FORMAT}")`);
  }
  if (envelope.data.version !== ARCHIVE_VERSION) {
    throw fail(
      line,
      `archive format version ${JSON.stringify(envelope.data.version)} is not supported; this Archon reads version ${ARCHIVE_VERSION}` +
        (typeof envelope.data.version === 'number' && envelope.data.version > ARCHIVE_VERSION ? ' (upgrade Archon to import it)' : ''),
    );
  }
  const header = headerSchema.safeParse(value);
  if (!header.success) throw fail(line, `invalid header: ${describeIssues(header.error)}`);
  return header.data;
}

/**
 * Turns archive lines into validated records, checking the order the format
 * prescribes: header, source, then each page followed by its chunks and code
 * examples, then the end line, whose counts must match. Every failure is a
 * BAD_REQUEST naming the line. Pages are yielded one at a time, so memory is
 * bounded by the largest page, not the archive.
 */
export async function* readArchive(lines: AsyncIterable<string>): AsyncGenerator<ArchiveRecord> {
  let lineNo = 0;
  let header: ArchiveHeader | null = null;
  let sawSource = false;
  let current: ArchivePage | null = null;
  let ended = false;
  const counts = { pages: 0, chunks: 0, codeExamples: 0 };

  const embeddingOf = (value: string | undefined, what: string): number[] | null => {
    if (value === undefined) return null;
    if (!header!.embedding) throw fail(lineNo, `${what} has an embedding but the header declares none`);
    const vector = decodeEmbedding(value, header!.embedding.dimensions);
    if (!vector) {
      throw fail(lineNo, `${what} embedding is not ${header!.embedding.dimensions} finite, non-zero float32 values (base64, little-endian)`);
    }
    return vector;
  };

  for await (const raw of lines) {
    lineNo++;
    if (raw.trim() === '') continue;
    if (ended) throw fail(lineNo, 'data after the end line');
    const value = parseJson(raw, lineNo);
    if (!header) {
      header = parseHeader(value, lineNo);
      yield { kind: 'header', header };
      continue;
    }
    const parsed = bodyLineSchema.safeParse(value);
    if (!parsed.success) {
      const type = (value as { type?: unknown } | null)?.type;
      const known = ['source', 'page', 'chunk', 'code', 'end'];
      throw fail(
        lineNo,
        typeof type === 'string' && known.includes(type)
          ? `invalid ${type} line: ${describeIssues(parsed.error)}`
          : `unknown line type ${JSON.stringify(type ?? null)} (expected one of ${known.join(', ')})`,
      );
    }
    const data = parsed.data;
    if (!sawSource && data.type !== 'source')
      throw fail(lineNo, `${data.type} line before the source line (the second line must describe the source)`);
    switch (data.type) {
      case 'source': {
        if (sawSource) throw fail(lineNo, 'a second source line (an archive holds exactly one source)');
        sawSource = true;
        yield { kind: 'source', source: withoutType(data) };
        break;
      }
      case 'page': {
        if (current) yield { kind: 'page', ...current };
        current = { page: withoutType(data), chunks: [], codeExamples: [] };
        counts.pages++;
        break;
      }
      case 'chunk': {
        if (!current) throw fail(lineNo, 'chunk line before any page line');
        if (current.codeExamples.length) throw fail(lineNo, "chunk line after the page's code lines (chunks come first)");
        const prev = current.chunks.at(-1);
        if (prev && data.chunkIndex <= prev.chunkIndex) throw fail(lineNo, `chunkIndex ${data.chunkIndex} does not follow ${prev.chunkIndex}`);
        current.chunks.push({ ...withoutType(data), embedding: embeddingOf(data.embedding, 'chunk') });
        counts.chunks++;
        break;
      }
      case 'code': {
        if (!current) throw fail(lineNo, 'code line before any page line');
        const prev = current.codeExamples.at(-1);
        if (prev && data.exampleIndex <= prev.exampleIndex)
          throw fail(lineNo, `exampleIndex ${data.exampleIndex} does not follow ${prev.exampleIndex}`);
        current.codeExamples.push({ ...withoutType(data), embedding: embeddingOf(data.embedding, 'code example') });
        counts.codeExamples++;
        break;
      }
      case 'end': {
        for (const key of ['pages', 'chunks', 'codeExamples'] as const) {
          if (data[key] !== counts[key]) {
            throw fail(lineNo, `the end line says ${data[key]} ${key} but the archive holds ${counts[key]}; it is damaged or was edited`);
          }
        }
        if (current) yield { kind: 'page', ...current };
        current = null;
        ended = true;
        break;
      }
    }
  }
  if (!header) throw badRequest('The archive is empty');
  if (!ended) throw badRequest(`The archive is truncated: it ends at line ${lineNo} without its end line`, { line: lineNo });
}
