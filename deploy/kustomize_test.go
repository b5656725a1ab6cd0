package deploy

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer/json"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"
)

const kustomizeDir = "kubernetes"

// rendered is the base after `kustomize build`, decoded into API types.
type rendered struct {
	deployments     []*appsv1.Deployment
	services        []*corev1.Service
	pdbs            []*policyv1.PodDisruptionBudget
	netpols         []*networkingv1.NetworkPolicy
	configMaps      []*corev1.ConfigMap
	secrets         []*corev1.Secret
	serviceAccounts []*corev1.ServiceAccount
}

// strictDecoder rejects unknown and duplicate fields, as `kubectl apply
// --validate=strict` would: a misspelt field would otherwise be dropped
// silently and, say, a securityContext setting would just not be there.
func strictDecoder() runtime.Decoder {
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{
		appsv1.AddToScheme, corev1.AddToScheme, policyv1.AddToScheme, networkingv1.AddToScheme,
	} {
		if err := add(scheme); err != nil {
			panic(err)
		}
	}
	return json.NewSerializerWithOptions(json.DefaultMetaFactory, scheme, scheme,
		json.SerializerOptions{Yaml: true, Strict: true})
}

func renderBase(t *testing.T) rendered {
	t.Helper()
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	m, err := k.Run(filesys.MakeFsOnDisk(), kustomizeDir)
	if err != nil {
		t.Fatalf("kustomize build %s: %v", kustomizeDir, err)
	}
	dec := strictDecoder()
	var r rendered
	for _, res := range m.Resources() {
		b, err := res.AsYAML()
		if err != nil {
			t.Fatal(err)
		}
		obj, _, err := dec.Decode(b, nil, nil)
		if err != nil {
			t.Errorf("%s: %v", res.CurId(), err)
			continue
		}
		switch o := obj.(type) {
		case *appsv1.Deployment:
			r.deployments = append(r.deployments, o)
		case *corev1.Service:
			r.services = append(r.services, o)
		case *policyv1.PodDisruptionBudget:
			r.pdbs = append(r.pdbs, o)
		case *networkingv1.NetworkPolicy:
			r.netpols = append(r.netpols, o)
		case *corev1.ConfigMap:
			r.configMaps = append(r.configMaps, o)
		case *corev1.Secret:
			r.secrets = append(r.secrets, o)
		case *corev1.ServiceAccount:
			r.serviceAccounts = append(r.serviceAccounts, o)
		default:
			t.Errorf("%s: unexpected kind %T in the base", res.CurId(), obj)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	return r
}

func (r rendered) deepCopy() rendered {
	var c rendered
	for _, o := range r.deployments {
		c.deployments = append(c.deployments, o.DeepCopy())
	}
	for _, o := range r.services {
		c.services = append(c.services, o.DeepCopy())
	}
	for _, o := range r.pdbs {
		c.pdbs = append(c.pdbs, o.DeepCopy())
	}
	for _, o := range r.netpols {
		c.netpols = append(c.netpols, o.DeepCopy())
	}
	for _, o := range r.configMaps {
		c.configMaps = append(c.configMaps, o.DeepCopy())
	}
	for _, o := range r.secrets {
		c.secrets = append(c.secrets, o.DeepCopy())
	}
	for _, o := range r.serviceAccounts {
		c.serviceAccounts = append(c.serviceAccounts, o.DeepCopy())
	}
	return c
}

// problems collects what is wrong with a rendered base; one function so that
// the mutation test below can show each check firing.
type problems []string

func (p *problems) addf(format string, a ...any) { *p = append(*p, fmt.Sprintf(format, a...)) }

func checkBase(r rendered) problems {
	var p problems
	if len(r.deployments) != 1 || len(r.services) != 1 || len(r.pdbs) != 1 || len(r.netpols) != 1 {
		p.addf("want one each of Deployment, Service, PodDisruptionBudget, NetworkPolicy; got %d, %d, %d, %d",
			len(r.deployments), len(r.services), len(r.pdbs), len(r.netpols))
		return p
	}
	d := r.deployments[0]
	podLabels := labels.Set(d.Spec.Template.Labels)
	checkDeployment(&p, d, r)
	checkSecrets(&p, r)

	selects := func(what string, sel map[string]string) {
		if len(sel) == 0 {
			p.addf("%s: empty selector matches every pod in the namespace", what)
		} else if !labels.SelectorFromSet(sel).Matches(podLabels) {
			p.addf("%s: selector %v does not match the pods %v", what, sel, podLabels)
		}
	}

	pdb := r.pdbs[0]
	if pdb.Spec.MinAvailable == nil || *pdb.Spec.MinAvailable != intstr.FromInt32(1) {
		p.addf("PodDisruptionBudget: minAvailable = %v, want 1", pdb.Spec.MinAvailable)
	}
	if pdb.Spec.Selector == nil {
		p.addf("PodDisruptionBudget: no selector")
	} else {
		selects("PodDisruptionBudget", pdb.Spec.Selector.MatchLabels)
	}

	checkNetworkPolicy(&p, r.netpols[0])
	selects("NetworkPolicy", r.netpols[0].Spec.PodSelector.MatchLabels)

	svc := r.services[0]
	selects("Service", svc.Spec.Selector)
	if len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].Port != 8080 || svc.Spec.Ports[0].Name != "http" ||
		(svc.Spec.Ports[0].TargetPort != intstr.FromString("http") && svc.Spec.Ports[0].TargetPort != intstr.FromInt32(8080)) {
		p.addf("Service: ports = %+v, want http 8080 -> http", svc.Spec.Ports)
	}
	for k, want := range map[string]string{
		"prometheus.io/scrape": "true",
		"prometheus.io/port":   "8080",
		"prometheus.io/path":   "/metrics",
	} {
		if got := svc.Annotations[k]; got != want {
			p.addf("Service: annotation %s = %q, want %q", k, got, want)
		}
	}

	for _, sa := range r.serviceAccounts {
		if sa.AutomountServiceAccountToken == nil || *sa.AutomountServiceAccountToken {
			p.addf("ServiceAccount %s mounts an API token the bot never uses", sa.Name)
		}
	}
	return p
}

func checkDeployment(p *problems, d *appsv1.Deployment, r rendered) {
	if d.Spec.Replicas == nil || *d.Spec.Replicas != 2 {
		p.addf("Deployment: replicas = %v, want 2", d.Spec.Replicas)
	}
	if d.Spec.Selector == nil || !labels.SelectorFromSet(d.Spec.Selector.MatchLabels).Matches(labels.Set(d.Spec.Template.Labels)) {
		p.addf("Deployment: selector does not match its pod template")
	}
	pod := d.Spec.Template.Spec
	if g := pod.TerminationGracePeriodSeconds; g == nil || *g < 15 {
		p.addf("Deployment: terminationGracePeriodSeconds = %v, want >= 15 (the bot needs 10 s to drain)", g)
	}
	if pod.AutomountServiceAccountToken == nil || *pod.AutomountServiceAccountToken {
		p.addf("Deployment: pod mounts a service account token")
	}
	if psc := pod.SecurityContext; psc == nil {
		p.addf("Deployment: no pod securityContext")
	} else {
		if psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot {
			p.addf("pod securityContext: runAsNonRoot not true")
		}
		if psc.RunAsUser == nil || *psc.RunAsUser != 65532 {
			p.addf("pod securityContext: runAsUser = %v, want 65532", psc.RunAsUser)
		}
		if psc.SeccompProfile == nil || psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
			p.addf("pod securityContext: seccompProfile is not RuntimeDefault")
		}
	}
	if len(pod.Containers) != 1 {
		p.addf("Deployment: want one container, got %d", len(pod.Containers))
		return
	}
	c := pod.Containers[0]

	var httpPort int32
	for _, cp := range c.Ports {
		if cp.Name == "http" {
			httpPort = cp.ContainerPort
		}
	}
	if httpPort != 8080 {
		p.addf("container: port named http = %d, want 8080", httpPort)
	}
	probe := func(name string, pr *corev1.Probe, path string) {
		switch {
		case pr == nil || pr.HTTPGet == nil:
			p.addf("container: no HTTP %s probe", name)
		case pr.HTTPGet.Path != path:
			p.addf("container: %s probe path = %q, want %q", name, pr.HTTPGet.Path, path)
		case pr.HTTPGet.Port != intstr.FromString("http") && pr.HTTPGet.Port != intstr.FromInt32(8080):
			p.addf("container: %s probe port = %s, want http (8080)", name, pr.HTTPGet.Port.String())
		}
	}
	probe("liveness", c.LivenessProbe, "/healthz")
	probe("readiness", c.ReadinessProbe, "/readyz")

	req, lim := c.Resources.Requests, c.Resources.Limits
	for _, name := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		if q, ok := req[name]; !ok || q.IsZero() {
			p.addf("container: no %s request", name)
		}
	}
	if q, ok := lim[corev1.ResourceMemory]; !ok || q.Cmp(req[corev1.ResourceMemory]) < 0 {
		p.addf("container: memory limit %v missing or below the request", lim.Memory())
	}
	if _, ok := lim[corev1.ResourceCPU]; ok {
		p.addf("container: CPU limit set; throttling would delay the 3-second Slack ack")
	}

	if sc := c.SecurityContext; sc == nil {
		p.addf("container: no securityContext")
	} else {
		if sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot {
			p.addf("container securityContext: runAsNonRoot not true")
		}
		if sc.RunAsUser == nil || *sc.RunAsUser != 65532 {
			p.addf("container securityContext: runAsUser = %v, want 65532", sc.RunAsUser)
		}
		if sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
			p.addf("container securityContext: readOnlyRootFilesystem not true")
		}
		if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
			p.addf("container securityContext: allowPrivilegeEscalation not false")
		}
		if sc.Capabilities == nil || !slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) || len(sc.Capabilities.Add) > 0 {
			p.addf("container securityContext: capabilities must drop ALL and add none")
		}
		if sc.SeccompProfile == nil || sc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
			p.addf("container securityContext: seccompProfile is not RuntimeDefault")
		}
	}

	// Credentials come from the Secret named lastactive; everything else
	// from a ConfigMap this base renders, and only under names the bot reads.
	var secretRef, configRef string
	for _, ef := range c.EnvFrom {
		if ef.SecretRef != nil {
			secretRef = ef.SecretRef.Name
		}
		if ef.ConfigMapRef != nil {
			configRef = ef.ConfigMapRef.Name
		}
	}
	if secretRef != "lastactive" {
		p.addf("container: envFrom secretRef = %q, want the Secret named lastactive", secretRef)
	}
	var cm *corev1.ConfigMap
	for _, m := range r.configMaps {
		if m.Name == configRef {
			cm = m
		}
	}
	if cm == nil {
		p.addf("container: envFrom configMapRef %q is not a ConfigMap of this base", configRef)
	} else {
		for k := range cm.Data {
			if !contractEnv[k] {
				p.addf("ConfigMap %s: %s is not a variable lastactive reads", cm.Name, k)
			}
			if secretLikeName.MatchString(k) {
				p.addf("ConfigMap %s: %s is a credential; it belongs in the Secret", cm.Name, k)
			}
		}
	}
	for _, e := range c.Env {
		if e.Value != "" && secretLikeName.MatchString(e.Name) {
			p.addf("container: env %s has a literal value; credentials belong in the Secret", e.Name)
		}
	}
}

