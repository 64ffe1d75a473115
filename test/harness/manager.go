package harness

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// EmulatorFlags let the manager call the Mailgun emulator, which is http on
// 127.0.0.1 (the manager only calls https on Mailgun's hosts otherwise).
var EmulatorFlags = []string{"--mailgun-allowed-hosts=127.0.0.1", "--mailgun-allow-insecure-http"}

// StartManager runs the manager binary against the control plane with args
// added to the defaults (which include EmulatorFlags; a later flag wins), and
// waits until it has started its controllers.
func StartManager(ctx context.Context, cp *ControlPlane, bin, name string, args []string, echo io.Writer) (*Process, error) {
	return StartManagerWithEnv(ctx, cp, bin, name, args, nil, echo)
}

// StartManagerWithEnv is StartManager with variables (K=V) added to the
// manager's environment only (GOGC, say, which the API server and etcd must
// not get too).
func StartManagerWithEnv(ctx context.Context, cp *ControlPlane, bin, name string, args, env []string, echo io.Writer) (*Process, error) {
	all := append([]string{"--health-probe-bind-address=0", "--metrics-bind-address=0"}, EmulatorFlags...)
	all = append(all, args...)
	p, err := Start(name, bin, all, append([]string{"KUBECONFIG=" + cp.Kubeconfig}, env...), echo)
	if err != nil {
		return nil, err
	}
	wait, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if err := p.WaitForOutput(wait, "starting manager"); err != nil {
		_ = p.Kill()
		return nil, err
	}
	return p, nil
}

// Samples copies config/samples into a folder of the control plane with the
// MailgunAccount pointed at the emulator, and returns that folder for
// `kubectl apply -k`.
func Samples(root string, cp *ControlPlane, emulatorURL string) (string, error) {
	dst := filepath.Join(cp.Dir(), "samples")
	if err := SamplesTo(root, dst, emulatorURL); err != nil {
		return "", err
	}
	return dst, nil
}

// SamplesTo is Samples into the folder dst, for callers that share one
// control plane between several emulators.
func SamplesTo(root, dst, emulatorURL string) error {
	src := filepath.Join(root, "config", "samples")
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	entries, err := os.ReadDir(src)
	if err != nil {
		return fmt.Errorf("cannot read the samples: %w", err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			return err
		}
		s := string(b)
		if e.Name() == "mailgun_v1alpha1_mailgunaccount.yaml" {
			if !strings.Contains(s, "  region: us\n") {
				return fmt.Errorf("the account sample no longer sets region: us; update harness.Samples")
			}
			s = strings.Replace(s, "  region: us\n", "  apiBaseURL: "+emulatorURL+"\n", 1)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), []byte(s), 0o644); err != nil {
			return err
		}
	}
	return nil
}
