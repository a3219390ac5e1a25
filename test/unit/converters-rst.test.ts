import { describe, expect, it } from 'vitest';
import { rstToMarkdown } from '../../server/services/converters/rst-to-markdown';

describe('rstToMarkdown', () => {
  it('numbers section levels by first appearance of each adornment style', () => {
    const md = rstToMarkdown('Top\n***\n\nPart\n~~~~\n\nSub\n+++\n\nOther part\n~~~~~~~~~~\n\nText.\n');
    expect(md).toBe('# Top\n\n## Part\n\n### Sub\n\n## Other part\n\nText.');
  });

  it('turns "::" endings into a colon (or nothing) and the indented block into code', () => {
    expect(rstToMarkdown('Example::\n\n  a = 1\n\n  b = 2\n\nAfter.')).toBe('Example:\n\n```\na = 1\n\nb = 2\n```\n\nAfter.');
    expect(rstToMarkdown('Example ::\n\n  x')).toBe('Example\n\n```\nx\n```');
    expect(rstToMarkdown('Intro.\n\n::\n\n  raw\n')).toBe('Intro.\n\n```\nraw\n```');
  });

  it('fences code and code-block directives with their language, skipping options', () => {
    expect(rstToMarkdown('.. code:: sql\n   :number-lines:\n\n   SELECT 1;\n')).toBe('```sql\nSELECT 1;\n```');
    // Code that contains a fence gets a longer one.
    expect(rstToMarkdown('.. code-block:: markdown\n\n   ```\n   x\n   ```\n')).toBe('````markdown\n```\nx\n```\n````');
  });

  it('drops comments, hyperlink targets and toctrees', () => {
    const md = rstToMarkdown(
      '.. a comment\n\n..\n   empty comment body\n\n.. _label:\n\n.. toctree::\n   :maxdepth: 2\n\n   install\n   usage\n\nKept.\n',
    );
    expect(md).toBe('Kept.');
  });

  it('renders admonitions as quotes and keeps their nested structure', () => {
    expect(rstToMarkdown('.. warning:: Disk space\n\n   Check it:\n\n   * df -h\n')).toBe('> **Warning:** Disk space\n>\n> Check it:\n>\n> - df -h');
  });

  it('converts roles, references and footnotes inline', () => {
    const md = rstToMarkdown(
      'See :ref:`the setup <setup>`, :class:`pkg.Thing`, `Docs`__ and docs_ [#]_.\n\n__ https://a.example/\n\n.. _docs: https://docs.example/\n\n.. [#] Footnote text.\n',
    );
    expect(md).toContain('See the setup, `pkg.Thing`,');
    expect(md).toContain('[docs](https://docs.example/)[^note].');
    expect(md).toContain('[^note]: Footnote text.');
  });

  it('keeps definition lists and grid tables readable', () => {
    expect(rstToMarkdown('port\n   The TCP port.\n')).toBe('**port**\n\nThe TCP port.');
    const table = '+-----+-----+\n| a   | b   |\n+=====+=====+\n| 1   | 2   |\n+-----+-----+';
    expect(rstToMarkdown(`${table}\n\nAfter.`)).toBe(`\`\`\`\n${table}\n\`\`\`\n\nAfter.`);
  });
});
