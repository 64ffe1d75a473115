package controller

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Removing the operator's CRDs must never delete anything in Mailgun.
// Deleting a CustomResourceDefinition deletes every object of its kind
// (`kubectl delete -f dist/install.yaml`, `make uninstall`, an Argo CD
// cascade): with deletionPolicy Delete, a running manager would then delete
// every domain, webhook and route it manages from the Mailgun account. So
// before a deletion in Mailgun, the engine asks whether the kind's CRD is
// being deleted, and if so orphans the Mailgun object instead.

// +kubebuilder:rbac:groups=apiextensions.k8s.io,resources=customresourcedefinitions,verbs=get

var crdGVK = schema.GroupVersionKind{Group: "apiextensions.k8s.io", Version: "v1", Kind: "CustomResourceDefinition"}

// crdDeletion says whether the CRD named name is being deleted. It reads
// only the CRD's metadata, directly from the API server (one GET per
// deletion of an object, no CRD informer): a CRD being deleted has its
// deletionTimestamp set until its custom resources are gone, and its
// Terminating condition is True for exactly that time.
type crdDeletion struct {
	reader client.Reader // uncached: the manager's API reader
	name   string        // e.g. routes.mailgun.operator.dev
}

// deleting returns true when the CRD is being deleted or is already gone.
// An error means "cannot tell": the caller must not delete in Mailgun.
func (c crdDeletion) deleting(ctx context.Context) (bool, error) {
	crd := &metav1.PartialObjectMetadata{}
	crd.SetGroupVersionKind(crdGVK)
	if err := c.reader.Get(ctx, client.ObjectKey{Name: c.name}, crd); err != nil {
		if apierrors.IsNotFound(err) {
			return true, nil
		}
		return false, fmt.Errorf("cannot tell whether CustomResourceDefinition %s is being deleted, so nothing is deleted from Mailgun yet "+
			"(the manager needs get on customresourcedefinitions): %w", c.name, err)
	}
	return !crd.DeletionTimestamp.IsZero(), nil
}
