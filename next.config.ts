import type { NextConfig } from 'next';

const nextConfig: NextConfig = {
  poweredByHeader: false,
  // These must load from node_modules, not the bundle: PGlite ships wasm and data
  // files, and the custom server shares database handles with route handlers.
  serverExternalPackages: [
    '@electric-sql/pglite',
    '@electric-sql/pglite-pgvector',
    'postgres',
    'drizzle-orm',
    'inngest',
    'openai',
    'ws',
  ],
  typescript: { ignoreBuildErrors: false },
};

export default nextConfig;
