package helm

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"sigs.k8s.io/yaml"
)

// TestCertifiedValues: what a platform team turns on reaches the objects.
func TestCertifiedValues(t *testing.T) {
	r := render(t, certified)
	const fn = "mailgun-operator"
	const svc = fn + "-controller-manager-metrics-service"
	var d appsv1.Deployment
	r.find(t, "Deployment", fn+"-controller-manager", &d)
	c := manager(t, &d)
	assertRestricted(t, &d)
	assertSelects(t, &d)
	assertNamespaced(t, r, certified.namespace)

	// Arguments: the certificate's folder, the lease timings, the extra
	// argument last.
	for _, a := range []string{"--metrics-cert-path=/etc/mailgun-operator/metrics-cert", "--leader-election-lease-duration=30s",
		"--leader-election-renew-deadline=20s", "--leader-election-retry-period=5s"} {
		if !slices.Contains(c.Args, a) {
			t.Errorf("args %q lack %s", c.Args, a)
		}
	}
	if c.Args[len(c.Args)-1] != "--enable-http2" {
		t.Errorf("args %q: extraArgs should come last, so that they win", c.Args)
	}
	wantEnv := []corev1.EnvVar{{Name: "GOMEMLIMIT", Value: "200MiB"}, {Name: "GOGC", Value: "25"},
		{Name: "HTTPS_PROXY", Value: "http://proxy.example:3128"}, {Name: "SSL_CERT_DIR", Value: "/etc/proxy-ca"}}
	if !reflect.DeepEqual(c.Env, wantEnv) {
		t.Errorf("env %+v, want %+v", c.Env, wantEnv)
	}
	wantMounts := []corev1.VolumeMount{{Name: "metrics-cert", MountPath: "/etc/mailgun-operator/metrics-cert", ReadOnly: true},
		{Name: "proxy-ca", MountPath: "/etc/proxy-ca", ReadOnly: true}}
	if !reflect.DeepEqual(c.VolumeMounts, wantMounts) {
		t.Errorf("mounts %+v, want %+v", c.VolumeMounts, wantMounts)
	}
	vols := d.Spec.Template.Spec.Volumes
	if len(vols) != 2 || vols[0].Secret == nil || vols[0].Secret.SecretName != fn+"-metrics-cert" ||
		vols[1].ConfigMap == nil || vols[1].ConfigMap.Name != "proxy-ca" {
		t.Errorf("volumes %+v: want the metrics certificate's Secret and the proxy-ca ConfigMap", vols)
	}
	tsc := d.Spec.Template.Spec.TopologySpreadConstraints
	if len(tsc) != 1 || tsc[0].TopologyKey != "topology.kubernetes.io/zone" || tsc[0].LabelSelector == nil ||
		!reflect.DeepEqual(tsc[0].LabelSelector.MatchLabels, d.Spec.Selector.MatchLabels) {
		t.Errorf("topologySpreadConstraints %+v: want the zone constraint selecting the manager's pods %v", tsc, d.Spec.Selector.MatchLabels)
	}
	if d.Spec.Template.Labels["example.com/owner"] != "platform" {
		t.Errorf("pod labels %v lack the common label", d.Spec.Template.Labels)
	}
	if _, ok := d.Spec.Selector.MatchLabels["example.com/owner"]; ok {
		t.Error("the common label is in the Deployment's selector, which no upgrade may change")
	}

	// Every object carries the common labels.
	for _, obj := range r.objects {
		labels, _ := obj["metadata"].(map[string]any)["labels"].(map[string]any)
		if labels["example.com/owner"] != "platform" {
			t.Errorf("%s lacks the common label: %v", kindName(obj), labels)
		}
	}

	var pdb policyv1.PodDisruptionBudget
	r.find(t, "PodDisruptionBudget", fn+"-controller-manager", &pdb)
	if pdb.Spec.UnhealthyPodEvictionPolicy == nil || *pdb.Spec.UnhealthyPodEvictionPolicy != policyv1.AlwaysAllow {
		t.Errorf("PodDisruptionBudget %+v: a crash-looping manager would block node drains (want unhealthyPodEvictionPolicy AlwaysAllow)", pdb.Spec)
	}
	if pdb.Spec.MinAvailable == nil || pdb.Spec.MinAvailable.IntValue() != 1 ||
		!reflect.DeepEqual(pdb.Spec.Selector.MatchLabels, d.Spec.Selector.MatchLabels) {
		t.Errorf("PodDisruptionBudget %+v: want minAvailable 1 of the manager's pods", pdb.Spec)
	}

	// cert-manager issues the certificate for the Service's DNS names,
	// from a self-signed Issuer, into the Secret the manager mounts; the
	// ServiceMonitor verifies it by its CA and the name it was issued for.
	var cert struct {
		Spec struct {
			SecretName, Duration, RenewBefore string
			DNSNames                          []string `json:"dnsNames"`
			IssuerRef                         map[string]string
		}
	}
	var sm, issuer map[string]any
	for _, obj := range r.objects {
		b, _ := yaml.Marshal(obj)
		switch kindName(obj) {
		case "Certificate/" + fn + "-metrics-cert":
			if err := yaml.Unmarshal(b, &cert); err != nil {
				t.Fatal(err)
			}
		case "Issuer/" + fn + "-selfsigned-issuer":
			issuer = obj
		case "ServiceMonitor/" + fn + "-controller-manager-metrics-monitor":
			sm = obj
		}
	}
	if issuer == nil || sm == nil || cert.Spec.SecretName == "" {
		t.Fatalf("want a Certificate, an Issuer and a ServiceMonitor among %v", r.names())
	}
	if cert.Spec.SecretName != vols[0].Secret.SecretName || cert.Spec.Duration != "2160h" || cert.Spec.RenewBefore != "360h" ||
		!reflect.DeepEqual(cert.Spec.IssuerRef, map[string]string{"name": fn + "-selfsigned-issuer", "kind": "Issuer", "group": "cert-manager.io"}) {
		t.Errorf("Certificate spec %+v", cert.Spec)
	}
	serverName := svc + "." + certified.namespace + ".svc"
	if !slices.Contains(cert.Spec.DNSNames, serverName) {
		t.Errorf("the Certificate's dnsNames %v lack %s, which the ServiceMonitor verifies", cert.Spec.DNSNames, serverName)
	}
	b, _ := yaml.Marshal(sm["spec"])
	for _, s := range []string{"serverName: " + serverName, "name: " + cert.Spec.SecretName, "key: ca.crt", "insecureSkipVerify: false"} {
		if !strings.Contains(string(b), s) {
			t.Errorf("the ServiceMonitor's spec lacks %q:\n%s", s, b)
		}
	}
}

