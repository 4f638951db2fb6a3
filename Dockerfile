# Caduceus: production image. Node 24 LTS; the build stage compiles TypeScript, the runtime
# stage carries only production dependencies and runs as an unprivileged user.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY migrations ./migrations
COPY console ./console
RUN npm run build && npm prune --omit=dev

FROM node:24-bookworm-slim
ENV NODE_ENV=production PORT=3000 DATA_DIR=/var/lib/caduceus
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
RUN mkdir -p /var/lib/caduceus && chown node:node /var/lib/caduceus
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --retries=3 CMD node -e "fetch('http://127.0.0.1:'+process.env.PORT+'/health/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
STOPSIGNAL SIGTERM
# The same allocator setting and V8 flags as `npm run start:prod` (package.json; README "Memory").
ENV MALLOC_ARENA_MAX=2
CMD ["node", "--max-semi-space-size=2", "--heap-growing-percent=50", "--liftoff-only", "dist/src/main.js"]
