# syntax=docker/dockerfile:1
# Archon in one image: the Next.js build and the custom server, run as an
# unprivileged user. `docker compose up` (docker-compose.yml) runs it with
# PostgreSQL + pgvector and a self-hosted Inngest server; docs/deployment.md
# says how to run several.

ARG NODE_VERSION=22

# Build: every dependency (the build type-checks the app), then the Next.js build.
FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
ENV NEXT_TELEMETRY_DISABLED=1
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npx next build \
  && rm -rf .next/cache \
  && npm prune --omit=dev --no-audit --no-fund

# Run: the built app and production dependencies only, owned by root and read-only to the
# process; only the data directory (the embedded database, if no DATABASE_URL) is writable.
FROM node:${NODE_VERSION}-bookworm-slim AS runtime
WORKDIR /app
ENV NODE_ENV=production \
    NEXT_TELEMETRY_DISABLED=1 \
    HOST=0.0.0.0 \
    PORT=3737 \
    ARCHON_DATA_DIR=/data \
    LOG_FORMAT=json
COPY --from=build /app /app
RUN mkdir -p /data /app/.next/cache && chown node:node /data /app/.next/cache
USER node
VOLUME ["/data"]
EXPOSE 3737
# The health endpoint answers 503 when the database cannot be reached.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3737) + '/api/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Not `npm start`: the image is already built, and npm would not pass signals on.
# The same environment and flags as package.json's start script (test/unit/containers.test.ts holds them equal).
ENV MALLOC_TRIM_THRESHOLD_=131072
ENV MALLOC_ARENA_MAX=2
CMD ["node", "--max-semi-space-size=8", "--heap-growing-percent=20", "--import", "tsx", "server/index.ts"]
