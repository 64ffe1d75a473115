package helm

import (
	"bytes"
	"fmt"
	"github.com/mailgun-operator/mailgun-operator/test/harness"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"helm.sh/helm/v4/pkg/chart/common"
	"helm.sh/helm/v4/pkg/chart/common/util"
	chartv2 "helm.sh/helm/v4/pkg/chart/v2"
	"helm.sh/helm/v4/pkg/chart/v2/lint"
	"helm.sh/helm/v4/pkg/chart/v2/lint/support"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	"helm.sh/helm/v4/pkg/engine"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/runtime"
	psapi "k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"
	"sigs.k8s.io/yaml"
)

// The Kubernetes version of the envtest binaries the chart is applied to.
const kubeVersion = "v1.37.2"

// A release: its name, namespace and the values given with --values/--set.
type release struct {
	name, namespace string
	values          map[string]any
}

// The value sets the tests render. The defaults install as `helm install
// mailgun-operator` with the kustomize install's namespace; minimal turns
// off what can be turned off; monitored turns on what is off by default.
// (Metrics off with the ServiceMonitor on is refused by the chart: see
// TestTemplateRefusesContradictions.)
var (
	defaults = release{name: "mailgun-operator", namespace: "mailgun-operator-system"}
	minimal  = release{name: "mg", namespace: "mg-system", values: map[string]any{
		"metrics":                 map[string]any{"enabled": false},
		"leaderElection":          map[string]any{"enabled": false},
		"watchNamespaces":         []any{"team-a", "team-b"},
		"networkPolicy":           map[string]any{"enabled": true},
		"rbac":                    map[string]any{"aggregateToDefaultRoles": false},
		"syncPeriod":              "1h",
		"dnsCheckInterval":        "30s",
		"maxConcurrentReconciles": 2,
		"mailgun": map[string]any{"requestsPerSecond": 2.5, "burst": 5, "timeout": "10s",
			"allowedHosts": []any{"127.0.0.1", "[::1]:8443"}, "allowInsecureHTTP": true},
		"logLevel":  "debug",
		"logFormat": "console",
	}}
	monitored = release{name: "mailgun-operator-prod", namespace: "monitored", values: map[string]any{
		"replicaCount": 2,
		"image": map[string]any{
			"repository": "registry.example.com/mailgun-operator",
			"digest":     "sha256:" + strings.Repeat("ab", 32),
			"pullPolicy": "Always",
		},
		"imagePullSecrets": []any{map[string]any{"name": "regcred"}},
		"metrics": map[string]any{
			"secure": false,
			"port":   8080,
			"serviceMonitor": map[string]any{
				"enabled":  true,
				"labels":   map[string]any{"release": "prometheus"},
				"interval": "30s",
			},
		},
		"networkPolicy":  map[string]any{"enabled": true},
		"logLevel":       3,
		"nodeSelector":   map[string]any{"kubernetes.io/os": "linux"},
		"tolerations":    []any{map[string]any{"key": "dedicated", "operator": "Equal", "value": "operators", "effect": "NoSchedule"}},
		"podAnnotations": map[string]any{"example.com/team": "mail"},
		"podLabels":      map[string]any{"team": "mail"},
	}}
	// certified turns on what a platform team adds: a metrics certificate
	// from cert-manager verified by the ServiceMonitor, two replicas with a
	// PodDisruptionBudget and spread over zones, extra arguments,
	// environment and volumes, common labels, leader election timings.
	certified = release{name: "mailgun-operator", namespace: "certified", values: map[string]any{
		"replicaCount":   2,
		"commonLabels":   map[string]any{"example.com/owner": "platform"},
		"leaderElection": map[string]any{"enabled": true, "leaseDuration": "30s", "renewDeadline": "20s", "retryPeriod": "5s"},
		"metrics": map[string]any{
			"tls":            map[string]any{"certManager": map[string]any{"enabled": true, "duration": "2160h", "renewBefore": "360h"}},
			"serviceMonitor": map[string]any{"enabled": true},
		},
		"goMemLimit": "200MiB",
		"extraArgs":  []any{"--enable-http2"},
		"extraEnv": []any{
			map[string]any{"name": "HTTPS_PROXY", "value": "http://proxy.example:3128"},
			map[string]any{"name": "SSL_CERT_DIR", "value": "/etc/proxy-ca"},
		},
		"extraVolumes":      []any{map[string]any{"name": "proxy-ca", "configMap": map[string]any{"name": "proxy-ca"}}},
		"extraVolumeMounts": []any{map[string]any{"name": "proxy-ca", "mountPath": "/etc/proxy-ca", "readOnly": true}},
		"topologySpreadConstraints": []any{map[string]any{
			"maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone", "whenUnsatisfiable": "ScheduleAnyway"}},
	}}
	allReleases = []release{defaults, minimal, monitored, certified}
)

func loadChart(t *testing.T) *chartv2.Chart {
	t.Helper()
	ch, err := loader.Load(chartDir)
	if err != nil {
		t.Fatalf("cannot load the chart: %v", err)
	}
	return ch
}

