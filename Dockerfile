# Weft as an image: build the workspace, pack the @weft packages (as `npm pack` publishes them),
# install the tarballs the way a user would (no source tree in the image), and run that install.
#   docker build -t weft .
#   docker run -p 8288:8288 -e WEFT_SIGNING_KEY=… -e WEFT_EVENT_KEY=… -e WEFT_API_TOKEN=… weft start --db postgres://…
# compose.yaml runs it with Postgres, Redis and three engine processes.

# 1. Build: TypeScript (tsc -b) and the dashboard (Vite), then one tarball per package.
FROM node:20-bookworm AS build
WORKDIR /src
COPY . .
RUN npm ci --no-audit --no-fund \
 && npm run build \
 && node scripts/pack-install-test.mjs --no-build --pack-to /packs

# 2. Install the tarballs into an empty folder; better-sqlite3 builds here (python3, make, g++ are in this image).
FROM node:20-bookworm AS install
WORKDIR /opt/weft
COPY --from=build /packs /packs
RUN echo '{ "name": "weft-install", "private": true }' > package.json \
 && npm install --omit=dev --no-audit --no-fund /packs/*.tgz \
 && rm -rf /root/.npm

# 3. Runtime: the installed packages only, as the unprivileged node user.
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production PATH=/opt/weft/node_modules/.bin:$PATH
COPY --from=install /opt/weft /opt/weft
WORKDIR /data
RUN chown node:node /data
USER node
EXPOSE 8288
HEALTHCHECK --interval=10s --timeout=3s CMD node -e "fetch('http://127.0.0.1:8288/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["weft"]
CMD ["start", "--host", "0.0.0.0"]
