# One image for both roles of the engine; docker-compose.yml picks the role with `command`:
#   npm run worker   the Temporal worker (workflows + activities)
#   npm run api      the Fastify HTTP API (a Temporal client)
# Both connect to the cluster named by TEMPORAL_ADDRESS. TypeScript runs through tsx (a runtime
# dependency), so there is no build step and the image holds the sources as they are in git.
FROM node:24-bookworm-slim

# TEMPORAL_CLI_SKIP_INSTALL: postinstall would fetch the Temporal CLI for the embedded dev server;
# a container always talks to a real cluster, so it needs no CLI.
# HTTP_HOST: the API listens on loopback by default; in a container it must accept outside connections.
ENV NODE_ENV=production \
    TEMPORAL_CLI_SKIP_INSTALL=1 \
    HTTP_HOST=0.0.0.0 \
    HTTP_PORT=3000 \
    CONTENT_DIR=/app/content \
    DATA_DIR=/app/.data \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false

WORKDIR /app

# Dependencies first, so the layer is reused while only sources change. The postinstall script
# must exist when `npm ci` runs it (it exits at once because of TEMPORAL_CLI_SKIP_INSTALL).
COPY package.json package-lock.json ./
COPY scripts/ ./scripts/
RUN npm ci --omit=dev \
 && npm cache clean --force

COPY tsconfig.json ./
COPY content/ ./content/
COPY src/ ./src/

# Sources stay root-owned (read-only for the app); only the data folder is writable by `node`.
RUN mkdir -p /app/.data && chown node:node /app/.data

USER node

EXPOSE 3000
CMD ["npm", "run", "worker"]
