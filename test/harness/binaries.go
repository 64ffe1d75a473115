package harness

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// Root finds the repository root from the working directory.
func Root() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "PROJECT")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("cannot find the repository root (the folder with PROJECT)")
		}
		dir = parent
	}
}

// Build compiles the manager and the emulator into dir and returns their paths.
func Build(ctx context.Context, root, dir string) (manager, emulator string, err error) {
	manager, emulator = filepath.Join(dir, "manager"), filepath.Join(dir, "mailgun-emulator")
	for pkg, out := range map[string]string{"./cmd/manager": manager, "./cmd/mailgun-emulator": emulator} {
		cmd := exec.CommandContext(ctx, "go", "build", "-o", out, pkg)
		cmd.Dir = root
		if b, err := cmd.CombinedOutput(); err != nil {
			return "", "", fmt.Errorf("cannot build %s: %w: %s", pkg, err, b)
		}
	}
	return manager, emulator, nil
}

// Assets is the envtest binary folder: $KUBEBUILDER_ASSETS, as `make` sets it.
func Assets() (string, error) {
	a := os.Getenv("KUBEBUILDER_ASSETS")
	if a == "" {
		return "", errors.New("KUBEBUILDER_ASSETS is not set: run through make, which builds the control plane binaries")
	}
	return a, nil
}
