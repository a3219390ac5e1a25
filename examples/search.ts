// Searches the knowledge base: node dist/search.js "how do I configure X" [sourceId]
import { connect } from './connect.js';

const [query, sourceId] = process.argv.slice(2);
if (!query) {
  console.error('usage: node dist/search.js "<query>" [sourceId]');
  process.exit(2);
}
const archon = connect();
const found = await archon.knowledge.search.query({ query, sourceIds: sourceId ? [sourceId] : undefined, limit: 5, returnMode: 'pages' });
if (found.returnMode === 'pages') {
  for (const [i, hit] of found.results.entries()) {
    console.log(`${i + 1}. ${hit.title} (${hit.score.toFixed(3)})\n   ${hit.url}\n   ${hit.best.excerpt.replace(/\s+/g, ' ').slice(0, 160)}`);
  }
}
if (found.results.length === 0) console.log('no results');
for (const warning of found.warnings) console.warn(`warning: ${warning}`);
await archon.close();
