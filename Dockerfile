# syntax=docker/dockerfile:1
# Gatehouse image: `docker build -t gatehouse .` at the top of the repository.
# NOTE: the base image is pinned to an exact Node.js and Debian release, not to a digest. Add
# the digest your registry resolves for that tag where policy asks for it:
# --build-arg NODE_IMAGE=node:20.20.2-bookworm-slim@sha256:<digest>.
ARG NODE_IMAGE=node:20.20.2-bookworm-slim

# Build stage: all dependencies, the Prisma clients and the compiled server.
FROM ${NODE_IMAGE} AS build
# better-sqlite3 compiles its native module when no prebuilt binary matches.
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
# Scripts stay off here because the prepare script would build before the sources are
# copied; the native modules are then built on their own.
RUN npm ci --ignore-scripts --no-audit --no-fund \
  && npm rebuild better-sqlite3 argon2
COPY tsconfig.json nest-cli.json ./
COPY bin ./bin
COPY prisma ./prisma
COPY src ./src
# prisma generate writes the clients into src/generated; nest build compiles them with the rest.
# The Prisma CLI and TypeScript are optional peers of production packages as well as build
# tools, so omitting optional packages too keeps them out of the image.
RUN npm run build \
  && npm prune --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund \
  && node -e "require('better-sqlite3')(':memory:').close()"

# Runtime stage: production dependencies and the build output only, run as user 10001.
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
RUN groupadd --system --gid 10001 gatehouse \
  && useradd --system --uid 10001 --gid gatehouse --home-dir /app --no-create-home \
    --shell /usr/sbin/nologin gatehouse
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
COPY --from=build /app/prisma/sqlite/migrations ./prisma/sqlite/migrations
COPY --from=build /app/prisma/postgresql/migrations ./prisma/postgresql/migrations
# The default SQLite database goes to /app/data; Kubernetes mounts a volume there.
RUN ln -s /app/bin/gatehouse.js /usr/local/bin/gatehouse \
  && mkdir /app/data \
  && chown gatehouse:gatehouse /app/data
USER 10001:10001
EXPOSE 4433 4434
HEALTHCHECK --interval=30s --timeout=3s --start-period=30s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:4434/health/alive').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["gatehouse"]
CMD ["serve"]