// renderRaw renders the chart as `helm install` does: the values coalesced
// with values.yaml and checked against values.schema.json, then every
// template through Helm's engine. It returns the output per template file.
func renderRaw(t *testing.T, r release) (map[string]string, error) {
	t.Helper()
	ch := loadChart(t)
	caps := common.DefaultCapabilities.Copy()
	kv, err := common.ParseKubeVersion(kubeVersion)
	if err != nil {
		t.Fatal(err)
	}
	caps.KubeVersion = *kv
	vals, err := util.ToRenderValuesWithSchemaValidation(ch, r.values,
		common.ReleaseOptions{Name: r.name, Namespace: r.namespace, Revision: 1, IsInstall: true}, caps, false)
	if err != nil {
		return nil, err
	}
	// Strict: a template that reads a value values.yaml lacks fails, where
	// helm would quietly render nothing.
	return engine.Engine{Strict: true}.Render(ch, vals)
}

// rendered is a chart rendered for one release.
type rendered struct {
	// manifest is every rendered object, as `helm template` prints them.
	manifest string
	// objects are the same objects, decoded.
	objects []map[string]any
	// notes is the rendered NOTES.txt.
	notes string
}

func render(t *testing.T, r release) rendered {
	t.Helper()
	files, err := renderRaw(t, r)
	if err != nil {
		t.Fatalf("cannot render the chart for %s: %v", r.name, err)
	}
	var out rendered
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, name := range names {
		content := strings.TrimSpace(files[name])
		switch {
		case strings.HasSuffix(name, "/NOTES.txt"):
			out.notes = content
			continue
		case strings.HasPrefix(filepath.Base(name), "_"), content == "":
			continue
		}
		fmt.Fprintf(&b, "---\n# Source: %s\n%s\n", name, content)
	}
	out.manifest = b.String()
	out.objects = decodeAll(t, out.manifest)
	return out
}

// decodeAll splits a multi-document YAML stream into objects.
func decodeAll(t *testing.T, s string) []map[string]any {
	t.Helper()
	objs, err := harness.DecodeYAML(s)
	if err != nil {
		t.Fatal(err)
	}
	return objs
}

func kindName(obj map[string]any) string {
	md, _ := obj["metadata"].(map[string]any)
	return fmt.Sprintf("%v/%v", obj["kind"], md["name"])
}

// find returns the one object of the kind and name, or fails.
func (r rendered) find(t *testing.T, kind, name string, into any) {
	t.Helper()
	for _, obj := range r.objects {
		if kindName(obj) == kind+"/"+name {
			if err := runtime.DefaultUnstructuredConverter.FromUnstructuredWithValidation(obj, into, true); err != nil {
				t.Fatalf("%s/%s does not decode strictly: %v", kind, name, err)
			}
			return
		}
	}
	t.Fatalf("no %s/%s among %v", kind, name, r.names())
}

func (r rendered) names() []string {
	var names []string
	for _, obj := range r.objects {
		names = append(names, kindName(obj))
	}
	sort.Strings(names)
	return names
}

func TestLint(t *testing.T) {
	kv, err := common.ParseKubeVersion(kubeVersion)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range allReleases {
		t.Run(r.name, func(t *testing.T) {
			res := lint.RunAll(chartDir, r.values, r.namespace, lint.WithKubeVersion(kv))
			for _, m := range res.Messages {
				if m.Severity >= support.WarningSev {
					t.Error(m.Error())
				} else {
					t.Log(m.Error())
				}
			}
		})
	}
}

func TestSchemaAcceptsTheValueSets(t *testing.T) {
	for _, r := range append(allReleases,
		release{name: "level-int", namespace: "x", values: map[string]any{"logLevel": 5}},
		release{name: "unlimited", namespace: "x", values: map[string]any{"mailgun": map[string]any{"requestsPerSecond": 0}}},
		release{name: "global", namespace: "x", values: map[string]any{"global": map[string]any{"imageRegistry": "r"}}},
		release{name: "lease-units", namespace: "x", values: map[string]any{
			"leaderElection": map[string]any{"leaseDuration": "1m", "renewDeadline": "45s", "retryPeriod": "500ms"}}},
		release{name: "lease-off", namespace: "x", values: map[string]any{ // the timings are not checked when unused
			"leaderElection": map[string]any{"enabled": false, "renewDeadline": "1h"}}},
		release{name: "budget-percent", namespace: "x", values: map[string]any{
			"replicaCount": 3, "podDisruptionBudget": map[string]any{"minAvailable": "50%"}}},
	) {
		if _, err := renderRaw(t, r); err != nil {
			t.Errorf("%s: %v", r.name, err)
		}
	}
}

