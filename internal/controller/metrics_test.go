package controller

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"strings"

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
