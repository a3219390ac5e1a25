// Joining the lines of a paragraph back into running text. A line that ends
// in a hyphen was either hyphenated by the typesetter or broken after a hyphen
// that belongs to the word ("CBC-MAC", "HMAC-SHA256"); the document's own
// vocabulary tells which where it can: a word that occurs unbroken elsewhere
// was hyphenated, one that occurs with its hyphen elsewhere was not.

/** Every word of the document, lower-cased, with its inner hyphens and underscores. */
export function documentWords(texts: Iterable<string>): Set<string> {
  const words = new Set<string>();
  for (const text of texts) for (const word of text.toLowerCase().match(/[\p{L}\p{N}][\p{L}\p{N}_-]*[\p{L}\p{N}]/gu) ?? []) words.add(word);
  return words;
}

// The letters before the hyphen (back to a non-letter) and after it (up to a non-letter).
const BEFORE_HYPHEN = /([\p{L}\p{N}_]*\p{L})-$/u;
const AFTER_HYPHEN = /^(\p{L}[\p{L}\p{N}_]*)/u;

/**
 * Whether the hyphen at the end of `out` goes when `line` is joined to it.
 * Either way no space is put in: TeX breaks a line after a hyphen only inside
 * a word ("1996-" + "2019", "value[len-" + "1]").
 */
function hyphenation(out: string, line: string, words: Set<string>): 'drop' | 'keep' {
  const left = BEFORE_HYPHEN.exec(out)?.[1];
  const right = AFTER_HYPHEN.exec(line)?.[1];
  if (!left || !right) return 'keep';
  // "--vgdb-stop-" + "at=startup": an option or compound name is broken at one of its own hyphens.
  if (/(^|\s)--?[\p{L}\p{N}]|[\p{L}\p{N}]-[\p{L}\p{N}_]+-$/u.test(out.slice(out.lastIndexOf(' ') + 1))) return 'keep';
  const joined = (left + right).toLowerCase();
  const hyphened = `${left}-${right}`.toLowerCase();
  if (words.has(joined) && !words.has(hyphened)) return 'drop';
  if (words.has(hyphened) && !words.has(joined)) return 'keep';
  const lower = (s: string) => s === s.toLowerCase();
  const upper = (s: string) => s === s.toUpperCase();
  if (lower(left.slice(-1)) && lower(right)) return 'drop';
  // TeX leaves at least two letters before a break and three after it (English
  // hyphenmins): "OP-TIONAL" was broken by TeX, "HMAC-H" was not.
  if (upper(left) && upper(right) && /\p{L}{2}$/u.test(left) && right.length >= 3) return 'drop';
  return 'keep';
}

/** The lines of a paragraph as one line of text. */
export function joinProse(lines: string[], words: Set<string> = new Set()): string {
  let out = '';
  for (const line of lines) {
    if (!out) {
      out = line;
      continue;
    }
    const hyphen = /\S-$/.test(out) && !/--$/.test(out) ? hyphenation(out, line, words) : null;
    if (hyphen === 'drop') out = out.slice(0, -1) + line;
    else if (hyphen === 'keep') out += line;
    // "ASN1_MAX_" + "NAME_SIZE": an identifier broken after its underscore; "foo/bar/" + "xyzzy.c": a path after a slash.
    else if (/[\p{L}\p{N}]_$|\S\/$/u.test(out) && /^[\p{L}\p{N}._]/u.test(line)) out += line;
    // "--" + "log-file": an option broken after its dashes (a dash in prose, "order --", is followed by a plain word).
    else if (/(^|\s)--$/.test(out) && /^\p{Ll}[\p{L}\p{N}]*[-=]/u.test(line)) out += line;
    else out = `${out} ${line}`;
  }
  return out;
}

/**
 * Underscores the text layer lost: texinfo draws "_" in italic and roman type
 * as a rule, not a glyph, so an argument "asn1_node" reads "asn1 node" while
 * the same name set in code elsewhere keeps it. Words are joined where the
 * document has the joined name (longest first, up to five words: "hmac sha256 ctx" →
 * "hmac_sha256_ctx"). Used on prototypes and headings, where names are.
 */
export function restoreUnderscores(text: string, words: Set<string>): string {
  return text.replace(/(?<![\p{L}\p{N}_])[\p{L}\p{N}]+(?: [\p{L}\p{N}]+)+(?![\p{L}\p{N}_])/gu, (run) => {
    const parts = run.split(' ');
    const out: string[] = [];
    for (let i = 0; i < parts.length; ) {
      const span =
        [5, 4, 3, 2].find(
          (n) =>
            i + n <= parts.length &&
            words.has(
              parts
                .slice(i, i + n)
                .join('_')
                .toLowerCase(),
            ),
        ) ?? 1;
      out.push(parts.slice(i, i + span).join('_'));
      i += span;
    }
    return out.join(' ');
  });
}