func TestSchemaRejectsBadValues(t *testing.T) {
	for _, c := range []struct {
		name   string
		values map[string]any
		// where is the value's JSON pointer, which the error must name.
		where string
	}{
		{"log format not json or console", map[string]any{"logFormat": "xml"}, "/logFormat"},
		{"log level unknown", map[string]any{"logLevel": "verbose"}, "/logLevel"},
		{"log level zero", map[string]any{"logLevel": 0}, "/logLevel"},
		{"replicas a string", map[string]any{"replicaCount": "two"}, "/replicaCount"},
		{"a misspelt key", map[string]any{"replicas": 2}, "replicas"},
		{"a misspelt nested key", map[string]any{"metrics": map[string]any{"enable": false}}, "enable"},
		{"port out of range", map[string]any{"metrics": map[string]any{"port": 70000}}, "/metrics/port"},
		{"port of the probes", map[string]any{"metrics": map[string]any{"port": 8081}}, "/metrics/port"},
		{"sync period not a duration", map[string]any{"syncPeriod": "10 minutes"}, "/syncPeriod"},
		{"sync period a number", map[string]any{"syncPeriod": 600}, "/syncPeriod"},
		{"timeout not a duration", map[string]any{"mailgun": map[string]any{"timeout": "soon"}}, "/mailgun/timeout"},
		{"burst zero", map[string]any{"mailgun": map[string]any{"burst": 0}}, "/mailgun/burst"},
		{"negative rate", map[string]any{"mailgun": map[string]any{"requestsPerSecond": -1}}, "/mailgun/requestsPerSecond"},
		{"no allowed host", map[string]any{"mailgun": map[string]any{"allowedHosts": []any{}}}, "/mailgun/allowedHosts"},
		{"a URL as allowed host", map[string]any{"mailgun": map[string]any{"allowedHosts": []any{"https://api.mailgun.net"}}}, "/mailgun/allowedHosts/0"},
		{"insecure http not a boolean", map[string]any{"mailgun": map[string]any{"allowInsecureHTTP": "yes"}}, "/mailgun/allowInsecureHTTP"},
		{"concurrency zero", map[string]any{"maxConcurrentReconciles": 0}, "/maxConcurrentReconciles"},
		{"namespace not a DNS label", map[string]any{"watchNamespaces": []any{"Team_A"}}, "/watchNamespaces/0"},
		{"namespaces a string", map[string]any{"watchNamespaces": "team-a,team-b"}, "/watchNamespaces"},
		{"pull policy unknown", map[string]any{"image": map[string]any{"pullPolicy": "Sometimes"}}, "/image/pullPolicy"},
		{"tag a number", map[string]any{"image": map[string]any{"tag": 1.2}}, "/image/tag"},
		{"leader election a string", map[string]any{"leaderElection": map[string]any{"enabled": "yes"}}, "/leaderElection/enabled"},
		{"lease duration not a duration", map[string]any{"leaderElection": map[string]any{"leaseDuration": "15"}}, "/leaderElection/leaseDuration"},
		{"common labels not strings", map[string]any{"commonLabels": map[string]any{"team": 1}}, "/commonLabels/team"},
		{"extra args a string", map[string]any{"extraArgs": "--enable-http2"}, "/extraArgs"},
		{"extra env without a name", map[string]any{"extraEnv": []any{map[string]any{"value": "x"}}}, "/extraEnv/0"},
		{"extra mount without a path", map[string]any{"extraVolumeMounts": []any{map[string]any{"name": "x"}}}, "/extraVolumeMounts/0"},
		{"spread constraint without topologyKey", map[string]any{"topologySpreadConstraints": []any{map[string]any{"maxSkew": 1, "whenUnsatisfiable": "DoNotSchedule"}}}, "/topologySpreadConstraints/0"},
		{"minAvailable a word", map[string]any{"podDisruptionBudget": map[string]any{"minAvailable": "half"}}, "/podDisruptionBudget/minAvailable"},
		{"goMemLimit a percentage", map[string]any{"goMemLimit": "90%"}, "/goMemLimit"},
		{"issuerRef without a name", map[string]any{"metrics": map[string]any{"tls": map[string]any{"certManager": map[string]any{"issuerRef": map[string]any{"kind": "ClusterIssuer"}}}}}, "/metrics/tls/certManager/issuerRef"},
		{"issuer kind unknown", map[string]any{"metrics": map[string]any{"tls": map[string]any{"certManager": map[string]any{"issuerRef": map[string]any{"name": "ca", "kind": "Vault"}}}}}, "/metrics/tls/certManager/issuerRef/kind"},
		{"metrics Secret not a name", map[string]any{"metrics": map[string]any{"tls": map[string]any{"secretName": "My_Secret"}}}, "/metrics/tls/secretName"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := renderRaw(t, release{name: "mailgun-operator", namespace: "x", values: c.values})
			if err == nil {
				t.Fatalf("values %v rendered; values.schema.json should reject them", c.values)
			}
			if !strings.Contains(err.Error(), "schema") || !strings.Contains(err.Error(), c.where) {
				t.Fatalf("the error does not come from the schema or does not name %q: %v", c.where, err)
			}
		})
	}
}

