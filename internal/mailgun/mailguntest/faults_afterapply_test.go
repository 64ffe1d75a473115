package mailguntest

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

// A lost answer: the write is made, the client never hears of it.
func TestFaultAfterApply(t *testing.T) {
	post := func(t *testing.T, s *Server, ctx context.Context) (*http.Response, error) {
		t.Helper()
		req, _ := http.NewRequestWithContext(ctx, "POST", s.URL+"/v3/routes", strings.NewReader("expression=catch_all()"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth("api", testKey)
		return http.DefaultClient.Do(req)
	}
	t.Run("a client that times out loses the answer, not the write", func(t *testing.T) {
		s := newTestServer(t)
		s.InjectFault(OpCreateRoute, Fault{AfterApply: true, Delay: time.Hour})
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		if resp, err := post(t, s, ctx); !errors.Is(err, context.DeadlineExceeded) {
			if err == nil {
				resp.Body.Close()
			}
			t.Fatalf("err %v, want deadline exceeded", err)
		}
		if n := len(s.Routes()); n != 1 {
			t.Errorf("%d routes after the lost answer, want 1", n)
		}
		if n := s.Succeeded(OpCreateRoute); n != 1 {
			t.Errorf("Succeeded(CreateRoute) = %d, want 1: the write was made", n)
		}
		if r := send(t, s, call{method: "GET", path: "/v3/routes"}); r.status != 200 {
			t.Errorf("next call: %d", r.status)
		}
	})
	t.Run("a dropped connection after the write", func(t *testing.T) {
		s := newTestServer(t)
		s.InjectFault(OpCreateRoute, Fault{AfterApply: true, DropConnection: true})
		if resp, err := post(t, s, context.Background()); err == nil {
			resp.Body.Close()
			t.Fatalf("got an answer %d, want a dropped connection", resp.StatusCode)
		}
		if n := len(s.Routes()); n != 1 {
			t.Errorf("%d routes, want 1", n)
		}
	})
	t.Run("a short delay still delivers the real answer", func(t *testing.T) {
		s := newTestServer(t)
		s.InjectFault(OpCreateRoute, Fault{AfterApply: true, Delay: 50 * time.Millisecond, Status: 500})
		start := time.Now()
		resp, err := post(t, s, context.Background())
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 || time.Since(start) < 50*time.Millisecond {
			t.Errorf("status %d after %v, want 200 (Status ignored) after the delay", resp.StatusCode, time.Since(start))
		}
		if n := len(s.Routes()); n != 1 {
			t.Errorf("%d routes, want 1", n)
		}
	})
}

func TestSucceeded(t *testing.T) {
	s := newTestServer(t)
	s.InjectFault(OpCreateRoute, Fault{Status: 503})
	for i := range 3 {
		r := send(t, s, call{method: "POST", path: "/v3/routes", form: form("expression", "catch_all()")})
		if want := []int{503, 200, 200}[i]; r.status != want {
			t.Fatalf("call %d: %d, want %d", i+1, r.status, want)
		}
	}
	if r := send(t, s, call{method: "POST", path: "/v3/routes", form: form("priority", "x")}); r.status != 400 {
		t.Fatalf("bad create: %d, want 400", r.status)
	}
	if got := s.Succeeded(OpCreateRoute); got != 2 || s.Calls(OpCreateRoute) != 4 {
		t.Errorf("Succeeded %d of %d calls, want 2 of 4", got, s.Calls(OpCreateRoute))
	}
	s.ResetCalls()
	if got := s.Succeeded(OpCreateRoute); got != 0 {
		t.Errorf("after ResetCalls: %d", got)
	}
}
