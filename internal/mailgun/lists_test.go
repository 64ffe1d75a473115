package mailgun_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/mailgun-operator/mailgun-operator/internal/mailgun"
)

// TestListAnswerShapes: a list answer is read nested under "list" (OLD, the
// emulator) or flat (how the SDK decodes a create's answer), the nested one
// first (docs/mailgun-api.md, "Mailing lists").
func TestListAnswerShapes(t *testing.T) {
	for _, tc := range []struct{ name, body, want string }{
		{"nested", `{"message":"Mailing list has been created","list":{"address":"a@example.com","name":"A","members_count":2}}`, "a@example.com"},
		{"flat", `{"address":"b@example.com","name":"A","members_count":"2"}`, "b@example.com"},
		{"both: nested wins", `{"address":"c@example.com","list":{"address":"d@example.com","name":"A","members_count":2}}`, "d@example.com"},
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(tc.body))
		}))
		a, err := mailgun.NewAccount(srv.URL, "key-test")
		if err != nil {
			t.Fatal(err)
		}
		l, err := mailgun.New(testOptions()).GetList(context.Background(), a, "x@example.com")
		if err != nil || l.Address != tc.want || l.Name != "A" || l.MembersCount != 2 {
			t.Errorf("%s: %+v, %v; want address %s, name A, 2 members", tc.name, l, err, tc.want)
		}
		srv.Close()
	}
}