// TestTemplateRefusesContradictions: combinations the schema does not
// catch fail rendering with a message that says what to change.
func TestTemplateRefusesContradictions(t *testing.T) {
	for _, c := range []struct {
		name   string
		values map[string]any
		msg    string
	}{
		{"a ServiceMonitor without metrics", map[string]any{
			"metrics":         map[string]any{"enabled": false, "serviceMonitor": map[string]any{"enabled": true}},
			"watchNamespaces": []any{"team-a"},
			"leaderElection":  map[string]any{"enabled": false},
		}, "metrics.serviceMonitor.enabled=true needs metrics.enabled=true"},
		{"replicas without leader election", map[string]any{
			"replicaCount":   3,
			"leaderElection": map[string]any{"enabled": false},
		}, "replicaCount > 1 needs leaderElection.enabled=true"},
		{"two sources of the metrics certificate", map[string]any{
			"metrics": map[string]any{"tls": map[string]any{"secretName": "s", "certManager": map[string]any{"enabled": true}}},
		}, "choose one"},
		{"a certificate for plain-HTTP metrics", map[string]any{
			"metrics": map[string]any{"secure": false, "tls": map[string]any{"secretName": "s"}},
		}, "a metrics certificate (metrics.tls) needs metrics.secure=true"},
		{"a ServiceMonitor that cannot verify the self-signed certificate", map[string]any{
			"metrics": map[string]any{"serviceMonitor": map[string]any{"enabled": true}},
		}, "the ServiceMonitor cannot verify the manager's self-signed metrics certificate"},
		{"GOGC twice", map[string]any{
			"extraEnv": []any{map[string]any{"name": "GOGC", "value": "200"}},
		}, "GOGC is in extraEnv and goGC is set"},
		{"GOMEMLIMIT twice", map[string]any{
			"extraEnv": []any{map[string]any{"name": "GOMEMLIMIT", "value": "100MiB"}},
		}, "GOMEMLIMIT is in extraEnv and goMemLimit is set"},
		{"a memory limit goMemLimit auto cannot read", map[string]any{
			"resources": map[string]any{"limits": map[string]any{"memory": "0.5Gi"}},
		}, "goMemLimit auto cannot read resources.limits.memory"},
		{"a renew deadline past the lease", map[string]any{
			"leaderElection": map[string]any{"leaseDuration": "15s", "renewDeadline": "1m", "retryPeriod": "2s"},
		}, "leader election needs 0 < retryPeriod (2s) < renewDeadline (1m) < leaseDuration (15s)"},
		{"a retry period of zero", map[string]any{
			"leaderElection": map[string]any{"retryPeriod": "0s"},
		}, "leader election needs 0 < retryPeriod"},
		{"a budget that blocks every drain", map[string]any{
			"replicaCount": 2, "podDisruptionBudget": map[string]any{"minAvailable": 2},
		}, "podDisruptionBudget.minAvailable 2 with replicaCount 2 would block every node drain"},
		{"a percentage budget that rounds up to every replica", map[string]any{
			"replicaCount": 2, "podDisruptionBudget": map[string]any{"minAvailable": "60%"},
		}, "podDisruptionBudget.minAvailable 60% with replicaCount 2 rounds up to every replica"},
		{"alerts without metrics", map[string]any{
			"metrics": map[string]any{"enabled": false}, "prometheusRule": map[string]any{"enabled": true},
		}, "prometheusRule.enabled=true needs metrics.enabled=true"},
		{"no ServiceAccount and no name", map[string]any{
			"serviceAccount": map[string]any{"create": false},
		}, "serviceAccount.name is required"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := renderRaw(t, release{name: "mailgun-operator", namespace: "x", values: c.values})
			if err == nil || !strings.Contains(err.Error(), c.msg) {
				t.Fatalf("want an error saying %q, got %v", c.msg, err)
			}
		})
	}
}

// TestRBACMatchesConfig: every Role and ClusterRole of config/rbac is in the
// default release, named as the kustomize install names it, with the same
// rules. config/rbac/role.yaml is generated from the controllers' markers,
// so this catches a chart that lags behind a new permission.
func TestRBACMatchesConfig(t *testing.T) {
	r := render(t, defaults)
	files, err := filepath.Glob(filepath.Join(root, "config", "rbac", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, obj := range decodeAll(t, string(b)) {
			kind, _ := obj["kind"].(string)
			if kind != "Role" && kind != "ClusterRole" {
				continue
			}
			var want rbacv1.ClusterRole // a Role has the same fields
			if err := runtime.DefaultUnstructuredConverter.FromUnstructured(obj, &want); err != nil {
				t.Fatal(err)
			}
			var got rbacv1.ClusterRole
			r.find(t, kind, "mailgun-operator-"+want.Name, &got)
			if !sameRules(got.Rules, want.Rules) {
				t.Errorf("the chart's %s %s has other rules than %s:\nchart:  %+v\nconfig: %+v",
					kind, got.Name, filepath.Base(f), got.Rules, want.Rules)
			}
			checked++
		}
	}
	if checked < 4 {
		t.Fatalf("compared only %d roles; config/rbac has the manager, leader election and metrics roles", checked)
	}
}

// sameRules says whether a and b hold the same rules, in any order (the
// chart's ClusterRole lists the namespaced rules of hack/split-rbac first).
func sameRules(a, b []rbacv1.PolicyRule) bool {
	key := func(rs []rbacv1.PolicyRule) []string {
		var out []string
		for _, r := range rs {
			j, _ := yaml.Marshal(r)
			out = append(out, string(j))
		}
		sort.Strings(out)
		return out
	}
	return slices.Equal(key(a), key(b))
}

// container returns the Deployment's manager container.
func manager(t *testing.T, d *appsv1.Deployment) corev1.Container {
	t.Helper()
	if n := len(d.Spec.Template.Spec.Containers); n != 1 {
		t.Fatalf("the Deployment has %d containers, want 1", n)
	}
	c := d.Spec.Template.Spec.Containers[0]
	if c.Name != "manager" {
		t.Fatalf("the container is %q, want manager", c.Name)
	}
	return c
}

// assertRestricted checks that the Deployment's pod template meets the
// restricted Pod Security Standard, field by field and with the Pod
// Security admission's own checks (the API server only warns about a
// Deployment's template; it enforces on the Pods).
func assertRestricted(t *testing.T, d *appsv1.Deployment) {
	t.Helper()
	spec := d.Spec.Template.Spec
	psc := spec.SecurityContext
	if psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot {
		t.Error("pod securityContext.runAsNonRoot is not true")
	}
	if psc == nil || psc.SeccompProfile == nil || psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Error("pod securityContext.seccompProfile.type is not RuntimeDefault")
	}
	if spec.HostNetwork || spec.HostPID || spec.HostIPC {
		t.Error("the pod shares a host namespace")
	}
	for _, v := range spec.Volumes {
		if v.HostPath != nil {
			t.Errorf("volume %s is a hostPath", v.Name)
		}
	}
	for _, c := range append(slices.Clone(spec.InitContainers), spec.Containers...) {
		sc := c.SecurityContext
		switch {
		case sc == nil:
			t.Errorf("container %s has no securityContext", c.Name)
			continue
		case sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation:
			t.Errorf("container %s: allowPrivilegeEscalation is not false", c.Name)
		case sc.Capabilities == nil || !slices.Contains(sc.Capabilities.Drop, "ALL"):
			t.Errorf("container %s does not drop ALL capabilities", c.Name)
		case sc.Capabilities != nil && len(sc.Capabilities.Add) > 0:
			t.Errorf("container %s adds capabilities %v", c.Name, sc.Capabilities.Add)
		case sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem:
			t.Errorf("container %s: readOnlyRootFilesystem is not true", c.Name)
		case sc.Privileged != nil && *sc.Privileged:
			t.Errorf("container %s is privileged", c.Name)
		case sc.RunAsUser != nil && *sc.RunAsUser == 0:
			t.Errorf("container %s runs as root", c.Name)
		}
		for _, p := range c.Ports {
			if p.HostPort != 0 {
				t.Errorf("container %s uses host port %d", c.Name, p.HostPort)
			}
		}
	}
	eval, err := policy.NewEvaluator(policy.DefaultChecks(), nil)
	if err != nil {
		t.Fatal(err)
	}
	res := policy.AggregateCheckResults(eval.EvaluatePod(
		psapi.LevelVersion{Level: psapi.LevelRestricted, Version: psapi.LatestVersion()},
		&d.Spec.Template.ObjectMeta, &d.Spec.Template.Spec))
	if !res.Allowed {
		t.Errorf("the pod template violates the restricted Pod Security Standard: %s: %s",
			res.ForbiddenReason(), res.ForbiddenDetail())
	}
}

