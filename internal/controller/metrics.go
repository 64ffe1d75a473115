package controller

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1alpha1 "github.com/mailgun-operator/mailgun-operator/api/v1alpha1"
)

// objectsCollector reports how many objects of each kind are Ready, counted
// from the informer cache when Prometheus scrapes: no bookkeeping on the
// reconcile path, and never stale.
type objectsCollector struct {
	cache client.Reader
	desc  *prometheus.Desc
}

func newObjectsCollector(cache client.Reader) *objectsCollector {
	return &objectsCollector{cache: cache, desc: prometheus.NewDesc("mailgun_operator_objects",
		"Objects of each kind by their Ready condition (True, False or Unknown when absent).",
		[]string{"kind", "ready"}, nil)}
}

func (c *objectsCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *objectsCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	kinds := []struct {
		kind string
		list client.ObjectList
	}{
		{"MailgunAccount", &v1alpha1.MailgunAccountList{}},
		{"MailgunDomain", &v1alpha1.MailgunDomainList{}},
		{"Webhook", &v1alpha1.WebhookList{}},
		{"Route", &v1alpha1.RouteList{}},
		{"SMTPCredential", &v1alpha1.SMTPCredentialList{}},
		{"Template", &v1alpha1.TemplateList{}},
	}
	for _, k := range kinds {
		if err := c.cache.List(ctx, k.list); err != nil {
			continue // the cache is not synced yet: report nothing rather than zeros
		}
		counts := map[string]float64{"True": 0, "False": 0, "Unknown": 0}
		_ = meta.EachListItem(k.list, func(o runtime.Object) error {
			counts[readyOf(o)]++
			return nil
		})
		for ready, n := range counts {
			ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, n, k.kind, ready)
		}
	}
}

// readyOf is the status of an object's Ready condition, Unknown if absent.
func readyOf(o runtime.Object) string {
	var conds []metav1.Condition
	switch x := o.(type) {
	case *v1alpha1.MailgunAccount:
		conds = x.Status.Conditions
	case v1alpha1.Managed:
		conds = x.GetManagedStatus().Conditions
	}
	if c := meta.FindStatusCondition(conds, v1alpha1.ConditionReady); c != nil && c.Status != "" {
		return string(c.Status)
	}
	return "Unknown"
}