// checkSecrets: the base may generate a Secret only with placeholder values;
// real credentials are created in the cluster, never committed.
func checkSecrets(p *problems, r rendered) {
	for _, s := range r.secrets {
		for k, v := range s.Data {
			if !isPlaceholder(string(v)) {
				p.addf("Secret %s: %s holds a value that is not a placeholder", s.Name, k)
			}
		}
		for k, v := range s.StringData {
			if !isPlaceholder(v) {
				p.addf("Secret %s: %s holds a value that is not a placeholder", s.Name, k)
			}
		}
	}
}

func isPlaceholder(v string) bool {
	return strings.Contains(strings.ToUpper(v), "REPLACE-ME")
}

type portKey struct {
	proto corev1.Protocol
	port  int32
}

// rulePorts returns the ports a set of rules allows; a rule with no ports
// allows every port, which is reported as nil, ok=false.
func rulePorts(portsOf [][]networkingv1.NetworkPolicyPort) (set map[portKey]bool, ok bool) {
	set = map[portKey]bool{}
	for _, ports := range portsOf {
		if len(ports) == 0 {
			return nil, false
		}
		for _, pp := range ports {
			proto := corev1.ProtocolTCP
			if pp.Protocol != nil {
				proto = *pp.Protocol
			}
			if pp.Port == nil || pp.EndPort != nil || pp.Port.Type != intstr.Int {
				return nil, false
			}
			set[portKey{proto, pp.Port.IntVal}] = true
		}
	}
	return set, true
}

