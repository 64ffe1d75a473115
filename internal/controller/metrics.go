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

// objectsCollector reports how many objects of each kind are Ready, and one
// series per object and condition, read from the informer cache when
// Prometheus scrapes: no bookkeeping on the reconcile path, and never stale.
// A deleted object, or a condition whose status or reason changed, has no
// series left at the next scrape, because nothing is remembered between two
// scrapes. docs/observability.md describes the series.
type objectsCollector struct {
	cache     client.Reader
	desc      *prometheus.Desc
	condition *prometheus.Desc
}

func newObjectsCollector(cache client.Reader) *objectsCollector {
	return &objectsCollector{cache: cache,
		desc: prometheus.NewDesc("mailgun_operator_objects",
			"Objects of each kind by their Ready condition (True, False or Unknown when absent).",
			[]string{"kind", "ready"}, nil),
		condition: prometheus.NewDesc("mailgun_operator_object_condition",
			"1 for each condition an object has (Ready, Reconciling, Stalled, DNSVerified), with its status and reason; "+
				"Ready is reported Unknown with an empty reason while the object has none yet.",
			[]string{"kind", "namespace", "name", "type", "status", "reason"}, nil),
	}
}

func (c *objectsCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.desc
	ch <- c.condition
}

// collectedKinds are the kinds the collector lists, with their list types.
func collectedKinds() []struct {
	kind string
	list client.ObjectList
} {
	return []struct {
		kind string
		list client.ObjectList
	}{
		{"MailgunAccount", &v1alpha1.MailgunAccountList{}},
		{"MailgunDomain", &v1alpha1.MailgunDomainList{}},
		{"Webhook", &v1alpha1.WebhookList{}},
		{"Route", &v1alpha1.RouteList{}},
	}
}

func (c *objectsCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, k := range collectedKinds() {
		// The collector only reads, so the cache's objects need not be
		// copied: a scrape of thousands of objects then allocates little.
		if err := c.cache.List(ctx, k.list, client.UnsafeDisableDeepCopy); err != nil {
			continue // the cache is not synced yet: report nothing rather than zeros
		}
		counts := map[string]float64{"True": 0, "False": 0, "Unknown": 0}
		_ = meta.EachListItem(k.list, func(o runtime.Object) error {
			conds := conditionsOf(o)
			counts[readyStatus(conds)]++
			obj, ok := o.(metav1.Object)
			if !ok {
				return nil
			}
			if meta.FindStatusCondition(conds, v1alpha1.ConditionReady) == nil {
				ch <- prometheus.MustNewConstMetric(c.condition, prometheus.GaugeValue, 1,
					k.kind, obj.GetNamespace(), obj.GetName(), v1alpha1.ConditionReady, "Unknown", "")
			}
			for i, cond := range conds {
				// Two conditions of one type would make two series of one
				// label set, and the whole scrape fail; the API server's
				// merge key prevents it, this guards the scrape anyway.
				if meta.FindStatusCondition(conds[:i], cond.Type) != nil {
					continue
				}
				status := string(cond.Status)
				if status == "" {
					status = "Unknown"
				}
				ch <- prometheus.MustNewConstMetric(c.condition, prometheus.GaugeValue, 1,
					k.kind, obj.GetNamespace(), obj.GetName(), cond.Type, status, cond.Reason)
			}
			return nil
		})
		for ready, n := range counts {
			ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, n, k.kind, ready)
		}
	}
}

// conditionsOf is an object's status conditions.
func conditionsOf(o runtime.Object) []metav1.Condition {
	switch x := o.(type) {
	case *v1alpha1.MailgunAccount:
		return x.Status.Conditions
	case v1alpha1.Managed:
		return x.GetManagedStatus().Conditions
	}
	return nil
}

// readyStatus is the status of the Ready condition, Unknown if absent.
func readyStatus(conds []metav1.Condition) string {
	if c := meta.FindStatusCondition(conds, v1alpha1.ConditionReady); c != nil && c.Status != "" {
		return string(c.Status)
	}
	return "Unknown"
}
