# syntax=docker/dockerfile:1
#
# Build:  docker build --build-arg VERSION="$(git describe --tags --always)" -t lastactive .
# Run:    docker run --rm --env-file deploy/lastactive.env -v lastactive-data:/data -p 127.0.0.1:8080:8080 --stop-timeout 15 lastactive
#         (the named volume keeps the SQLite database, which --rm would
#         delete with the container; the health port stays on loopback; the
#         bot may drain for 10 s, Docker's default wait before SIGKILL)
#
# Credentials reach the container only at run time (--env-file, a Kubernetes
# Secret): no ARG or ENV here carries one, so no layer or build record can leak it.

# Base images are pinned by digest, so a rebuild of the same commit uses the
# same bases, whatever the tags point at by then. The tag stays for readers
# and for bumping. To bump (e.g. monthly, or for a Go or Debian security fix):
#   docker buildx imagetools inspect golang:1.26.8-bookworm          # or: crane digest ...
#   docker buildx imagetools inspect gcr.io/distroless/static-debian12:nonroot
# and replace the sha256 after the @ with the "Digest:" printed (the digest of
# the multi-platform index, not of one platform's manifest). Keep the Go
# version at least the one in go.mod. deploy/dockerfile_test.go refuses an
# image without a digest.
FROM golang:1.26.8-bookworm@sha256:a688600ca24f8a4d3ca77f95b0dd40704a9fc787c826660eb7ba0b641b8b175d AS build
WORKDIR /src
# GOTOOLCHAIN=local: the image's Go builds the module; a toolchain download in
# the middle of a build would make the result depend on the network.
# -buildvcs=false: .git is not in the build context (see .dockerignore), as in CI.
ENV GOTOOLCHAIN=local \
    GOFLAGS=-buildvcs=false
# Modules first, so that a source change reuses the downloaded-modules layer.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
# Keep this line identical to the one in .ci/run except for the version and the
# output path: deploy/dockerfile_test.go compares them.
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w -X main.version=${VERSION}" -o /out/lastactive ./cmd/lastactive
# An empty /data for the final image, which has no shell to make one.
RUN mkdir -p /out/data

# distroless static: CA certificates, tzdata and a nonroot user (65532), no
# shell and no package manager, which is all a static Go binary needs.
FROM gcr.io/distroless/static-debian12:nonroot@sha256:afa5c872c891853ca7fcf1f12c3edb23f7eeef36189728842dd51042ff57f7ab
COPY --from=build /out/lastactive /lastactive
# The SQLite database lives in /data, owned by the bot's user. Mount a volume
# there to keep it: Docker fills a new named volume from the image, ownership
# included, so compose's volume is writable by 65532 as it is; Kubernetes
# gives the PersistentVolumeClaim to group 65532 through fsGroup. Without a
# volume it is the container's own layer (gone with the container).
COPY --from=build --chown=65532:65532 /out/data /data
# The default database; the env file or the Deployment may point it elsewhere
# (postgres://... for several replicas).
ENV LASTACTIVE_DATABASE_URL=sqlite:/data/lastactive.db
# Numeric, so that Kubernetes' runAsNonRoot can verify it without /etc/passwd.
USER 65532:65532
# Health (/healthz, /readyz) and metrics (/metrics); LASTACTIVE_HTTP_ADDR.
EXPOSE 8080
# `docker run` reports health as compose does (deploy/compose.yaml): the image
# has no shell or curl, so the binary GETs its own /healthz on
# LASTACTIVE_HTTP_ADDR (3 s deadline) and exits 0 or 1. Kubernetes ignores
# this and uses its own probes.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 CMD ["/lastactive", "healthcheck"]
ENTRYPOINT ["/lastactive"]
CMD ["serve"]
