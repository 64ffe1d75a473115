package controller

import (
	"testing"

	v1alpha1 "github.com/mailgun-operator/mailgun-operator/api/v1alpha1"
	"github.com/mailgun-operator/mailgun-operator/internal/mailgun"
)

// TestClickDrift: Mailgun may read html-only click tracking back as plain
// "active": true (the documented reading) or as "htmlonly"; with the mode
// last applied recorded, neither reading is drift, and on/off drift still is.
func TestClickDrift(t *testing.T) {
	var (
		off      = mailgun.Tracking{}
		on       = mailgun.Tracking{Click: true}
		htmlOnly = mailgun.Tracking{Click: true, ClickHTMLOnly: true} // the string reading
	)
	for _, tc := range []struct {
		name    string
		want    v1alpha1.ClickTracking
		got     mailgun.Tracking
		applied v1alpha1.ClickTracking
		drift   bool
	}{
		{"htmlOnly applied, read back as true", v1alpha1.ClickTrackingHTMLOnly, on, v1alpha1.ClickTrackingHTMLOnly, false},
		{"htmlOnly applied, read back as the string", v1alpha1.ClickTrackingHTMLOnly, htmlOnly, v1alpha1.ClickTrackingHTMLOnly, false},
		{"htmlOnly never applied (adopted), read back as true", v1alpha1.ClickTrackingHTMLOnly, on, "", true},
		{"htmlOnly never applied, read back as the string", v1alpha1.ClickTrackingHTMLOnly, htmlOnly, "", false},
		{"htmlOnly applied, turned off in the console", v1alpha1.ClickTrackingHTMLOnly, off, v1alpha1.ClickTrackingHTMLOnly, true},
		{"on wanted after htmlOnly was applied", v1alpha1.ClickTrackingOn, on, v1alpha1.ClickTrackingHTMLOnly, true},
		{"on wanted, on read", v1alpha1.ClickTrackingOn, on, v1alpha1.ClickTrackingOn, false},
		{"on wanted, the string read", v1alpha1.ClickTrackingOn, htmlOnly, v1alpha1.ClickTrackingOn, true},
		{"off wanted, true read", v1alpha1.ClickTrackingOff, on, v1alpha1.ClickTrackingOff, true},
		{"off wanted, off read", v1alpha1.ClickTrackingOff, off, v1alpha1.ClickTrackingHTMLOnly, false},
		{"click unset in the spec is never compared", "", off, v1alpha1.ClickTrackingHTMLOnly, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var d domainDiff
			diffTracking(&d, &v1alpha1.Tracking{Click: tc.want}, tc.got, tc.applied)
			if d.click != tc.drift {
				t.Errorf("drift %v, want %v (fields %v)", d.click, tc.drift, d.fields)
			}
		})
	}
}