func checkNetworkPolicy(p *problems, np *networkingv1.NetworkPolicy) {
	if !slices.Contains(np.Spec.PolicyTypes, networkingv1.PolicyTypeIngress) || !slices.Contains(np.Spec.PolicyTypes, networkingv1.PolicyTypeEgress) {
		p.addf("NetworkPolicy: policyTypes = %v, want Ingress and Egress", np.Spec.PolicyTypes)
	}
	var egress, ingress [][]networkingv1.NetworkPolicyPort
	for _, r := range np.Spec.Egress {
		egress = append(egress, r.Ports)
	}
	for _, r := range np.Spec.Ingress {
		ingress = append(ingress, r.Ports)
	}
	want := map[portKey]bool{{corev1.ProtocolTCP, 443}: true, {corev1.ProtocolUDP, 53}: true, {corev1.ProtocolTCP, 53}: true}
	if got, ok := rulePorts(egress); !ok || len(egress) == 0 || !mapsEqual(got, want) {
		p.addf("NetworkPolicy: egress allows %v (all ports if false: %v), want exactly TCP 443, UDP 53, TCP 53", got, ok)
	}
	want = map[portKey]bool{{corev1.ProtocolTCP, 8080}: true}
	if got, ok := rulePorts(ingress); !ok || len(ingress) == 0 || !mapsEqual(got, want) {
		p.addf("NetworkPolicy: ingress allows %v (all ports if false: %v), want exactly TCP 8080", got, ok)
	}
}

