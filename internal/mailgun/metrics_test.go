package mailgun

import "testing"

// TestCodeClass: the "code" label keeps 401, 403 and 429 apart from other
// 4xx, because the alert rules (config/prometheus/rules.yaml) need them.
func TestCodeClass(t *testing.T) {
	for _, tc := range []struct {
		status int
		want   string
	}{
		{200, "2xx"}, {204, "2xx"}, {301, "3xx"}, {400, "4xx"}, {401, "401"}, {403, "403"},
		{404, "4xx"}, {429, "429"}, {499, "4xx"}, {500, "5xx"}, {503, "5xx"}, {0, "error"}, {600, "error"}, {99, "error"},
	} {
		if got := codeClassNames[codeClass(tc.status)]; got != tc.want {
			t.Errorf("codeClass(%d) = %q, want %q", tc.status, got, tc.want)
		}
	}
}
