package deploy

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// kubeScoreKubernetesVersion is the oldest Kubernetes the manifests are
// meant for: unhealthyPodEvictionPolicy is GA in 1.31 (beta and on by
// default since 1.27).
const kubeScoreKubernetesVersion = "v1.31"

// kubeScoreBinary is kube-score v1.20.0, installed by .ci/run with
//
//	GOBIN=$PWD/bin go install github.com/zegl/kube-score/cmd/kube-score@v1.20.0
//
// and passed in KUBE_SCORE. It cannot be a library import of this module:
// kube-score v1.20.0 imports k8s.io/api/autoscaling/v2beta1, which the
// k8s.io/api that kustomize needs no longer has. Without KUBE_SCORE the
// tests skip, except under CI=true, where they fail: a CI that silently
// stopped running kube-score would let a regression through.
func kubeScoreBinary(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("KUBE_SCORE"); p != "" {
		return p
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("KUBE_SCORE is not set under CI=true: .ci/run installs kube-score and sets it")
	}
	t.Skip("KUBE_SCORE is not set: see .ci/run for how to install kube-score v1.20.0")
	return ""
}

// kustomizeYAML renders a kustomization to one multi-document YAML stream,
// what `kustomize build DIR` prints.
func kustomizeYAML(t *testing.T, dir string) []byte {
	t.Helper()
	m, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		t.Fatalf("kustomize build %s: %v", dir, err)
	}
	b, err := m.AsYaml()
	if err != nil {
		t.Fatalf("kustomize build %s: %v", dir, err)
	}
	return b
}

// kubeScore runs `kube-score score` with its default checks over a YAML
// stream and returns its WARNING and CRITICAL lines. Checks a manifest
// ignores with a kube-score/ignore annotation come back as SKIPPED, not here.
func kubeScore(t *testing.T, bin string, manifests []byte) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "score", "--output-format", "ci",
		"--kubernetes-version", kubeScoreKubernetesVersion, "-")
	cmd.Stdin = bytes.NewReader(manifests)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	// Exit code 1 means a CRITICAL finding, which the lines below report.
	if ee, ok := err.(*exec.ExitError); err != nil && !(ok && ee.ExitCode() == 1) {
		t.Fatalf("kube-score: %v\n%s", err, stderr.Bytes())
	}
	var findings []string
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if l := sc.Text(); strings.HasPrefix(l, "[WARNING]") || strings.HasPrefix(l, "[CRITICAL]") {
			findings = append(findings, l)
		}
	}
	if len(out) == 0 {
		t.Fatalf("kube-score printed nothing\n%s", stderr.Bytes())
	}
	return findings
}

// TestKubeScore: kube-score finds nothing in the rendered base and ha
// overlay beyond the checks the manifests ignore, each with its reason in a
// comment next to the kube-score/ignore annotation.
func TestKubeScore(t *testing.T) {
	bin := kubeScoreBinary(t)
	for _, dir := range []string{kustomizeDir, haDir} {
		t.Run(dir, func(t *testing.T) {
			for _, f := range kubeScore(t, bin, kustomizeYAML(t, dir)) {
				t.Error(f)
			}
		})
	}
}

// TestKubeScoreCatches: a clean TestKubeScore means something only if
// kube-score really reads the rendered manifests: break them and it reports.
func TestKubeScoreCatches(t *testing.T) {
	bin := kubeScoreBinary(t)
	base := kustomizeYAML(t, kustomizeDir)
	for _, tc := range []struct {
		name, old, new, want string
	}{
		{"ignore annotation removed", "kube-score/ignore:", "kube-score/not-ignored:", "Deployment few replicas"},
		{"writable root", "readOnlyRootFilesystem: true", "readOnlyRootFilesystem: false", "writable root filesystem"},
		{"no network policy", "kind: NetworkPolicy", "kind: NetworkPolicyX", "matching NetworkPolicy"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !bytes.Contains(base, []byte(tc.old)) {
				t.Fatalf("rendered base has no %q to break", tc.old)
			}
			got := kubeScore(t, bin, bytes.ReplaceAll(base, []byte(tc.old), []byte(tc.new)))
			if !slices.ContainsFunc(got, func(f string) bool { return strings.Contains(strings.ToLower(f), strings.ToLower(tc.want)) }) {
				t.Errorf("kube-score did not report %s; it reported %q", tc.want, got)
			}
		})
	}
}