func TestDefaultValues(t *testing.T) {
	r := render(t, defaults)
	ch := loadChart(t)

	// The objects of `kubectl kustomize config/default` less the Namespace and
	// the CRDs (Helm installs those from crds/), with the same names.
	want := []string{
		"ClusterRole/mailgun-operator-manager-role",
		"ClusterRole/mailgun-operator-metrics-auth-role",
		"ClusterRole/mailgun-operator-metrics-reader",
		"ClusterRoleBinding/mailgun-operator-manager-rolebinding",
		"ClusterRoleBinding/mailgun-operator-metrics-auth-rolebinding",
		"Deployment/mailgun-operator-controller-manager",
		"Role/mailgun-operator-leader-election-role",
		"RoleBinding/mailgun-operator-leader-election-rolebinding",
		"Service/mailgun-operator-controller-manager-metrics-service",
		"ServiceAccount/mailgun-operator-controller-manager",
	}
	for _, res := range []string{"mailgunaccount", "mailgundomain", "webhook", "route", "smtpcredential", "template", "mailinglist"} {
		want = append(want, "ClusterRole/mailgun-operator-"+res+"-editor-role", "ClusterRole/mailgun-operator-"+res+"-viewer-role")
	}
	sort.Strings(want)
	if got := r.names(); !slices.Equal(got, want) {
		t.Errorf("objects:\n got %v\nwant %v", got, want)
	}

	var d appsv1.Deployment
	r.find(t, "Deployment", "mailgun-operator-controller-manager", &d)
	c := manager(t, &d)
	if want := "ghcr.io/mailgun-operator/mailgun-operator:" + ch.Metadata.AppVersion; c.Image != want {
		t.Errorf("image %q, want %q (the tag defaults to appVersion)", c.Image, want)
	}
	if c.ImagePullPolicy != corev1.PullIfNotPresent {
		t.Errorf("pull policy %q", c.ImagePullPolicy)
	}
	wantArgs := []string{
		"--health-probe-bind-address=:8081",
		"--metrics-bind-address=:8443",
		"--metrics-secure=true",
		"--leader-elect=true",
		"--leader-election-lease-duration=15s",
		"--leader-election-renew-deadline=10s",
		"--leader-election-retry-period=2s",
		"--sync-period=10m",
		"--dns-check-interval=5m",
		"--max-concurrent-reconciles=4",
		"--mailgun-requests-per-second=4.5",
		"--mailgun-burst=30",
		"--mailgun-timeout=30s",
		"--mailgun-allowed-hosts=api.mailgun.net,api.eu.mailgun.net",
		"--mailgun-allow-insecure-http=false",
		"--zap-log-level=info",
		"--zap-encoder=json",
	}
	if !slices.Equal(c.Args, wantArgs) {
		t.Errorf("args:\n got %q\nwant %q", c.Args, wantArgs)
	}
	if !slices.Equal(c.Command, []string{"/manager"}) {
		t.Errorf("command %q", c.Command)
	}
	if *d.Spec.Replicas != 1 {
		t.Errorf("replicas %d", *d.Spec.Replicas)
	}
	if d.Spec.Template.Spec.ServiceAccountName != "mailgun-operator-controller-manager" {
		t.Errorf("serviceAccountName %q", d.Spec.Template.Spec.ServiceAccountName)
	}
	if c.Resources.Limits.Memory().String() != "256Mi" || c.Resources.Requests.Cpu().String() != "10m" {
		t.Errorf("resources %v", c.Resources)
	}
	// goMemLimit auto: 90% of the 256Mi limit, in bytes; goGC 25.
	if want := []corev1.EnvVar{{Name: "GOMEMLIMIT", Value: "241591910"}, {Name: "GOGC", Value: "25"}}; !reflect.DeepEqual(c.Env, want) {
		t.Errorf("env %+v, want %+v", c.Env, want)
	}
	if len(c.VolumeMounts) != 0 || len(d.Spec.Template.Spec.Volumes) != 0 {
		t.Errorf("volumes %+v mounts %+v, want none (no metrics certificate, no extras)", d.Spec.Template.Spec.Volumes, c.VolumeMounts)
	}
	assertRestricted(t, &d)
	assertSelects(t, &d)
	assertNamespaced(t, r, defaults.namespace)

	var svc corev1.Service
	r.find(t, "Service", "mailgun-operator-controller-manager-metrics-service", &svc)
	if len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].Port != 8443 || svc.Spec.Ports[0].Name != "https" ||
		svc.Spec.Ports[0].TargetPort.String() != "metrics" {
		t.Errorf("metrics Service ports %+v", svc.Spec.Ports)
	}
	if !reflect.DeepEqual(svc.Spec.Selector, d.Spec.Selector.MatchLabels) {
		t.Errorf("the Service selects %v, the Deployment's pods are %v", svc.Spec.Selector, d.Spec.Selector.MatchLabels)
	}
	assertContainerPort(t, c, "metrics", 8443)

	for _, b := range []string{"mailgun-operator-manager-rolebinding", "mailgun-operator-metrics-auth-rolebinding"} {
		var crb rbacv1.ClusterRoleBinding
		r.find(t, "ClusterRoleBinding", b, &crb)
		assertSubjectIsManager(t, b, crb.Subjects, defaults.namespace)
	}
	var rb rbacv1.RoleBinding
	r.find(t, "RoleBinding", "mailgun-operator-leader-election-rolebinding", &rb)
	assertSubjectIsManager(t, rb.Name, rb.Subjects, defaults.namespace)

	if strings.Contains(r.notes, "--from-literal") {
		t.Errorf("NOTES.txt puts the API key on the command line:\n%s", r.notes)
	}
	for _, s := range []string{
		"installed in namespace mailgun-operator-system",
		"It watches every namespace.",
		`printf '%s' "$MAILGUN_API_KEY" | kubectl -n default create secret generic mailgun-api-key --from-file=api-key=/dev/stdin`,
		"--from-file=api-key=./mailgun-api-key.txt",
		"docs/secrets.md",
		"kind: MailgunAccount",
		"rollout status deployment/mailgun-operator-controller-manager",
		"ClusterRole mailgun-operator-metrics-reader",
	} {
		if !strings.Contains(r.notes, s) {
			t.Errorf("NOTES.txt does not say %q:\n%s", s, r.notes)
		}
	}
}