func mapsEqual[K comparable](a, b map[K]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if !b[k] {
			return false
		}
	}
	return true
}

func TestKustomizeBase(t *testing.T) {
	r := renderBase(t)
	for _, msg := range checkBase(r) {
		t.Error(msg)
	}
}

// TestKustomizeChecksCatch breaks the rendered base one way at a time and
// expects checkBase to notice, so a passing TestKustomizeBase means something.
func TestKustomizeChecksCatch(t *testing.T) {
	base := renderBase(t)
	ptr := func(v int32) *int32 { return &v }
	udp := corev1.ProtocolUDP
	for _, tc := range []struct {
		name   string
		mutate func(r *rendered)
		want   string
	}{
		{"one replica", func(r *rendered) { r.deployments[0].Spec.Replicas = ptr(1) }, "replicas"},
		{"liveness on /readyz", func(r *rendered) {
			r.deployments[0].Spec.Template.Spec.Containers[0].LivenessProbe.HTTPGet.Path = "/readyz"
		}, "liveness probe path"},
		{"no readiness", func(r *rendered) { r.deployments[0].Spec.Template.Spec.Containers[0].ReadinessProbe = nil }, "readiness probe"},
		{"writable root", func(r *rendered) {
			f := false
			r.deployments[0].Spec.Template.Spec.Containers[0].SecurityContext.ReadOnlyRootFilesystem = &f
		}, "readOnlyRootFilesystem"},
		{"root user", func(r *rendered) {
			var root int64
			r.deployments[0].Spec.Template.Spec.SecurityContext.RunAsUser = &root
		}, "pod securityContext: runAsUser"},
		{"cpu limit", func(r *rendered) {
			r.deployments[0].Spec.Template.Spec.Containers[0].Resources.Limits[corev1.ResourceCPU] = resource.MustParse("100m")
		}, "CPU limit"},
		{"no memory limit", func(r *rendered) {
			delete(r.deployments[0].Spec.Template.Spec.Containers[0].Resources.Limits, corev1.ResourceMemory)
		}, "memory limit"},
		{"short grace", func(r *rendered) {
			g := int64(5)
			r.deployments[0].Spec.Template.Spec.TerminationGracePeriodSeconds = &g
		}, "terminationGracePeriodSeconds"},
		{"other secret", func(r *rendered) {
			for _, ef := range r.deployments[0].Spec.Template.Spec.Containers[0].EnvFrom {
				if ef.SecretRef != nil {
					ef.SecretRef.Name = "other"
				}
			}
		}, "secretRef"},
		{"token in configmap", func(r *rendered) { r.configMaps[0].Data["SLACK_BOT_TOKEN"] = "x" }, "belongs in the Secret"},
		{"typo in configmap", func(r *rendered) { r.configMaps[0].Data["LASTACTIVE_CACHETTL"] = "1h" }, "not a variable"},
		{"committed secret", func(r *rendered) {
			r.secrets = append(r.secrets, &corev1.Secret{Data: map[string][]byte{"SLACK_BOT_TOKEN": []byte("xoxb-1-real")}})
		}, "not a placeholder"},
		{"pdb zero", func(r *rendered) { v := intstr.FromInt32(0); r.pdbs[0].Spec.MinAvailable = &v }, "minAvailable"},
		{"pdb selects all", func(r *rendered) { r.pdbs[0].Spec.Selector.MatchLabels = nil }, "empty selector"},
		{"egress all ports", func(r *rendered) {
			r.netpols[0].Spec.Egress = append(r.netpols[0].Spec.Egress, networkingv1.NetworkPolicyEgressRule{})
		}, "egress"},
		{"egress extra port", func(r *rendered) {
			p := intstr.FromInt32(5432)
			r.netpols[0].Spec.Egress[0].Ports = append(r.netpols[0].Spec.Egress[0].Ports, networkingv1.NetworkPolicyPort{Port: &p})
		}, "egress"},
		{"dns tcp only", func(r *rendered) {
			p := intstr.FromInt32(53)
			r.netpols[0].Spec.Egress = []networkingv1.NetworkPolicyEgressRule{r.netpols[0].Spec.Egress[0], {Ports: []networkingv1.NetworkPolicyPort{{Protocol: &udp, Port: &p}}}}
		}, "egress"},
		{"ingress all", func(r *rendered) { r.netpols[0].Spec.Ingress = []networkingv1.NetworkPolicyIngressRule{{}} }, "ingress"},
		{"no scrape", func(r *rendered) { delete(r.services[0].Annotations, "prometheus.io/scrape") }, "prometheus.io/scrape"},
		{"service port", func(r *rendered) { r.services[0].Spec.Ports[0].Port = 80 }, "Service: ports"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := base.deepCopy()
			tc.mutate(&r)
			got := checkBase(r)
			for _, msg := range got {
				if strings.Contains(msg, tc.want) {
					return
				}
			}
			t.Errorf("checkBase did not report %q; it reported %q", tc.want, got)
		})
	}
}

