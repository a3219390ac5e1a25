import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  AGENT_RULES,
  CLIENTS,
  inlineJson,
  KEY_PLACEHOLDER,
  mcpUrl,
  PATH_PLACEHOLDER,
  README_ORIGIN,
  shellWord,
  snippetFor,
} from '../../app/(dashboard)/connect/snippets';

/** The MCP page's setup snippets and the README's MCP section say the same thing. */

const readme = fs.readFileSync('README.md', 'utf8');
const mcpSection = readme.slice(readme.indexOf('\n## MCP\n'), readme.indexOf('\n### Tools\n'));
const TRANSPORTS = ['http', 'stdio'] as const;
const stdioAt = mcpSection.indexOf('### Connect over stdio');
/** The README table row for a client: the first cell names it ("Gemini CLI, Cursor, Windsurf" shares one row over stdio). */
const rowOf = (label: string, transport: 'http' | 'stdio') =>
  (transport === 'http' ? mcpSection.slice(0, stdioAt) : mcpSection.slice(stdioAt))
    .split('\n')
    .find((line) => line.startsWith('| ') && line.split('|')[1]!.includes(label)) ?? '';
const KEY = `ak_0123456789ab_${'Q'.repeat(43)}`;

describe('MCP setup snippets', () => {
  it.each(CLIENTS.flatMap((c) => TRANSPORTS.map((t) => [c.id, c.label, t] as const)))(
    '%s (%s) over %s is what the README says',
    (client, label, transport) => {
      const snippet = snippetFor(client, transport, { origin: README_ORIGIN, apiKey: KEY_PLACEHOLDER, archonPath: PATH_PLACEHOLDER });
      const row = rowOf(label, transport);
      expect(row, `README row for ${label} over ${transport}`).not.toBe('');
      expect(snippet.readme.length).toBeGreaterThan(0);
      for (const line of snippet.readme) expect(row, line).toContain(`\`${line}\``);
      if (snippet.language === 'json')
        expect(JSON.parse(snippet.code)).toEqual(JSON.parse(snippet.readme[0]!.startsWith('{') ? snippet.readme[0]! : `{${snippet.readme[0]}}`));
      if (snippet.where !== 'Terminal') expect(mcpSection).toContain(`\`${snippet.where}\``);
    },
  );

  it('fills in the key, the address and the path', () => {
    for (const { id } of CLIENTS) {
      for (const transport of TRANSPORTS) {
        const s = snippetFor(id, transport, { origin: 'https://archon.example.com', apiKey: KEY, archonPath: '/srv/archon/' });
        // VS Code over HTTP asks for the key instead of writing it into a file that is often committed.
        if (!(id === 'vscode' && transport === 'http')) expect(s.code, `${id} ${transport}`).toContain(KEY);
        expect(s.code).not.toContain(KEY_PLACEHOLDER);
        if (transport === 'http') expect(s.code).toContain('https://archon.example.com/mcp');
        else expect(s.code).toMatch(/ARCHON_URL.{1,4}https:\/\/archon\.example\.com[^/]/);
        if (transport === 'stdio') expect(s.code).toContain('/srv/archon/bin/archon.mjs');
      }
    }
    expect(mcpUrl('https://archon.example.com/')).toBe('https://archon.example.com/mcp');
  });

  it('quotes a path with spaces for the shell and keeps JSON valid', () => {
    const s = snippetFor('claude-code', 'stdio', { origin: README_ORIGIN, apiKey: KEY, archonPath: "/Users/me/My Projects/archon's" });
    expect(s.code).toContain(`node '/Users/me/My Projects/archon'\\''s/bin/archon.mjs' mcp`);
    expect(shellWord('plain/path-1.0')).toBe('plain/path-1.0');
    const json = snippetFor('cursor', 'stdio', { origin: README_ORIGIN, apiKey: KEY, archonPath: 'C:\\archon "x"' });
    expect(JSON.parse(json.code).mcpServers.archon.args[0]).toBe('C:\\archon "x"/bin/archon.mjs');
    expect(inlineJson({ a: [1, 'b'], c: { d: true } })).toBe('{"a": [1, "b"], "c": {"d": true}}');
  });

  it('offers the README agent rules verbatim', () => {
    expect(mcpSection).toContain(`\`\`\`markdown\n${AGENT_RULES}\n\`\`\``);
  });
});
