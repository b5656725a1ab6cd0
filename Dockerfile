# syntax=docker/dockerfile:1
#
# Build:  docker build --build-arg VERSION="$(git describe --tags --always)" -t lastactive .
# Run:    docker run --rm --env-file deploy/lastactive.env -p 8080:8080 lastactive
#
# Credentials reach the container only at run time (--env-file, a Kubernetes
# Secret): no ARG or ENV here carries one, so no layer or build record can leak it.

FROM golang:1.26-bookworm AS build
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

# distroless static: CA certificates, tzdata and a nonroot user (65532), no
# shell and no package manager, which is all a static Go binary needs.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/lastactive /lastactive
# Numeric, so that Kubernetes' runAsNonRoot can verify it without /etc/passwd.
USER 65532:65532
# Health (/healthz, /readyz) and metrics (/metrics); LASTACTIVE_HTTP_ADDR.
EXPOSE 8080
ENTRYPOINT ["/lastactive"]
CMD ["serve"]
