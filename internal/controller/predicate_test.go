package controller

import (
	"time"

	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/event"

	v1alpha1 "github.com/mailgun-operator/mailgun-operator/api/v1alpha1"
)

// TestAccountChanges: an account's status write wakes its objects only when
// what they act on changed.
func TestAccountChanges(t *testing.T) {
	acct := func(status metav1.ConditionStatus, reason, message string) *v1alpha1.MailgunAccount {
		a := &v1alpha1.MailgunAccount{ObjectMeta: metav1.ObjectMeta{Name: "a", Generation: 1}}
		if status != "" {
			a.Status.Conditions = []metav1.Condition{{Type: v1alpha1.ConditionReady, Status: status, Reason: reason, Message: message}}
		}
		return a
	}
	now := metav1.Now()
	cases := []struct {
		name     string
		old, new *v1alpha1.MailgunAccount
		want     bool
	}{
		{"first status", acct("", "", ""), acct(metav1.ConditionTrue, ReasonSucceeded, "ok"), true},
		{"Ready turns False", acct(metav1.ConditionTrue, ReasonSucceeded, "ok"), acct(metav1.ConditionFalse, ReasonInvalidCredentials, "no"), true},
		{"reason changes", acct(metav1.ConditionFalse, ReasonRateLimited, "x"), acct(metav1.ConditionFalse, ReasonInvalidCredentials, "x"), true},
		{"only the message changes", acct(metav1.ConditionFalse, ReasonRateLimited, "a"), acct(metav1.ConditionFalse, ReasonRateLimited, "b"), false},
		{"nothing changes", acct(metav1.ConditionTrue, ReasonSucceeded, "ok"), acct(metav1.ConditionTrue, ReasonSucceeded, "ok"), false},
		{"spec changes", acct(metav1.ConditionTrue, ReasonSucceeded, "ok"), func() *v1alpha1.MailgunAccount {
			a := acct(metav1.ConditionTrue, ReasonSucceeded, "ok")
			a.Generation = 2
			return a
		}(), true},
		{"recorded address changes", acct(metav1.ConditionTrue, ReasonSucceeded, "ok"), func() *v1alpha1.MailgunAccount {
			a := acct(metav1.ConditionTrue, ReasonSucceeded, "ok")
			a.Status.APIBaseURL = "https://api.eu.mailgun.net"
			return a
		}(), true},
		{"deleted", acct(metav1.ConditionTrue, ReasonSucceeded, "ok"), func() *v1alpha1.MailgunAccount {
			a := acct(metav1.ConditionTrue, ReasonSucceeded, "ok")
			a.DeletionTimestamp = &now
			return a
		}(), true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := accountChanges.Update(event.UpdateEvent{ObjectOld: tc.old, ObjectNew: tc.new}); got != tc.want {
				t.Errorf("wakes objects = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestRecheckAfter: a stalled object is checked again from minRecheck up to
// the sync period, growing with how long it has been stalled.
func TestRecheckAfter(t *testing.T) {
	now := metav1.Now().Time
	stalledFor := func(d string) *v1alpha1.Status {
		st := &v1alpha1.Status{}
		if d != "" {
			dur, _ := timeParse(d)
			st.Conditions = []metav1.Condition{{Type: v1alpha1.ConditionStalled, Status: metav1.ConditionTrue,
				LastTransitionTime: metav1.NewTime(now.Add(-dur))}}
		}
		return st
	}
	cases := []struct {
		name       string
		st         *v1alpha1.Status
		sync       string
		lo, hiIncl string
	}{
		{"newly stalled", stalledFor(""), "10m", "30s", "33s"},
		{"stalled 5 minutes", stalledFor("5m"), "10m", "5m", "5m30s"},
		{"stalled for hours: the sync period", stalledFor("3h"), "10m", "10m", "11m"},
		{"a sync period under 30s wins", stalledFor(""), "10s", "10s", "11s"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sync, _ := timeParse(tc.sync)
			lo, _ := timeParse(tc.lo)
			hi, _ := timeParse(tc.hiIncl)
			if got := recheckAfter(tc.st, sync, now); got < lo || got > hi {
				t.Errorf("recheckAfter = %v, want in [%v, %v]", got, lo, hi)
			}
		})
	}
}

var timeParse = time.ParseDuration

// TestUserAnnotationChanges: a user's annotation change (a nudge) wakes
// the object; the operator's own bookkeeping annotations do not.
func TestUserAnnotationChanges(t *testing.T) {
	route := func(ann map[string]string) *v1alpha1.Route {
		return &v1alpha1.Route{ObjectMeta: metav1.ObjectMeta{Name: "r", UID: "uid", Generation: 1, Annotations: ann}}
	}
	// recorded is a Route whose status records route "id".
	recorded := func(r *v1alpha1.Route) *v1alpha1.Route {
		r.Status.Management = v1alpha1.ManagementCreated
		r.Status.ID = "id"
		return r
	}
	pending := func(r *v1alpha1.Route) *v1alpha1.Route {
		r.Status.CreatePendingSince = &metav1.Time{Time: time.Now()}
		return r
	}
	cases := []struct {
		name     string
		old, new map[string]string
		// status, when set, fills the new object's status.
		status func(*v1alpha1.Route) *v1alpha1.Route
		want   bool
	}{
		{"nothing changes", map[string]string{"a": "1"}, map[string]string{"a": "1"}, nil, false},
		{"the create marker is written", nil, map[string]string{CreateStartedAnnotation: "t uid"}, nil, false},
		{"the external name is written", map[string]string{CreateStartedAnnotation: "t uid"},
			map[string]string{CreateStartedAnnotation: "t uid", ExternalNameAnnotation: "id"}, nil, false},
		{"the create marker goes", map[string]string{CreateStartedAnnotation: "t uid"}, nil, nil, false},
		{"a user adds one", nil, map[string]string{"nudge": "1"}, nil, true},
		{"a user changes one", map[string]string{"nudge": "1"}, map[string]string{"nudge": "2"}, nil, true},
		{"a user removes one", map[string]string{"nudge": "1", ExternalNameAnnotation: "id"}, map[string]string{ExternalNameAnnotation: "id"}, nil, true},
		{"both at once", nil, map[string]string{ExternalNameAnnotation: "id", "nudge": "1"}, nil, true},
		{"the operator records status.id", nil, map[string]string{ExternalNameAnnotation: "id"}, recorded, false},
		{"a user points the external name elsewhere", map[string]string{ExternalNameAnnotation: "id"},
			map[string]string{ExternalNameAnnotation: "other"}, recorded, true},
		{"a user sets the external name on a recorded object", nil, map[string]string{ExternalNameAnnotation: "other"}, recorded, true},
		{"a user sets it back to status.id", map[string]string{ExternalNameAnnotation: "other"},
			map[string]string{ExternalNameAnnotation: "id"}, recorded, false},
		{"a user removes the external name", map[string]string{ExternalNameAnnotation: "id"}, nil, recorded, true},
		{"a user removes the marker of a pending create", map[string]string{CreateStartedAnnotation: "t uid"}, nil, pending, true},
		{"the operator removes a resolved marker, writing the route's external name with it", map[string]string{CreateStartedAnnotation: "t uid"},
			map[string]string{ExternalNameAnnotation: "id"}, recorded, false},
		{"the operator removes the marker of a create that made nothing", map[string]string{CreateStartedAnnotation: "t uid"}, nil, nil, false},
		{"a user removes a created route's marker, its only record outside status", map[string]string{CreateStartedAnnotation: "t uid"}, nil, recorded, true},
		{"a user removes a copy's marker of another object", map[string]string{CreateStartedAnnotation: "t other-uid"}, nil, nil, true},
		{"the operator replaces a copy's marker with its own", map[string]string{CreateStartedAnnotation: "t other-uid"},
			map[string]string{CreateStartedAnnotation: "t uid"}, nil, false},
	}
	for _, tc := range cases {
		n := route(tc.new)
		if tc.status != nil {
			n = tc.status(n)
		}
		got := primaryChanges.Update(event.UpdateEvent{ObjectOld: route(tc.old), ObjectNew: n})
		if got != tc.want {
			t.Errorf("%s: reconcile = %v, want %v", tc.name, got, tc.want)
		}
	}
}
