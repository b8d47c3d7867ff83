# Multi-stage: the build stage compiles TypeScript to dist/ and bundles the workflows once; the runtime image holds
# only production dependencies and dist/, runs plain `node` as the non-root user, and carries no compiler.
# One image for both services: docker-compose.yml runs dist/api/main.js or dist/worker/main.js in it.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# `npm install`, not `npm ci`: the lockfile lacks some platform-only optional packages (see scripts/setup.sh), which
# `npm ci` refuses; `npm install` still installs exactly the locked versions.
RUN npm install --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
# Every source folder, one line each (COPY of several folders would merge their contents). test/compose.test.ts
# fails when a folder holding .ts files is missing here. Tests, scripts and local state stay out (.dockerignore).
COPY activities ./activities
COPY api ./api
COPY app ./app
COPY cli ./cli
COPY client ./client
COPY codec ./codec
COPY config ./config
COPY consent ./consent
COPY diagnostics ./diagnostics
COPY errors ./errors
COPY events ./events
COPY identity ./identity
COPY mapping ./mapping
COPY privacy ./privacy
COPY runtime ./runtime
COPY secrets ./secrets
COPY simulator ./simulator
COPY temporal ./temporal
COPY webhooks ./webhooks
COPY worker ./worker
COPY workflows ./workflows
COPY xtremepush ./xtremepush
RUN npx tsc -p tsconfig.build.json && node dist/worker/bundles.js

FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm install --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
# Settings a process takes only at its start: LAUNCH_ENV in runtime/launch-env.ts, which says what each does
# (test/compose.test.ts checks that these are the same). A worker's peak RSS at saturation falls by about a third with
# them (README, "Worker tuning").
ENV MALLOC_ARENA_MAX=2
ENV MALLOC_MMAP_THRESHOLD_=131072
ENV NODE_OPTIONS=--max-semi-space-size=4
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY --from=build /app/dist ./dist
# Code and dependencies stay owned by root, read-only to the process.
USER node
# SIGTERM: the API stops accepting, the worker lets in-flight deliveries finish (app/entry.ts).
STOPSIGNAL SIGTERM
# The worker by default; the API service overrides the command.
CMD ["node", "dist/worker/main.js"]
