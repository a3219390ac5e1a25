// reStructuredText inline markup → Markdown. Emphasis and strong emphasis are
// spelt the same in both; what differs is literals (``x``), roles
// (:func:`x`), and the several hyperlink-reference forms. Literals are set
// aside first so that nothing inside them is rewritten.

/** Named hyperlink targets: normalised reference name → URL. */
export type RstTargets = Map<string, string>;

// Roles whose content is a name in code (Sphinx domains, docutils literals).
const CODE_ROLES =
  /^(?:(?:py|c|cpp|js|rst|std|sql):)?(code|literal|samp|file|command|program|envvar|option|kbd|func|meth|class|mod|attr|data|obj|exc|const|var|member|type|macro|struct|enum|function|method|attribute|module|exception|directive|role|makevar|regexp|token|dfn|mimetype|newsgroup|manpage)$/;

export function targetName(name: string): string {
  return name.replace(/\s+/g, ' ').trim().toLowerCase();
}

/** Collects `.. _name: url` targets and `text <url>`_ definitions from the whole document. */
export function collectTargets(lines: string[]): RstTargets {
  const targets: RstTargets = new Map();
  for (const line of lines) {
    const explicit = /^\s*\.\. _([^:]+|`[^`]+`):\s+(\S+)\s*$/.exec(line);
    if (explicit) targets.set(targetName(explicit[1]!.replace(/^`|`$/g, '')), explicit[2]!);
  }
  const text = lines.join('\n');
  for (const m of text.matchAll(/`([^`<]+?)\s*<([^>`\s]+)>`_(?!_)/g)) {
    if (!m[2]!.endsWith('_')) targets.set(targetName(m[1]!), m[2]!);
  }
  return targets;
}

function codeSpan(content: string): string {
  const longest = Math.max(0, ...(content.match(/`+/g) ?? []).map((r) => r.length));
  const ticks = '`'.repeat(longest + 1);
  const pad = content.startsWith('`') || content.endsWith('`') ? ' ' : '';
  return `${ticks}${pad}${content}${pad}${ticks}`;
}

/** `Title <target>` → Title; `~pkg.mod.name` → name. */
function roleText(role: string, content: string): string {
  const titled = /^(.*?)\s*<([^>]+)>$/s.exec(content);
  if (titled?.[1]) return titled[1];
  if (titled) content = titled[2]!;
  if (CODE_ROLES.test(role) && content.startsWith('~')) return content.slice(1).split('.').pop() ?? content;
  return content.replace(/^[!~]/, '');
}

function link(text: string, url: string): string {
  return `[${text.replace(/([[\]])/g, '\\$1')}](${url.replace(/[()\s]/g, (c) => encodeURIComponent(c))})`;
}

/** Converts the inline markup of a paragraph (which may span lines). */
export function rstInline(text: string, targets: RstTargets): string {
  const kept: string[] = [];
  const keep = (markdown: string) => `\u0000${kept.push(markdown) - 1}\u0000`;
  const resolve = (name: string): string | undefined => targets.get(targetName(name));

  let out = text
    .replace(/``(\S(?:[\s\S]*?\S)?)``/g, (_, code: string) => keep(codeSpan(code.replace(/\n/g, ' '))))
    .replace(/:([\w.:+-]+):`([^`]+)`|`([^`]+)`:([\w.:+-]+):/g, (_, r1?: string, c1?: string, c2?: string, r2?: string) => {
      const role = (r1 ?? r2)!;
      const content = (c1 ?? c2)!;
      if (role === 'math') return keep(`$${content}$`);
      const shown = roleText(role, content);
      return keep(CODE_ROLES.test(role) ? codeSpan(shown) : shown);
    })
    .replace(/`([^`<]*?)\s*<([^>`]+)>`__?/g, (_, label: string, uri: string) => {
      const url = uri.endsWith('_') ? resolve(uri.slice(0, -1)) : uri.replace(/\s+/g, '');
      const shown = label || uri;
      return keep(url ? link(shown, url) : shown);
    })
    .replace(/`([^`]+)`__?/g, (_, name: string) => {
      const url = resolve(name);
      return keep(url ? link(name, url) : name);
    })
    .replace(/(^|[\s(])([A-Za-z0-9][\w.+-]*)_(?=[\s.,;:!?)]|$)/gm, (whole, lead: string, name: string) => {
      const url = resolve(name);
      return url ? lead + keep(link(name, url)) : whole;
    })
    // Default-role interpreted text is, in practice (Sphinx), a name in code.
    .replace(/`([^`]+)`/g, (_, content: string) => keep(codeSpan(content)))
    .replace(/\s?\[(#[\w-]*|\*|\d+)\]_/g, (_, label: string) => `[^${label.replace(/^#/, '') || 'note'}]`)
    .replace(/\|([^|\s][^|]*)\|_?/g, '$1');

  out = out.replace(/\u0000(\d+)\u0000/g, (_, i: string) => kept[Number(i)]!);
  return out;
}
