package deploy

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
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

// kustomizeDir is what `kubectl apply -k deploy/kubernetes` builds (the base,
// one replica on SQLite); haDir is the overlay with two replicas on PostgreSQL.
const (
	kustomizeDir = "kubernetes"
	haDir        = "kubernetes/ha"
)

// sqliteURL is the database the base gives the bot: a file on its volume.
const sqliteURL = "sqlite:/data/lastactive.db"

// rendered is a kustomization after `kustomize build`, decoded into API types.
type rendered struct {
	ha              bool
	deployments     []*appsv1.Deployment
	services        []*corev1.Service
	pdbs            []*policyv1.PodDisruptionBudget
	netpols         []*networkingv1.NetworkPolicy
	configMaps      []*corev1.ConfigMap
	secrets         []*corev1.Secret
	serviceAccounts []*corev1.ServiceAccount
	pvcs            []*corev1.PersistentVolumeClaim
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

func renderBase(t *testing.T) rendered { t.Helper(); return render(t, kustomizeDir) }

func renderHA(t *testing.T) rendered { t.Helper(); return render(t, haDir) }

func render(t *testing.T, dir string) rendered {
	t.Helper()
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	m, err := k.Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		t.Fatalf("kustomize build %s: %v", dir, err)
	}
	dec := strictDecoder()
	r := rendered{ha: dir == haDir}
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
		case *corev1.PersistentVolumeClaim:
			r.pvcs = append(r.pvcs, o)
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
	c := rendered{ha: r.ha}
	for _, o := range r.pvcs {
		c.pvcs = append(c.pvcs, o.DeepCopy())
	}
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

// checkBase checks a rendered kustomization: the base (r.ha false) or the ha
// overlay (r.ha true).
func checkBase(r rendered) problems {
	var p problems
	wantPDBs, wantPVCs := 0, 1
	if r.ha {
		wantPDBs, wantPVCs = 1, 0
	}
	if len(r.deployments) != 1 || len(r.services) != 1 || len(r.pdbs) != wantPDBs || len(r.netpols) != 1 || len(r.pvcs) != wantPVCs {
		p.addf("want one each of Deployment, Service, NetworkPolicy, %d PodDisruptionBudget and %d PersistentVolumeClaim; got %d, %d, %d, %d, %d",
			wantPDBs, wantPVCs, len(r.deployments), len(r.services), len(r.netpols), len(r.pdbs), len(r.pvcs))
		return p
	}
	d := r.deployments[0]
	podLabels := labels.Set(d.Spec.Template.Labels)
	checkDeployment(&p, d, r)
	checkDatabase(&p, d, r)
	checkSecrets(&p, r)

	selects := func(what string, sel map[string]string) {
		if len(sel) == 0 {
			p.addf("%s: empty selector matches every pod in the namespace", what)
		} else if !labels.SelectorFromSet(sel).Matches(podLabels) {
			p.addf("%s: selector %v does not match the pods %v", what, sel, podLabels)
		}
	}

	for _, pdb := range r.pdbs {
		if pdb.Spec.MinAvailable == nil || *pdb.Spec.MinAvailable != intstr.FromInt32(1) {
			p.addf("PodDisruptionBudget: minAvailable = %v, want 1", pdb.Spec.MinAvailable)
		}
		// During a Slack outage every pod is unready; the default policy
		// (IfHealthyBudget) would then block node drains until Slack is back.
		if pol := pdb.Spec.UnhealthyPodEvictionPolicy; pol == nil || *pol != policyv1.AlwaysAllow {
			p.addf("PodDisruptionBudget: unhealthyPodEvictionPolicy = %v, want AlwaysAllow", pol)
		}
		if pdb.Spec.Selector == nil {
			p.addf("PodDisruptionBudget: no selector")
		} else {
			selects("PodDisruptionBudget", pdb.Spec.Selector.MatchLabels)
		}
	}

	checkNetworkPolicy(&p, r.netpols[0], r.ha)
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
	wantReplicas, wantStrategy := int32(1), appsv1.RecreateDeploymentStrategyType
	if r.ha {
		wantReplicas, wantStrategy = 2, appsv1.RollingUpdateDeploymentStrategyType
	}
	if d.Spec.Replicas == nil || *d.Spec.Replicas != wantReplicas {
		p.addf("Deployment: replicas = %v, want %d", d.Spec.Replicas, wantReplicas)
	}
	if d.Spec.Strategy.Type != wantStrategy {
		p.addf("Deployment: strategy = %q, want %q", d.Spec.Strategy.Type, wantStrategy)
	}
	if ru := d.Spec.Strategy.RollingUpdate; r.ha && (ru == nil || ru.MaxUnavailable == nil || ru.MaxUnavailable.IntValue() != 0) {
		p.addf("Deployment: rolling update must keep maxUnavailable 0, so a connected replica stays up")
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
	for _, name := range []corev1.ResourceName{corev1.ResourceEphemeralStorage} {
		if q, ok := lim[name]; !ok || q.Cmp(req[name]) < 0 {
			p.addf("container: %s limit missing or below the request", name)
		}
	}
	checkGoMemLimit(p, c)

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

// privateRanges are where the cluster lives (pods, services, nodes) and the
// cloud metadata endpoint: RFC 1918, shared address space (RFC 6598),
// link-local; for IPv6 unique local and link-local. HTTPS egress must except
// every one of them.
var privateRanges = []netip.Prefix{
	netip.MustParsePrefix("10.0.0.0/8"),
	netip.MustParsePrefix("172.16.0.0/12"),
	netip.MustParsePrefix("192.168.0.0/16"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("169.254.0.0/16"),
	netip.MustParsePrefix("fc00::/7"),
	netip.MustParsePrefix("fe80::/10"),
}

// postgresPort is the one egress the ha overlay adds (to its database).
var postgresPort = portKey{corev1.ProtocolTCP, 5432}

func checkNetworkPolicy(p *problems, np *networkingv1.NetworkPolicy, ha bool) {
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
	if ha {
		want[postgresPort] = true
	}
	if got, ok := rulePorts(egress); !ok || len(egress) == 0 || !mapsEqual(got, want) {
		p.addf("NetworkPolicy: egress allows %v (all ports if false: %v), want exactly %v", got, ok, want)
	}
	for i, rule := range np.Spec.Egress {
		ports, ok := rulePorts([][]networkingv1.NetworkPolicyPort{rule.Ports})
		if !ok {
			continue // reported above
		}
		if ha && mapsEqual(ports, map[portKey]bool{postgresPort: true}) {
			continue // the database: wherever the overlay's user puts it
		}
		dnsOnly := len(ports) > 0
		for k := range ports {
			dnsOnly = dnsOnly && k.port == 53
		}
		if len(rule.To) == 0 {
			p.addf("NetworkPolicy: egress rule %d (ports %v) has no `to`: it reaches the private ranges too", i, ports)
		}
		for _, peer := range rule.To {
			switch {
			case peer.IPBlock != nil:
				checkIPBlock(p, i, peer.IPBlock)
			case dnsOnly && peer.PodSelector != nil && peer.PodSelector.MatchLabels["k8s-app"] == "kube-dns" &&
				peer.NamespaceSelector != nil && peer.NamespaceSelector.MatchLabels["kubernetes.io/metadata.name"] == "kube-system":
				// the cluster DNS
			default:
				p.addf("NetworkPolicy: egress rule %d (ports %v) reaches in-cluster peers %+v; only DNS may go to kube-dns", i, ports, peer)
			}
		}
	}
	want = map[portKey]bool{{corev1.ProtocolTCP, 8080}: true}
	if got, ok := rulePorts(ingress); !ok || len(ingress) == 0 || !mapsEqual(got, want) {
		p.addf("NetworkPolicy: ingress allows %v (all ports if false: %v), want exactly TCP 8080", got, ok)
	}
}

// checkIPBlock: a block may include a private range only if it excepts it.
func checkIPBlock(p *problems, rule int, b *networkingv1.IPBlock) {
	cidr, err := netip.ParsePrefix(b.CIDR)
	if err != nil {
		p.addf("NetworkPolicy: egress rule %d: ipBlock %q: %v", rule, b.CIDR, err)
		return
	}
	for _, priv := range privateRanges {
		if !cidr.Overlaps(priv) {
			continue
		}
		excepted := false
		for _, e := range b.Except {
			ep, err := netip.ParsePrefix(e)
			excepted = excepted || (err == nil && ep.Bits() <= priv.Bits() && ep.Contains(priv.Addr()))
		}
		if !excepted {
			p.addf("NetworkPolicy: egress rule %d: ipBlock %s does not except the private range %s", rule, b.CIDR, priv)
		}
	}
}

// checkDatabase: the base keeps SQLite on its PersistentVolumeClaim, the ha
// overlay reads a PostgreSQL URL from a Secret and has no volume.
func checkDatabase(p *problems, d *appsv1.Deployment, r rendered) {
	pod := d.Spec.Template.Spec
	c := pod.Containers[0]
	var url *corev1.EnvVar
	for i := range c.Env {
		if c.Env[i].Name == "LASTACTIVE_DATABASE_URL" {
			url = &c.Env[i]
		}
	}
	claims := map[string]string{} // volume name -> claim
	for _, v := range pod.Volumes {
		if v.PersistentVolumeClaim != nil {
			claims[v.Name] = v.PersistentVolumeClaim.ClaimName
		}
	}
	if r.ha {
		if url == nil || url.Value != "" || url.ValueFrom == nil || url.ValueFrom.SecretKeyRef == nil {
			p.addf("ha: LASTACTIVE_DATABASE_URL must come from a Secret (secretKeyRef): it holds the password; got %+v", url)
		}
		if len(claims) > 0 {
			p.addf("ha: pods mount PersistentVolumeClaims %v; with PostgreSQL nothing is stored in the pods", claims)
		}
		return
	}
	if url == nil || url.Value != sqliteURL {
		p.addf("base: LASTACTIVE_DATABASE_URL = %+v, want %s", url, sqliteURL)
	}
	if psc := pod.SecurityContext; psc == nil || psc.FSGroup == nil || *psc.FSGroup != 65532 {
		p.addf("base: pod securityContext fsGroup is not 65532: the bot could not write to /data")
	}
	mounted := false
	for _, m := range c.VolumeMounts {
		if m.MountPath != "/data" {
			continue
		}
		claim, ok := claims[m.Name]
		switch {
		case !ok:
			p.addf("base: /data is volume %s, not a PersistentVolumeClaim: the database would not survive a restart", m.Name)
		case m.ReadOnly:
			p.addf("base: /data is mounted read-only")
		case !slices.ContainsFunc(r.pvcs, func(pvc *corev1.PersistentVolumeClaim) bool { return pvc.Name == claim }):
			p.addf("base: /data mounts claim %s, which the base does not render", claim)
		default:
			mounted = true
		}
	}
	if !mounted {
		p.addf("base: no writable PersistentVolumeClaim mounted at /data")
	}
	for _, pvc := range r.pvcs {
		if !slices.Equal(pvc.Spec.AccessModes, []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce}) {
			p.addf("base: PersistentVolumeClaim %s access modes %v, want [ReadWriteOnce] (SQLite is one process's file)", pvc.Name, pvc.Spec.AccessModes)
		}
		if q := pvc.Spec.Resources.Requests[corev1.ResourceStorage]; q.IsZero() {
			p.addf("base: PersistentVolumeClaim %s requests no storage", pvc.Name)
		}
	}
}

// goMemLimitBytes parses GOMEMLIMIT as the Go runtime does: a number of
// bytes with an optional B, KiB, MiB, GiB or TiB suffix.
func goMemLimitBytes(s string) (int64, bool) {
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40}, {"B", 1}} {
		if n, ok := strings.CutSuffix(s, u.suffix); ok {
			s, mult = n, u.mult
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, false
	}
	return n * mult, true
}

// checkGoMemLimit: GOMEMLIMIT at about 90% of the memory limit, so the GC
// works harder before the kernel's OOM killer does, with room for what the
// runtime does not count.
func checkGoMemLimit(p *problems, c corev1.Container) {
	limit, ok := c.Resources.Limits[corev1.ResourceMemory]
	if !ok {
		return // reported with the resources
	}
	var env *corev1.EnvVar
	for i := range c.Env {
		if c.Env[i].Name == "GOMEMLIMIT" {
			env = &c.Env[i]
		}
	}
	var bytes int64
	switch {
	case env == nil:
		p.addf("container: no GOMEMLIMIT")
		return
	case env.ValueFrom != nil && env.ValueFrom.ResourceFieldRef != nil:
		// The downward API writes ceil(limit / divisor) as a plain number,
		// which GOMEMLIMIT reads as bytes.
		div := int64(1)
		if d := env.ValueFrom.ResourceFieldRef.Divisor; !d.IsZero() {
			div = d.Value()
		}
		bytes = (limit.Value() + div - 1) / div
	default:
		b, ok := goMemLimitBytes(env.Value)
		if !ok {
			p.addf("container: GOMEMLIMIT = %q is not a size the Go runtime reads", env.Value)
			return
		}
		bytes = b
	}
	if ratio := float64(bytes) / float64(limit.Value()); ratio < 0.85 || ratio > 0.95 {
		p.addf("container: GOMEMLIMIT is %.0f%% of the memory limit %s, want about 90%%", ratio*100, limit.String())
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
	for _, msg := range checkBase(renderBase(t)) {
		t.Error(msg)
	}
}

func TestKustomizeHA(t *testing.T) {
	for _, msg := range checkBase(renderHA(t)) {
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
		{"two replicas", func(r *rendered) { r.deployments[0].Spec.Replicas = ptr(2) }, "replicas"},
		{"rolling update on sqlite", func(r *rendered) {
			r.deployments[0].Spec.Strategy.Type = appsv1.RollingUpdateDeploymentStrategyType
		}, "strategy"},
		{"database in the container", func(r *rendered) {
			c := &r.deployments[0].Spec.Template.Spec.Containers[0]
			c.Env = slices.DeleteFunc(c.Env, func(e corev1.EnvVar) bool { return e.Name == "LASTACTIVE_DATABASE_URL" })
		}, "LASTACTIVE_DATABASE_URL"},
		{"data on emptyDir", func(r *rendered) {
			for i, v := range r.deployments[0].Spec.Template.Spec.Volumes {
				if v.PersistentVolumeClaim != nil {
					r.deployments[0].Spec.Template.Spec.Volumes[i].VolumeSource = corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}
				}
			}
		}, "not a PersistentVolumeClaim"},
		{"no fsGroup", func(r *rendered) { r.deployments[0].Spec.Template.Spec.SecurityContext.FSGroup = nil }, "fsGroup"},
		{"pdb on one replica", func(r *rendered) { r.pdbs = append(r.pdbs, &policyv1.PodDisruptionBudget{}) }, "PodDisruptionBudget"},
		{"GOMEMLIMIT at the limit", func(r *rendered) {
			c := &r.deployments[0].Spec.Template.Spec.Containers[0]
			for i := range c.Env {
				if c.Env[i].Name == "GOMEMLIMIT" {
					c.Env[i] = corev1.EnvVar{Name: "GOMEMLIMIT", ValueFrom: &corev1.EnvVarSource{
						ResourceFieldRef: &corev1.ResourceFieldSelector{Resource: "limits.memory"}}}
				}
			}
		}, "GOMEMLIMIT is 100%"},
		{"memory limit raised alone", func(r *rendered) {
			r.deployments[0].Spec.Template.Spec.Containers[0].Resources.Limits[corev1.ResourceMemory] = resource.MustParse("256Mi")
		}, "GOMEMLIMIT is 45%"},
		{"https to the cluster", func(r *rendered) { r.netpols[0].Spec.Egress[0].To = nil }, "no `to`"},
		{"metadata endpoint reachable", func(r *rendered) {
			b := r.netpols[0].Spec.Egress[0].To[0].IPBlock
			b.Except = slices.DeleteFunc(b.Except, func(e string) bool { return e == "169.254.0.0/16" })
		}, "private range 169.254.0.0/16"},
		{"ipv6 ula reachable", func(r *rendered) { r.netpols[0].Spec.Egress[0].To[1].IPBlock.Except = nil }, "private range fc00::/7"},
		{"dns anywhere", func(r *rendered) { r.netpols[0].Spec.Egress[1].To = nil }, "no `to`"},
		{"https to a namespace", func(r *rendered) {
			r.netpols[0].Spec.Egress[0].To = r.netpols[0].Spec.Egress[1].To
		}, "in-cluster peers"},
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

// TestKustomizeHAChecksCatch does the same for the ha overlay.
func TestKustomizeHAChecksCatch(t *testing.T) {
	ha := renderHA(t)
	for _, tc := range []struct {
		name   string
		mutate func(r *rendered)
		want   string
	}{
		{"one replica", func(r *rendered) { one := int32(1); r.deployments[0].Spec.Replicas = &one }, "replicas"},
		{"recreate", func(r *rendered) {
			r.deployments[0].Spec.Strategy = appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType}
		}, "strategy"},
		{"database URL literal", func(r *rendered) {
			c := &r.deployments[0].Spec.Template.Spec.Containers[0]
			for i := range c.Env {
				if c.Env[i].Name == "LASTACTIVE_DATABASE_URL" {
					c.Env[i] = corev1.EnvVar{Name: "LASTACTIVE_DATABASE_URL", Value: "postgres://u:p@db/lastactive"}
				}
			}
		}, "from a Secret"},
		{"volume left", func(r *rendered) {
			r.deployments[0].Spec.Template.Spec.Volumes = append(r.deployments[0].Spec.Template.Spec.Volumes, corev1.Volume{
				Name: "data", VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "x"}}})
		}, "mount PersistentVolumeClaims"},
		{"no pdb", func(r *rendered) { r.pdbs = nil }, "PodDisruptionBudget"},
		{"pdb zero", func(r *rendered) { v := intstr.FromInt32(0); r.pdbs[0].Spec.MinAvailable = &v }, "minAvailable"},
		{"pdb blocks drains when unready", func(r *rendered) { r.pdbs[0].Spec.UnhealthyPodEvictionPolicy = nil }, "unhealthyPodEvictionPolicy"},
		{"pdb selects all", func(r *rendered) { r.pdbs[0].Spec.Selector.MatchLabels = nil }, "empty selector"},
		{"no database egress", func(r *rendered) { r.netpols[0].Spec.Egress = r.netpols[0].Spec.Egress[:2] }, "egress"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := ha.deepCopy()
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
	kust := string(readFile(t, kustomizeDir+"/base/kustomization.yaml"))
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
