/**
 * The copy-paste setup for each MCP client, over HTTP and over stdio, and the
 * agent rules: the same commands and configurations as the README's MCP
 * section, filled in with this server's address, a key and the checkout's
 * path. test/unit/mcp-snippets.test.ts renders them with the README's own
 * placeholders and finds each one verbatim in README.md, so the page and the
 * README cannot drift apart. Plain data, no React: the page renders it.
 */

export const CLIENTS = [
  { id: 'claude-code', label: 'Claude Code' },
  { id: 'cursor', label: 'Cursor' },
  { id: 'windsurf', label: 'Windsurf' },
  { id: 'vscode', label: 'VS Code' },
  { id: 'codex', label: 'Codex' },
  { id: 'gemini', label: 'Gemini CLI' },
] as const;
export type ClientId = (typeof CLIENTS)[number]['id'];
export type Transport = 'http' | 'stdio';

/** What the README writes where a key, the checkout's path and the address go. */
export const KEY_PLACEHOLDER = 'ak_…';
export const PATH_PLACEHOLDER = '/path/to/archon';
export const README_ORIGIN = 'http://127.0.0.1:3737';

export type SnippetParams = {
  /** Archon's address as clients reach it, without a trailing slash: ARCHON_PUBLIC_URL or the browser's origin. */
  origin: string;
  /** An API key, or KEY_PLACEHOLDER. */
  apiKey: string;
  /** The Archon checkout `archon mcp` runs from, on the machine the assistant runs on. */
  archonPath: string;
};

export type Snippet = {
  /** For highlighting. */
  language: 'bash' | 'json';
  /** Where it goes: "Terminal" or a file path. */
  where: string;
  code: string;
  /** A sentence under the snippet, when the client needs one. */
  note?: string;
  /** The same thing as the README writes it (one line each), for the test that keeps both in step. */
  readme: string[];
};

export const mcpUrl = (origin: string) => `${origin.replace(/\/+$/, '')}/mcp`;

/** A word for a POSIX shell: as it is when nothing in it is special, else in single quotes. */
export function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** JSON on one line, spaced as the README writes it: `{"a": 1, "b": [2, 3]}`. */
export function inlineJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(inlineJson).join(', ')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.entries(value)
      .map(([k, v]) => `${JSON.stringify(k)}: ${inlineJson(v)}`)
      .join(', ')}}`;
  }
  return JSON.stringify(value);
}

const pretty = (value: unknown) => JSON.stringify(value, null, 2);
const scriptOf = (archonPath: string) => `${archonPath.replace(/[\\/]+$/, '')}/bin/archon.mjs`;

function jsonSnippet(where: string, value: Record<string, unknown>, note?: string, readme = [inlineJson(value)]): Snippet {
  return { language: 'json', where, code: pretty(value), note, readme };
}

function http(client: ClientId, p: SnippetParams): Snippet {
  const url = mcpUrl(p.origin);
  const bearer = `Bearer ${p.apiKey}`;
  switch (client) {
    case 'claude-code': {
      const command = `claude mcp add --transport http archon ${shellWord(url)} --header "Authorization: ${bearer}"`;
      return { language: 'bash', where: 'Terminal', code: command, readme: [command] };
    }
    case 'gemini': {
      const command = `gemini mcp add --transport http archon ${shellWord(url)} --header "Authorization: ${bearer}"`;
      return { language: 'bash', where: 'Terminal', code: command, readme: [command] };
    }
    case 'codex': {
      const lines = [`export ARCHON_API_KEY=${p.apiKey}`, `codex mcp add archon --url ${shellWord(url)} --bearer-token-env-var ARCHON_API_KEY`];
      return {
        language: 'bash',
        where: 'Terminal',
        code: lines.join('\n'),
        note: 'Codex reads the key from ARCHON_API_KEY when it starts the server, so keep it set in the shell that runs Codex.',
        readme: lines,
      };
    }
    case 'cursor':
      return jsonSnippet(
        '~/.cursor/mcp.json',
        { mcpServers: { archon: { url, headers: { Authorization: bearer } } } },
        'Or .cursor/mcp.json in a project, for that project only.',
      );
    case 'windsurf':
      return jsonSnippet('~/.codeium/windsurf/mcp_config.json', { mcpServers: { archon: { serverUrl: url, headers: { Authorization: bearer } } } });
    case 'vscode':
      // The key stays out of the file (it is often committed): VS Code asks for it once and keeps it in its secret storage.
      return jsonSnippet(
        '.vscode/mcp.json',
        {
          servers: {
            archon: {
              type: 'http',
              url,
              // biome-ignore lint/suspicious/noTemplateCurlyInString: VS Code's own ${input:…} syntax, not a template
              headers: { Authorization: 'Bearer ${input:archon-key}' },
            },
          },
          inputs: [{ id: 'archon-key', type: 'promptString', description: 'Archon API key', password: true }],
        },
        'VS Code asks for the key the first time it starts the server; paste the key then. It is not written into the file.',
      );
  }
}

function stdio(client: ClientId, p: SnippetParams): Snippet {
  const script = scriptOf(p.archonPath);
  const env = { ARCHON_URL: p.origin, ARCHON_API_KEY: p.apiKey };
  const server = { command: 'node', args: [script, 'mcp'], env };
  const files: Partial<Record<ClientId, string>> = {
    cursor: '~/.cursor/mcp.json',
    windsurf: '~/.codeium/windsurf/mcp_config.json',
    gemini: '~/.gemini/settings.json',
  };
  switch (client) {
    case 'claude-code': {
      const command = `claude mcp add -e ARCHON_URL=${shellWord(p.origin)} -e ARCHON_API_KEY=${p.apiKey} archon -- node ${shellWord(script)} mcp`;
      return { language: 'bash', where: 'Terminal', code: command, readme: [command] };
    }
    case 'codex': {
      const command = `codex mcp add archon --env ARCHON_URL=${shellWord(p.origin)} --env ARCHON_API_KEY=${p.apiKey} -- node ${shellWord(script)} mcp`;
      return { language: 'bash', where: 'Terminal', code: command, readme: [command] };
    }
    case 'vscode':
      return jsonSnippet('.vscode/mcp.json', { servers: { archon: { type: 'stdio', ...server } } });
    default: {
      // The README gives Gemini CLI, Cursor and Windsurf one row: the mcpServers entry, in each one's file.
      const value = { mcpServers: { archon: server } };
      return jsonSnippet(files[client]!, value, undefined, [inlineJson(value).slice(1, -1)]);
    }
  }
}

/**
 * The setup for one client. Over stdio, `archon mcp` runs from a checkout on
 * the assistant's machine and calls this Archon with the key (remote mode),
 * so it works next to a running server on the embedded database.
 */
export function snippetFor(client: ClientId, transport: Transport, params: SnippetParams): Snippet {
  return transport === 'http' ? http(client, params) : stdio(client, params);
}

/** For CLAUDE.md, AGENTS.md or a client's rules file; the README's "Agent rules" block, verbatim. */
export const AGENT_RULES = `## Archon
Archon (MCP server "archon") holds this project's documentation and task board.
- Before coding with a library: rag_get_available_sources with query "<library>" for its source_id,
  then rag_search_knowledge_base with 2-5 keywords and that source_id (max_tokens 4000);
  read whole pages with rag_read_full_page and code with rag_search_code_examples. Cite page URLs.
- Missing docs: ask me, then rag_add_source with the docs URL.
- Tasks: find_tasks for the project; take the next todo, set it to doing before you start and to review
  when done (manage_task); one task in doing at a time; split work into 30 min-4 h tasks.
- Record decisions in the project's documents (manage_document).`;