func TestMinimalValues(t *testing.T) {
	r := render(t, minimal)
	// watchNamespaces team-a and team-b: a Role and a RoleBinding in each.
	want := []string{
		"ClusterRole/mg-mailgun-operator-manager-role",
		"ClusterRoleBinding/mg-mailgun-operator-manager-rolebinding",
		"Deployment/mg-mailgun-operator-controller-manager",
		"NetworkPolicy/mg-mailgun-operator-allow-metrics-traffic",
		"Role/mg-mailgun-operator-manager-role",
		"Role/mg-mailgun-operator-manager-role",
		"RoleBinding/mg-mailgun-operator-manager-rolebinding",
		"RoleBinding/mg-mailgun-operator-manager-rolebinding",
		"ServiceAccount/mg-mailgun-operator-controller-manager",
	}
	if got := r.names(); !slices.Equal(got, want) {
		t.Errorf("objects:\n got %v\nwant %v", got, want)
	}
	var d appsv1.Deployment
	r.find(t, "Deployment", "mg-mailgun-operator-controller-manager", &d)
	c := manager(t, &d)
	wantArgs := []string{
		"--health-probe-bind-address=:8081",
		"--metrics-bind-address=0",
		"--leader-elect=false",
		"--sync-period=1h",
		"--dns-check-interval=30s",
		"--max-concurrent-reconciles=2",
		"--mailgun-requests-per-second=2.5",
		"--mailgun-burst=5",
		"--mailgun-timeout=10s",
		"--mailgun-allowed-hosts=127.0.0.1,[::1]:8443",
		"--mailgun-allow-insecure-http=true",
		"--namespaces=team-a,team-b",
		"--zap-log-level=debug",
		"--zap-encoder=console",
	}
	if !slices.Equal(c.Args, wantArgs) {
		t.Errorf("args:\n got %q\nwant %q", c.Args, wantArgs)
	}
	if len(c.Ports) != 1 || c.Ports[0].Name != "probes" {
		t.Errorf("with metrics off the container should expose only the probes: %+v", c.Ports)
	}
	assertRestricted(t, &d)
	assertSelects(t, &d)
	assertNamespaced(t, r, minimal.namespace, "team-a", "team-b")

	var np networkingv1.NetworkPolicy
	r.find(t, "NetworkPolicy", "mg-mailgun-operator-allow-metrics-traffic", &np)
	if len(np.Spec.Ingress) != 0 || !slices.Equal(np.Spec.PolicyTypes, []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}) {
		t.Errorf("with metrics off the NetworkPolicy should admit no ingress: %+v", np.Spec)
	}
	if !reflect.DeepEqual(np.Spec.PodSelector.MatchLabels, d.Spec.Selector.MatchLabels) {
		t.Errorf("the NetworkPolicy selects %v", np.Spec.PodSelector.MatchLabels)
	}
	for _, s := range []string{"It watches the namespaces: team-a, team-b.", "it cannot read a Secret anywhere else", "kubectl -n team-a create secret generic mailgun-api-key --from-file=api-key=/dev/stdin"} {
		if !strings.Contains(r.notes, s) {
			t.Errorf("NOTES.txt does not say %q:\n%s", s, r.notes)
		}
	}
	if strings.Contains(r.notes, "metrics-reader") {
		t.Errorf("NOTES.txt mentions the metrics-reader role, which metrics off does not create:\n%s", r.notes)
	}
}

