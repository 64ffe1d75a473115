package harness

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// ControlPlane is a local kube-apiserver and etcd with the operator's CRDs,
// reachable through a kubeconfig file.
type ControlPlane struct {
	env *envtest.Environment
	// Config reaches the API server as an administrator.
	Config *rest.Config
	// Kubeconfig is the path of a kubeconfig file for kubectl and the manager.
	Kubeconfig string
	// Assets is the folder of kube-apiserver, etcd and kubectl.
	Assets string
	dir    string
}

// StartControlPlane starts the API server and etcd found in assets (the
// KUBEBUILDER_ASSETS folder) and installs the CRDs under root/config/crd/bases.
func StartControlPlane(root, assets string) (*ControlPlane, error) {
	env := &envtest.Environment{
		BinaryAssetsDirectory: assets,
		CRDDirectoryPaths:     []string{filepath.Join(root, "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
	}
	cfg, err := env.Start()
	if err != nil {
		return nil, fmt.Errorf("cannot start kube-apiserver and etcd from %s: %w", assets, err)
	}
	dir, err := os.MkdirTemp("", "mailgun-operator-")
	if err != nil {
		_ = env.Stop()
		return nil, fmt.Errorf("cannot make a temporary folder: %w", err)
	}
	cp := &ControlPlane{env: env, Config: cfg, Assets: assets, dir: dir,
		Kubeconfig: filepath.Join(dir, "kubeconfig")}
	if err := os.WriteFile(cp.Kubeconfig, env.KubeConfig, 0o600); err != nil {
		_ = cp.Stop()
		return nil, fmt.Errorf("cannot write the kubeconfig: %w", err)
	}
	return cp, nil
}

// Dir is a temporary folder that lives as long as the control plane.
func (c *ControlPlane) Dir() string { return c.dir }

// Stop stops the API server and etcd and removes the temporary files.
func (c *ControlPlane) Stop() error {
	err := c.env.Stop()
	_ = os.RemoveAll(c.dir)
	return err
}

// Kubectl runs the real kubectl against the control plane and returns its
// combined output.
func (c *ControlPlane) Kubectl(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, filepath.Join(c.Assets, "kubectl"), append([]string{"--kubeconfig", c.Kubeconfig}, args...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("kubectl %v: %w: %s", args, err, out)
	}
	return string(out), nil
}

// TokenKubeconfig writes, into dir, a kubeconfig that reaches the API server
// with a bearer token (a ServiceAccount's, from `kubectl create token`)
// instead of the administrator's certificate, and returns its path: how a
// test runs the manager, or kubectl, with exactly the RBAC of a role.
func (c *ControlPlane) TokenKubeconfig(dir, token string) (string, error) {
	ca := filepath.Join(dir, "token-ca.crt")
	if err := os.WriteFile(ca, c.Config.CAData, 0o600); err != nil {
		return "", err
	}
	p := filepath.Join(dir, "token-kubeconfig")
	err := os.WriteFile(p, []byte(fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: envtest
  cluster:
    server: %s
    certificate-authority: %s
users:
- name: token
  user:
    token: %s
contexts:
- name: token
  context: {cluster: envtest, user: token}
current-context: token
`, c.Config.Host, ca, token)), 0o600)
	return p, err
}