// TestStrictDecoderRejectsUnknownFields: the strictness the base relies on.
func TestStrictDecoderRejectsUnknownFields(t *testing.T) {
	doc := `apiVersion: apps/v1
kind: Deployment
metadata: {name: x}
spec:
  template:
    spec:
      containers:
        - name: x
          securityContext: {readOnlyRootFileSystem: true}
`
	if _, _, err := strictDecoder().Decode([]byte(doc), nil, nil); err == nil {
		t.Error("a misspelt securityContext field decoded without error")
	}
}

// TestServiceMonitorExample: the example stays out of the base (it needs the
// Prometheus Operator's CRD) but must work once uncommented.
func TestServiceMonitorExample(t *testing.T) {
	raw := readFile(t, kustomizeDir+"/servicemonitor.example.yaml")
	kust := string(readFile(t, kustomizeDir+"/kustomization.yaml"))
	for _, line := range strings.Split(kust, "\n") {
		if l := strings.TrimSpace(line); strings.HasPrefix(l, "- ") && strings.Contains(l, "servicemonitor") {
			t.Errorf("kustomization.yaml lists the ServiceMonitor example: %s", l)
		}
	}
	var body []string
	inDoc := false
	for _, line := range strings.Split(string(raw), "\n") {
		if strings.HasPrefix(line, "# apiVersion:") {
			inDoc = true
		}
		if inDoc {
			body = append(body, strings.TrimPrefix(strings.TrimPrefix(line, "#"), " "))
		}
	}
	var sm struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
		Metadata   struct {
			Name   string            `json:"name"`
			Labels map[string]string `json:"labels"`
		} `json:"metadata"`
		Spec struct {
			Selector struct {
				MatchLabels map[string]string `json:"matchLabels"`
			} `json:"selector"`
			Endpoints []struct {
				Port     string `json:"port"`
				Path     string `json:"path"`
				Interval string `json:"interval"`
			} `json:"endpoints"`
		} `json:"spec"`
	}
	if err := yaml.UnmarshalStrict([]byte(strings.Join(body, "\n")), &sm); err != nil {
		t.Fatalf("uncommented ServiceMonitor example: %v", err)
	}
	if sm.APIVersion != "monitoring.coreos.com/v1" || sm.Kind != "ServiceMonitor" {
		t.Errorf("example is %s %s, want monitoring.coreos.com/v1 ServiceMonitor", sm.APIVersion, sm.Kind)
	}
	svc := renderBase(t).services[0]
	if len(sm.Spec.Selector.MatchLabels) == 0 || !labels.SelectorFromSet(sm.Spec.Selector.MatchLabels).Matches(labels.Set(svc.Labels)) {
		t.Errorf("ServiceMonitor selector %v does not match the Service labels %v", sm.Spec.Selector.MatchLabels, svc.Labels)
	}
	if len(sm.Spec.Endpoints) != 1 || sm.Spec.Endpoints[0].Port != svc.Spec.Ports[0].Name || sm.Spec.Endpoints[0].Path != "/metrics" {
		t.Errorf("ServiceMonitor endpoints %+v, want port %q path /metrics", sm.Spec.Endpoints, svc.Spec.Ports[0].Name)
	}
}
