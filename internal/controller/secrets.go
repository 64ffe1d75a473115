package controller

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Secrets reads Secrets without caching their data: the manager watches
// only Secret metadata, which tells a changed Secret by its resourceVersion,
// and a value is read straight from the API server when it is needed. A
// cluster with tens of thousands of Secrets costs the operator a few hundred
// bytes of metadata each, never their contents.
type Secrets struct {
	// Cached reads Secret metadata (PartialObjectMetadata) from the informer.
	Cached client.Reader
	// Direct reads whole Secrets from the API server.
	Direct client.Reader
}

// Version returns the resourceVersion of a Secret, from the metadata cache.
func (s Secrets) Version(ctx context.Context, key types.NamespacedName) (string, error) {
	m := &metav1.PartialObjectMetadata{}
	m.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("Secret"))
	if err := s.Cached.Get(ctx, key, m); err != nil {
		return "", secretError(key, err)
	}
	return m.ResourceVersion, nil
}

// Value reads one key of a Secret and the Secret's resourceVersion.
func (s Secrets) Value(ctx context.Context, key types.NamespacedName, dataKey string) ([]byte, string, error) {
	secret := &corev1.Secret{}
	if err := s.Direct.Get(ctx, key, secret); err != nil {
		return nil, "", secretError(key, err)
	}
	v, ok := secret.Data[dataKey]
	if !ok || len(trimSpace(v)) == 0 {
		return nil, "", stalledError(ReasonSecretNotFound,
			fmt.Errorf("secret %s has no key %q: add it or fix the reference's key", key, dataKey))
	}
	return trimSpace(v), secret.ResourceVersion, nil
}

func secretError(key types.NamespacedName, err error) error {
	if apierrors.IsNotFound(err) {
		return stalledError(ReasonSecretNotFound, fmt.Errorf("secret %s not found: create it", key))
	}
	return fmt.Errorf("cannot read secret %s: %w", key, err)
}

// trimSpace drops the line ending that `kubectl create secret --from-file`
// and editors often leave after a value. Spaces are kept: a password may
// end with one.
func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}