// TestPodDisruptionBudgetOnlyWithReplicas: one replica gets no budget (it
// would block every node drain), nor does podDisruptionBudget.enabled=false.
func TestPodDisruptionBudgetOnlyWithReplicas(t *testing.T) {
	for _, v := range []map[string]any{
		{"replicaCount": 1},
		{"replicaCount": 3, "podDisruptionBudget": map[string]any{"enabled": false}},
	} {
		for _, name := range render(t, release{name: "mailgun-operator", namespace: "x", values: v}).names() {
			if strings.HasPrefix(name, "PodDisruptionBudget/") {
				t.Errorf("values %v render %s", v, name)
			}
		}
	}
}

// TestGoGC: GOGC is 25 unless goGC says otherwise; "" sets none (Go's
// default), and then extraEnv may carry one.
func TestGoGC(t *testing.T) {
	for _, c := range []struct {
		values map[string]any
		want   []string // the GOGC variables, in order
	}{
		{nil, []string{"25"}},
		{map[string]any{"goGC": "100"}, []string{"100"}},
		{map[string]any{"goGC": "off", "goMemLimit": "200MiB"}, []string{"off"}},
		{map[string]any{"goGC": ""}, nil},
		{map[string]any{"goGC": "", "extraEnv": []any{map[string]any{"name": "GOGC", "value": "25"}}}, []string{"25"}},
	} {
		var d appsv1.Deployment
		render(t, release{name: "mailgun-operator", namespace: "x", values: c.values}).find(t, "Deployment", "mailgun-operator-controller-manager", &d)
		var got []string
		for _, e := range d.Spec.Template.Spec.Containers[0].Env {
			if e.Name == "GOGC" {
				got = append(got, e.Value)
			}
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("values %v: GOGC %q, want %q", c.values, got, c.want)
		}
	}
}

// TestGoMemLimit: goMemLimit auto is 90% of the memory limit in bytes,
// whatever its unit; none without a limit or with "".
func TestGoMemLimit(t *testing.T) {
	for _, c := range []struct {
		values map[string]any
		want   string // "" for no GOMEMLIMIT
	}{
		{map[string]any{"resources": map[string]any{"limits": map[string]any{"memory": "1Gi"}}}, "966367641"},
		{map[string]any{"resources": map[string]any{"limits": map[string]any{"memory": "500M"}}}, "450000000"},
		{map[string]any{"resources": map[string]any{"limits": map[string]any{"memory": 1000000}}}, "900000"},
		{map[string]any{"resources": map[string]any{"limits": map[string]any{"memory": nil, "cpu": "1"}}}, ""}, // null drops the default limit
		{map[string]any{"goMemLimit": ""}, ""},
		{map[string]any{"goMemLimit": "300MiB"}, "300MiB"},
	} {
		var d appsv1.Deployment
		render(t, release{name: "mailgun-operator", namespace: "x", values: c.values}).find(t, "Deployment", "mailgun-operator-controller-manager", &d)
		var got string
		for _, e := range d.Spec.Template.Spec.Containers[0].Env {
			if e.Name == "GOMEMLIMIT" {
				got = e.Value
			}
		}
		if got != c.want {
			t.Errorf("values %v: GOMEMLIMIT %q, want %q", c.values, got, c.want)
		}
	}
}
