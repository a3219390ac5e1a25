import type { NextConfig } from 'next';
import { securityHeaders } from './server/http/security-headers';

const nextConfig: NextConfig = {
  poweredByHeader: false,
  async headers() {
    return [{ source: '/:path*', headers: securityHeaders() }];
  },
  // These must load from node_modules, not the bundle: PGlite ships wasm and data
  // files, the custom server shares database handles with route handlers, and the
  // document converters load files of their own.
  serverExternalPackages: [
    '@electric-sql/pglite',
    '@electric-sql/pglite-pgvector',
    'postgres',
    'drizzle-orm',
    'inngest',
    'openai',
    'ws',
    'pdfjs-dist',
    'mammoth',
  ],
  // Next loads every page's code when the server starts, unless told not to: about 56 MB of heap that the embedded
  // server's 600 MB has no room for, held whether or not anyone opens the dashboard (an API or MCP client never does).
  // Each page's first request loads its code instead (docs/benchmarks.md, the real server's memory).
  experimental: { preloadEntriesOnStart: false },
  // The build checks the app's own code; `npm run typecheck` checks everything, tests included.
  typescript: { ignoreBuildErrors: false, tsconfigPath: 'tsconfig.build.json' },
};

export default nextConfig;
