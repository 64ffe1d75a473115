package harness

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"time"
)

// Emulator is the Mailgun emulator running as a process, with its admin API.
type Emulator struct {
	*Process
	URL string
}

var listening = regexp.MustCompile(`listening on (http://\S+)`)

// StartEmulator runs the emulator binary on a free port with the admin API.
func StartEmulator(ctx context.Context, bin, apiKey string, echo io.Writer) (*Emulator, error) {
	p, err := Start("mailgun-emulator", bin, []string{"--addr", "127.0.0.1:0", "--state-endpoint"},
		[]string{"MAILGUN_EMULATOR_API_KEY=" + apiKey}, echo)
	if err != nil {
		return nil, err
	}
	wait, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := p.WaitForOutput(wait, "listening on "); err != nil {
		_ = p.Kill()
		return nil, err
	}
	m := listening.FindStringSubmatch(p.Output())
	if m == nil {
		_ = p.Kill()
		return nil, fmt.Errorf("cannot read the emulator's address from %q", p.Output())
	}
	return &Emulator{Process: p, URL: m[1]}, nil
}

// State is the part of the emulator's state dump the tests read.
type State struct {
	Domains []struct {
		Name  string `json:"name"`
		State string `json:"state"`
	} `json:"domains"`
	Webhooks map[string]map[string][]string `json:"webhooks"`
	Routes   []struct {
		ID          string `json:"id"`
		Description string `json:"description"`
		Expression  string `json:"expression"`
	} `json:"routes"`
	Calls      map[string]int `json:"calls"`
	Writes     int            `json:"writes"`
	TotalCalls int            `json:"total_calls"`
}

// State reads the emulator's state.
func (e *Emulator) State(ctx context.Context) (State, error) {
	var st State
	body, err := e.admin(ctx, http.MethodGet, "/_emulator/state", "")
	if err != nil {
		return st, err
	}
	if err := json.Unmarshal(body, &st); err != nil {
		return st, fmt.Errorf("cannot decode the emulator state: %w", err)
	}
	return st, nil
}

// ResetCalls zeroes the emulator's call counters.
func (e *Emulator) ResetCalls(ctx context.Context) error {
	_, err := e.admin(ctx, http.MethodPost, "/_emulator/reset-calls", "")
	return err
}

// MarkDNSValid makes the domain's DNS records pass Mailgun's next check.
func (e *Emulator) MarkDNSValid(ctx context.Context, domain string) error {
	_, err := e.admin(ctx, http.MethodPost, "/_emulator/domains/"+domain+"/dns-valid", "")
	return err
}

// Fault makes the emulator's next calls of one operation misbehave; see
// the faults endpoint in cmd/mailgun-emulator/admin.go.
type Fault struct {
	Op             string `json:"op"`
	Status         int    `json:"status,omitempty"`
	Times          int    `json:"times,omitempty"`
	Delay          string `json:"delay,omitempty"` // a Go duration, such as "3s"
	DropConnection bool   `json:"drop_connection,omitempty"`
}

// InjectFault queues f behind the faults already queued for its operation.
func (e *Emulator) InjectFault(ctx context.Context, f Fault) error {
	b, err := json.Marshal(f)
	if err != nil {
		return err
	}
	_, err = e.admin(ctx, http.MethodPost, "/_emulator/faults", string(b))
	return err
}

// ClearFaults drops every fault still queued, as the end of an incident.
func (e *Emulator) ClearFaults(ctx context.Context) error {
	_, err := e.admin(ctx, http.MethodDelete, "/_emulator/faults", "")
	return err
}

func (e *Emulator) admin(ctx context.Context, method, path, body string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, e.URL+path, strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("cannot reach the emulator: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 != 2 {
		return nil, fmt.Errorf("emulator %s %s: %s: %s", method, path, resp.Status, b)
	}
	return b, nil
}