func TestMonitoredValues(t *testing.T) {
	r := render(t, monitored)
	const fn = "mailgun-operator-prod" // the release name contains the chart's
	var d appsv1.Deployment
	r.find(t, "Deployment", fn+"-controller-manager", &d)
	c := manager(t, &d)
	if want := "registry.example.com/mailgun-operator@sha256:" + strings.Repeat("ab", 32); c.Image != want {
		t.Errorf("image %q, want %q", c.Image, want)
	}
	if *d.Spec.Replicas != 2 {
		t.Errorf("replicas %d", *d.Spec.Replicas)
	}
	for _, a := range []string{"--metrics-bind-address=:8080", "--metrics-secure=false", "--leader-elect=true", "--zap-log-level=3"} {
		if !slices.Contains(c.Args, a) {
			t.Errorf("args %q lack %s", c.Args, a)
		}
	}
	ps := d.Spec.Template.Spec
	if len(ps.ImagePullSecrets) != 1 || ps.ImagePullSecrets[0].Name != "regcred" ||
		ps.NodeSelector["kubernetes.io/os"] != "linux" || len(ps.Tolerations) != 1 ||
		d.Spec.Template.Annotations["example.com/team"] != "mail" || d.Spec.Template.Labels["team"] != "mail" ||
		d.Spec.Template.Annotations["kubectl.kubernetes.io/default-container"] != "manager" {
		t.Errorf("pod settings not passed through: %+v %+v", d.Spec.Template.ObjectMeta, ps)
	}
	assertContainerPort(t, c, "metrics", 8080)
	assertRestricted(t, &d)
	assertSelects(t, &d)
	assertNamespaced(t, r, monitored.namespace)
	for _, name := range r.names() {
		if strings.Contains(name, "metrics-auth") || strings.Contains(name, "metrics-reader") {
			t.Errorf("%s is rendered, but plain-HTTP metrics need no authorization", name)
		}
	}

	var svc corev1.Service
	r.find(t, "Service", fn+"-controller-manager-metrics-service", &svc)
	if len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].Name != "http" || svc.Spec.Ports[0].Port != 8080 {
		t.Errorf("metrics Service ports %+v", svc.Spec.Ports)
	}

	var sm struct {
		Metadata struct {
			Namespace string            `json:"namespace"`
			Labels    map[string]string `json:"labels"`
		} `json:"metadata"`
		Spec struct {
			Endpoints []struct {
				Port, Path, Scheme, Interval, BearerTokenFile string
				TLSConfig                                     map[string]any `json:"tlsConfig"`
			} `json:"endpoints"`
			NamespaceSelector struct {
				MatchNames []string `json:"matchNames"`
			} `json:"namespaceSelector"`
			Selector struct {
				MatchLabels map[string]string `json:"matchLabels"`
			} `json:"selector"`
		} `json:"spec"`
	}
	for _, obj := range r.objects {
		if kindName(obj) == "ServiceMonitor/"+fn+"-controller-manager-metrics-monitor" {
			b, _ := yaml.Marshal(obj)
			if err := yaml.Unmarshal(b, &sm); err != nil {
				t.Fatal(err)
			}
		}
	}
	if len(sm.Spec.Endpoints) != 1 {
		t.Fatalf("no ServiceMonitor with one endpoint among %v", r.names())
	}
	ep := sm.Spec.Endpoints[0]
	if ep.Port != "http" || ep.Scheme != "http" || ep.Path != "/metrics" || ep.Interval != "30s" ||
		ep.BearerTokenFile != "" || ep.TLSConfig != nil {
		t.Errorf("ServiceMonitor endpoint %+v: want plain http on the Service's http port", ep)
	}
	if sm.Metadata.Labels["release"] != "prometheus" {
		t.Errorf("ServiceMonitor labels %v lack release: prometheus", sm.Metadata.Labels)
	}
	if !slices.Equal(sm.Spec.NamespaceSelector.MatchNames, []string{monitored.namespace}) {
		t.Errorf("ServiceMonitor namespaceSelector %v", sm.Spec.NamespaceSelector.MatchNames)
	}
	for k, v := range sm.Spec.Selector.MatchLabels {
		if svc.Labels[k] != v {
			t.Errorf("the ServiceMonitor selects %s=%s, which the metrics Service (%v) lacks", k, v, svc.Labels)
		}
	}

	var np networkingv1.NetworkPolicy
	r.find(t, "NetworkPolicy", fn+"-allow-metrics-traffic", &np)
	if len(np.Spec.Ingress) != 1 || len(np.Spec.Ingress[0].Ports) != 1 || np.Spec.Ingress[0].Ports[0].Port.IntValue() != 8080 ||
		np.Spec.Ingress[0].From[0].NamespaceSelector.MatchLabels["metrics"] != "enabled" {
		t.Errorf("NetworkPolicy ingress %+v: want the metrics port from namespaces labelled metrics: enabled", np.Spec.Ingress)
	}
}

