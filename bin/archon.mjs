#!/usr/bin/env node
// The `archon` command (package.json "bin"): `npx archon mcp` in a checkout, or `archon mcp` once linked or installed.
// It runs the TypeScript sources through tsx, from the checkout's root, as `npm start` does, so relative
// settings (ARCHON_DATA_DIR=./.data, the migrations) mean the same whatever directory a client starts it in.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

// Paths on the command line (files to upload, -o, an archive to import) are the user's, relative to where they ran it.
process.env.ARCHON_CLI_CWD = process.cwd();
process.chdir(path.join(path.dirname(fileURLToPath(import.meta.url)), '..'));
register();
await import('../cli/index.ts');
