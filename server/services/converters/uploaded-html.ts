import { htmlToMarkdown } from '../markdown/html-to-markdown';

// An uploaded HTML file (or mammoth's HTML for a Word file) has no address of
// its own, so its relative links resolve against a placeholder and are made
// relative again afterwards: "#section" and "other.html" stay as written.

const PLACEHOLDER = 'file:///document';

export function uploadedHtmlToMarkdown(html: string): { title: string; markdown: string } {
  const page = htmlToMarkdown(html, PLACEHOLDER);
  const markdown = page.markdown.replace(/\]\(file:\/\/\/document(?=[#)])/g, '](').replace(/\]\(file:\/\/\//g, '](');
  return { title: page.title, markdown };
}
