// Package deploy holds no code: its tests check the packaging in the root of
// the repository (Dockerfile, .dockerignore) and the deployment files in this
// folder (the Kubernetes base and its ha overlay, compose file, env example,
// Slack app manifest) and the deploy parts of the root README. kube-score runs
// as a separate binary (KUBE_SCORE, installed by .ci/run).
//
// It is a module of its own so that the heavy test-only dependencies
// (BuildKit's parser, kustomize, the Kubernetes API types) never enter the
// bot's go.mod. It must not import the root module: it reads its files.
package deploy
