# syntax=docker/dockerfile:1

# One image per Node service, all built from a single dependency install.
# Build a target with, for example: docker build --target api -t jobs-api .
# Targets: api (HTTP API on 8000), worker (job runner), web (Vite dev server on 5173), which run
# the TypeScript sources through tsx, and api-production and worker-production, which run the
# bundles of `bun run build` on plain Node.

# bun installs the workspace. Only the manifests are copied first, so this layer is rebuilt
# only when a dependency changes, not on every source edit.
FROM oven/bun:1 AS deps
WORKDIR /app
COPY package.json bun.lock ./
# NOTE: a new workspace package needs its own line here. Without it, bun installs the others and
# silently skips that package's dependencies.
COPY packages/domain/package.json packages/domain/
COPY packages/adapters/package.json packages/adapters/
COPY packages/server/package.json packages/server/
COPY packages/worker/package.json packages/worker/
COPY packages/web/package.json packages/web/
RUN bun install --frozen-lockfile

# The services run on Node (package.json requires >= 20.19). bun comes along only to run the
# package scripts. Everything belongs to the unprivileged user `node`, so Vite can write its
# dependency cache under node_modules.
FROM node:22-slim AS base
COPY --from=deps /usr/local/bin/bun /usr/local/bin/bun
WORKDIR /app
COPY --from=deps --chown=node:node /app ./
COPY --chown=node:node . .
USER node

FROM base AS api
WORKDIR /app/packages/server
ENV PORT=8000
EXPOSE 8000
CMD ["bun", "run", "start"]

FROM base AS worker
WORKDIR /app/packages/worker
CMD ["bun", "run", "start"]

# NOTE: this target runs the Vite dev server. Nothing serves the output of `vite build` yet.
FROM base AS web
WORKDIR /app/packages/web
EXPOSE 5173
CMD ["bun", "run", "dev", "--host", "0.0.0.0"]

# Production images. Each bundle contains its npm dependencies, so these images need neither
# node_modules nor bun, only Node and the bundle with its source map.
FROM base AS bundles
RUN bun run build

FROM node:22-slim AS api-production
WORKDIR /app
COPY --from=bundles /app/packages/server/dist ./
USER node
# The API listens on 127.0.0.1 by default, which is unreachable from outside the container.
ENV PORT=8000 HOST=0.0.0.0
EXPOSE 8000
CMD ["node", "main.js"]

FROM node:22-slim AS worker-production
WORKDIR /app
COPY --from=bundles /app/packages/worker/dist ./
USER node
CMD ["node", "main.js"]
