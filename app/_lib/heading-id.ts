/**
 * Heading ids for rendered Markdown, and links to them. MarkdownView gives
 * every heading an id made here from its text; a search result links to
 * `/knowledge/pages/<id>#<headingId>` made from its section path, so the link
 * lands on the section's heading.
 *
 * Ids are prefixed: the content is untrusted, and a heading named "main" or
 * "process" must neither take the id of the page's own landmark nor become a
 * global (`window.process`) that scripts might read (DOM clobbering).
 */

export const HEADING_ID_PREFIX = 'h-';

/** Lower-case letters and digits of any script, words joined by hyphens: "Stage 2: Levelling" → "stage-2-levelling". */
export function slugify(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s-]/gu, '')
    .trim()
    .replace(/[\s-]+/g, '-')
    .replace(/^-|-$/g, '');
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

/**
 * The text a heading shows, from its Markdown source as a section path keeps
 * it ("`frob.toml` \\_options\\_" → "frob.toml _options_"): backslash escapes and
 * character references resolved. Emphasis markers and code ticks are dropped by slugify.
 */
export function headingText(markdown: string): string {
  return markdown.replace(/\\([!-/:-@[-`{-~])/g, '$1').replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, ref: string) => {
    if (ref[0] !== '#') return ENTITIES[ref.toLowerCase()] ?? whole;
    const code = ref[1] === 'x' || ref[1] === 'X' ? Number.parseInt(ref.slice(2), 16) : Number.parseInt(ref.slice(1), 10);
    return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}

/**
 * Ids for the headings of one document, in order: the first "Install" is
 * `h-install`, the next `h-install-1`, as GitHub numbers repeats.
 */
export function headingIds(): (text: string) => string {
  const seen = new Map<string, number>();
  return (text) => {
    const base = slugify(text) || 'section';
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    return `${HEADING_ID_PREFIX}${n === 0 ? base : `${base}-${n}`}`;
  };
}

/**
 * The fragment of a section's heading, from its section path (page title
 * first, the section itself last), or null for text before any heading. A
 * heading repeated on the page resolves to its first occurrence.
 */
export function sectionFragment(headingPath: readonly string[]): string | null {
  const last = headingPath.at(-1);
  if (!last) return null;
  return headingIds()(headingText(last));
}
