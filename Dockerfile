# Multi-stage: dependencies are installed in a build stage; the runtime image holds only what runs, as a non-root user.
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm install --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json tsconfig.json ./
COPY activities ./activities
COPY api ./api
COPY app ./app
COPY client ./client
COPY config ./config
COPY consent ./consent
COPY events ./events
COPY identity ./identity
COPY mapping ./mapping
COPY simulator ./simulator
COPY temporal ./temporal
COPY worker ./worker
COPY workflows ./workflows
COPY xtremepush ./xtremepush
USER node
# The worker by default; the API service overrides the command.
CMD ["node", "--import", "tsx", "worker/main.ts"]