// TestSecureServiceMonitor: with HTTPS metrics the ServiceMonitor scrapes
// https with a token and verifies the manager's certificate: the CA and DNS
// name of the certificate cert-manager issues or the Secret names, or the
// tlsConfig the user chose (insecureSkipVerify only then).
func TestSecureServiceMonitor(t *testing.T) {
	const svc = "mailgun-operator-controller-manager-metrics-service"
	for _, c := range []struct {
		name string
		tls  map[string]any
		sm   map[string]any
		want []string
	}{
		{"cert-manager", map[string]any{"certManager": map[string]any{"enabled": true}}, nil,
			[]string{"serverName: " + svc + ".x.svc", "name: mailgun-operator-metrics-cert", "key: ca.crt", "insecureSkipVerify: false"}},
		{"a Secret", map[string]any{"secretName": "my-metrics-tls"}, nil,
			[]string{"serverName: " + svc + ".x.svc", "name: my-metrics-tls", "key: ca.crt", "insecureSkipVerify: false"}},
		{"insecureSkipVerify chosen", nil, map[string]any{"tlsConfig": map[string]any{"insecureSkipVerify": true}},
			[]string{"insecureSkipVerify: true"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			sm := map[string]any{"enabled": true}
			for k, v := range c.sm {
				sm[k] = v
			}
			metrics := map[string]any{"serviceMonitor": sm}
			if c.tls != nil {
				metrics["tls"] = c.tls
			}
			r := render(t, release{name: "mailgun-operator", namespace: "x", values: map[string]any{"metrics": metrics}})
			var found bool
			for _, obj := range r.objects {
				if obj["kind"] != "ServiceMonitor" {
					continue
				}
				found = true
				b, _ := yaml.Marshal(obj["spec"])
				for _, s := range append([]string{"scheme: https", "port: https", "honorLabels: true",
					"bearerTokenFile: /var/run/secrets/kubernetes.io/serviceaccount/token"}, c.want...) {
					if !bytes.Contains(b, []byte(s)) {
						t.Errorf("ServiceMonitor spec lacks %q:\n%s", s, b)
					}
				}
				if c.sm == nil && bytes.Contains(b, []byte("insecureSkipVerify: true")) {
					t.Errorf("the ServiceMonitor skips verification though nobody chose it:\n%s", b)
				}
			}
			if !found {
				t.Fatalf("no ServiceMonitor among %v", r.names())
			}
		})
	}
}

// assertSelects checks that the Deployment's selector matches its pods.
func assertSelects(t *testing.T, d *appsv1.Deployment) {
	t.Helper()
	for k, v := range d.Spec.Selector.MatchLabels {
		if d.Spec.Template.Labels[k] != v {
			t.Errorf("the Deployment selects %s=%s, which its pods (%v) lack", k, v, d.Spec.Template.Labels)
		}
	}
}

// assertNamespaced checks that every namespaced object names the release
// namespace itself, so that the manifest applies the same with kubectl as
// with helm; only the manager's Roles and RoleBindings may be in watched,
// the namespaces it watches.
func assertNamespaced(t *testing.T, r rendered, ns string, watched ...string) {
	t.Helper()
	cluster := map[string]bool{"ClusterRole": true, "ClusterRoleBinding": true, "CustomResourceDefinition": true, "Namespace": true}
	for _, obj := range r.objects {
		md, _ := obj["metadata"].(map[string]any)
		kind, _ := obj["kind"].(string)
		got, _ := md["namespace"].(string)
		name, _ := md["name"].(string)
		if (kind == "Role" || kind == "RoleBinding") && strings.Contains(name, "-manager-role") && slices.Contains(watched, got) {
			continue
		}
		if cluster[kind] != (got == "") || (!cluster[kind] && got != ns) {
			t.Errorf("%s has namespace %q, want %q", kindName(obj), got, map[bool]string{false: ns, true: ""}[cluster[kind]])
		}
	}
}

func assertContainerPort(t *testing.T, c corev1.Container, name string, port int32) {
	t.Helper()
	for _, p := range c.Ports {
		if p.Name == name && p.ContainerPort == port {
			return
		}
	}
	t.Errorf("container %s has no port %s=%d: %+v", c.Name, name, port, c.Ports)
}

func assertSubjectIsManager(t *testing.T, binding string, subjects []rbacv1.Subject, ns string) {
	t.Helper()
	want := []rbacv1.Subject{{Kind: "ServiceAccount", Name: "mailgun-operator-controller-manager", Namespace: ns}}
	if !reflect.DeepEqual(subjects, want) {
		t.Errorf("%s binds %+v, want %+v", binding, subjects, want)
	}
}

// TestLongReleaseName: the longest release name Helm allows (53
// characters) still gives a metrics Service name within the 63 characters
// of a DNS label.
func TestLongReleaseName(t *testing.T) {
	name := strings.Repeat("r", 53)
	r := render(t, release{name: name, namespace: "x"})
	services := 0
	for _, obj := range r.objects {
		if obj["kind"] != "Service" {
			continue
		}
		services++
		svcName := obj["metadata"].(map[string]any)["name"].(string)
		if n := len(svcName); n > 63 || !strings.HasPrefix(svcName, name) {
			t.Errorf("Service name %q has %d characters", svcName, n)
		}
	}
	if services != 1 {
		t.Errorf("%d Services among %v", services, r.names())
	}
}
