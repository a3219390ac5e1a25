// How Word structure maps to HTML for mammoth. Word has no notion of "code":
// writers use a paragraph style (Code, Source Code, HTML Preformatted …) or
// just a fixed-pitch font. The document transform below renames both to two
// private style names, so that the style map stays short and exact.

const CODE_PARAGRAPH = 'archon-code';
const CODE_RUN = 'archon-code-run';

const CODE_PARAGRAPH_STYLES =
  /^(code|code block|source code|sourcecode|html preformatted|preformatted( text)?|plain text|verbatim|console|terminal)\b/i;
const CODE_RUN_STYLES = /^(code|source code|html code|verbatim|inline code)( char)?$|^(code char|html typewriter|verbatim char)$/i;
const MONOSPACE_FONT =
  /mono|courier|consolas|menlo|monaco|lucida console|lucida sans typewriter|inconsolata|fira code|source code|andale|typewriter|ocr-?a/i;

export const DOCX_STYLE_MAP = [
  "p[style-name='Title'] => h1:fresh",
  "p[style-name='Heading 1'] => h1:fresh",
  "p[style-name='Heading 2'] => h2:fresh",
  "p[style-name='Heading 3'] => h3:fresh",
  "p[style-name='Heading 4'] => h4:fresh",
  "p[style-name='Heading 5'] => h5:fresh",
  "p[style-name='Heading 6'] => h6:fresh",
  `p[style-name='${CODE_PARAGRAPH}'] => pre:separator('\\n')`,
  `r[style-name='${CODE_RUN}'] => code`,
];

// Mammoth's document model is untyped; these are the fields the transform uses.
type DocxElement = {
  type: string;
  children?: DocxElement[];
  styleName?: string | null;
  font?: string | null;
  numbering?: unknown;
  value?: string;
};

function text(element: DocxElement): string {
  if (element.type === 'text') return element.value ?? '';
  return (element.children ?? []).map(text).join('');
}

function isMonospaceRun(run: DocxElement): boolean {
  return Boolean(run.font && MONOSPACE_FONT.test(run.font)) || Boolean(run.styleName && CODE_RUN_STYLES.test(run.styleName));
}

function isCodeParagraph(paragraph: DocxElement): boolean {
  if (paragraph.styleName && CODE_PARAGRAPH_STYLES.test(paragraph.styleName)) return true;
  if (paragraph.numbering) return false;
  // A paragraph set wholly in a fixed-pitch font is a line of code.
  const runs = (paragraph.children ?? []).filter((c) => c.type === 'run' && text(c).trim());
  return runs.length > 0 && runs.every(isMonospaceRun);
}

function markRuns(element: DocxElement): void {
  for (const child of element.children ?? []) {
    if (child.type === 'run' && isMonospaceRun(child)) child.styleName = CODE_RUN;
    else markRuns(child);
  }
}

/** mammoth `transformDocument`: marks code paragraphs and fixed-pitch runs. */
export function markCode(element: DocxElement): DocxElement {
  if (element.type === 'paragraph') {
    if (isCodeParagraph(element)) element.styleName = CODE_PARAGRAPH;
    else markRuns(element);
    return element;
  }
  for (const child of element.children ?? []) markCode(child);
  return element;
}
