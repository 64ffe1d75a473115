package controller

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	v1alpha1 "github.com/mailgun-operator/mailgun-operator/api/v1alpha1"
)

func TestObjectsCollectorCountsByKindAndReadiness(t *testing.T) {
	scheme := runtime.NewScheme()
	if err := v1alpha1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	route := func(name string, ready metav1.ConditionStatus) *v1alpha1.Route {
		r := &v1alpha1.Route{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns"}}
		if ready != "" {
			r.Status.Conditions = []metav1.Condition{{Type: v1alpha1.ConditionReady, Status: ready, Reason: "X"}}
		}
		return r
	}
	c := fake.NewClientBuilder().WithScheme(scheme).WithObjects(
		route("a", metav1.ConditionTrue), route("b", metav1.ConditionTrue),
		route("c", metav1.ConditionFalse), route("d", ""),
	).Build()

	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(newObjectsCollector(c))
	want := `
# HELP mailgun_operator_objects Objects of each kind by their Ready condition (True, False or Unknown when absent).
# TYPE mailgun_operator_objects gauge
mailgun_operator_objects{kind="Route",ready="False"} 1
mailgun_operator_objects{kind="Route",ready="True"} 2
mailgun_operator_objects{kind="Route",ready="Unknown"} 1
mailgun_operator_objects{kind="Webhook",ready="False"} 0
mailgun_operator_objects{kind="Webhook",ready="True"} 0
mailgun_operator_objects{kind="Webhook",ready="Unknown"} 0
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want+accountAndDomainZeros), "mailgun_operator_objects"); err != nil {
		t.Fatal(err)
	}
}

const accountAndDomainZeros = `mailgun_operator_objects{kind="MailgunAccount",ready="False"} 0
mailgun_operator_objects{kind="MailgunAccount",ready="True"} 0
mailgun_operator_objects{kind="MailgunAccount",ready="Unknown"} 0
mailgun_operator_objects{kind="MailgunDomain",ready="False"} 0
mailgun_operator_objects{kind="MailgunDomain",ready="True"} 0
mailgun_operator_objects{kind="MailgunDomain",ready="Unknown"} 0
`

// TestObjectConditionSeries checks the per-object series against objects in
// each state, then that a changed reason and a deleted object leave no
// series behind.
func TestObjectConditionSeries(t *testing.T) {
	scheme := runtime.NewScheme()
	if err := v1alpha1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	cond := func(typ string, s metav1.ConditionStatus, reason string) metav1.Condition {
		return metav1.Condition{Type: typ, Status: s, Reason: reason}
	}
	ready := cond(v1alpha1.ConditionReady, metav1.ConditionTrue, "Succeeded")
	account := &v1alpha1.MailgunAccount{ObjectMeta: metav1.ObjectMeta{Name: "acct", Namespace: "a"}}
	account.Status.Conditions = []metav1.Condition{
		cond(v1alpha1.ConditionReady, metav1.ConditionFalse, "InvalidCredentials"),
		cond(v1alpha1.ConditionStalled, metav1.ConditionTrue, "InvalidCredentials")}
	domain := &v1alpha1.MailgunDomain{ObjectMeta: metav1.ObjectMeta{Name: "example.com", Namespace: "a"}}
	domain.Status.Conditions = []metav1.Condition{ready,
		cond(v1alpha1.ConditionDNSVerified, metav1.ConditionFalse, "DNSNotVerified")}
	retrying := &v1alpha1.Webhook{ObjectMeta: metav1.ObjectMeta{Name: "wh", Namespace: "b"}}
	retrying.Status.Conditions = []metav1.Condition{
		cond(v1alpha1.ConditionReady, metav1.ConditionFalse, "RateLimited"),
		cond(v1alpha1.ConditionReconciling, metav1.ConditionTrue, "RateLimited")}
	fresh := &v1alpha1.Route{ObjectMeta: metav1.ObjectMeta{Name: "new", Namespace: "b"}}
	// A condition written twice must not fail the scrape (see Collect).
	twice := &v1alpha1.Route{ObjectMeta: metav1.ObjectMeta{Name: "twice", Namespace: "b"}}
	twice.Status.Conditions = []metav1.Condition{ready, ready}
	c := fake.NewClientBuilder().WithScheme(scheme).
		WithObjects(account, domain, retrying, fresh, twice).
		WithStatusSubresource(account, domain, retrying, fresh, twice).Build()

	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(newObjectsCollector(c))
	const header = `
# HELP mailgun_operator_object_condition 1 for each condition an object has (Ready, Reconciling, Stalled, DNSVerified), with its status and reason; Ready is reported Unknown with an empty reason while the object has none yet.
# TYPE mailgun_operator_object_condition gauge
`
	compare := func(step, want string) {
		t.Helper()
		if err := testutil.GatherAndCompare(reg, strings.NewReader(header+want), "mailgun_operator_object_condition"); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
	}
	compare("each state", `
mailgun_operator_object_condition{kind="MailgunAccount",name="acct",namespace="a",reason="InvalidCredentials",status="False",type="Ready"} 1
mailgun_operator_object_condition{kind="MailgunAccount",name="acct",namespace="a",reason="InvalidCredentials",status="True",type="Stalled"} 1
mailgun_operator_object_condition{kind="MailgunDomain",name="example.com",namespace="a",reason="DNSNotVerified",status="False",type="DNSVerified"} 1
mailgun_operator_object_condition{kind="MailgunDomain",name="example.com",namespace="a",reason="Succeeded",status="True",type="Ready"} 1
mailgun_operator_object_condition{kind="Route",name="new",namespace="b",reason="",status="Unknown",type="Ready"} 1
mailgun_operator_object_condition{kind="Route",name="twice",namespace="b",reason="Succeeded",status="True",type="Ready"} 1
mailgun_operator_object_condition{kind="Webhook",name="wh",namespace="b",reason="RateLimited",status="False",type="Ready"} 1
mailgun_operator_object_condition{kind="Webhook",name="wh",namespace="b",reason="RateLimited",status="True",type="Reconciling"} 1
`)

	ctx := context.Background()
	retrying.Status.Conditions = []metav1.Condition{ready}
	if err := c.Status().Update(ctx, retrying); err != nil {
		t.Fatal(err)
	}
	for _, o := range []client.Object{account, fresh} {
		if err := c.Delete(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	compare("after a heal and two deletions", `
mailgun_operator_object_condition{kind="MailgunDomain",name="example.com",namespace="a",reason="DNSNotVerified",status="False",type="DNSVerified"} 1
mailgun_operator_object_condition{kind="MailgunDomain",name="example.com",namespace="a",reason="Succeeded",status="True",type="Ready"} 1
mailgun_operator_object_condition{kind="Route",name="twice",namespace="b",reason="Succeeded",status="True",type="Ready"} 1
mailgun_operator_object_condition{kind="Webhook",name="wh",namespace="b",reason="Succeeded",status="True",type="Ready"} 1
`)
}

// TestObjectsCollectorWhenAListFails: a kind the cache cannot list (not
// synced yet, or its CRD gone) is left out of the scrape, neither counted
// zero nor failing the others.
func TestObjectsCollectorWhenAListFails(t *testing.T) {
	scheme := runtime.NewScheme()
	if err := v1alpha1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	wh := &v1alpha1.Webhook{ObjectMeta: metav1.ObjectMeta{Name: "wh", Namespace: "b"}}
	wh.Status.Conditions = []metav1.Condition{{Type: v1alpha1.ConditionReady, Status: metav1.ConditionTrue, Reason: "Succeeded"}}
	c := interceptor.NewClient(fake.NewClientBuilder().WithScheme(scheme).
		WithObjects(wh, &v1alpha1.Route{ObjectMeta: metav1.ObjectMeta{Name: "r", Namespace: "b"}}).Build(),
		interceptor.Funcs{List: func(ctx context.Context, c client.WithWatch, list client.ObjectList, opts ...client.ListOption) error {
			if _, ok := list.(*v1alpha1.RouteList); ok {
				return errors.New("injected: the cache is not synced")
			}
			return c.List(ctx, list, opts...)
		}})
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(newObjectsCollector(c))
	families, err := reg.Gather()
	if err != nil {
		t.Fatalf("the scrape failed with one kind unlistable: %v", err)
	}
	kinds := map[string]bool{}
	for _, f := range families {
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "kind" {
					kinds[f.GetName()+" "+l.GetValue()] = true
				}
			}
		}
	}
	for _, want := range []string{"mailgun_operator_objects Webhook", "mailgun_operator_object_condition Webhook", "mailgun_operator_objects MailgunDomain"} {
		if !kinds[want] {
			t.Errorf("no %s series: %v", want, kinds)
		}
	}
	for _, unwanted := range []string{"mailgun_operator_objects Route", "mailgun_operator_object_condition Route"} {
		if kinds[unwanted] {
			t.Errorf("%s series reported though Routes could not be listed", unwanted)
		}
	}
}
