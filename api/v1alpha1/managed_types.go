package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// DeletionPolicy says what happens in Mailgun when the resource is deleted.
// +kubebuilder:validation:Enum=Delete;Orphan
type DeletionPolicy string

const (
	// DeletionDelete removes the object from Mailgun with the resource.
	DeletionDelete DeletionPolicy = "Delete"
	// DeletionOrphan leaves the object in Mailgun.
	DeletionOrphan DeletionPolicy = "Orphan"
)

// Management records how the operator came to manage a Mailgun object.
type Management string

const (
	// ManagementCreated: the operator created the object in Mailgun.
	ManagementCreated Management = "Created"
	// ManagementAdopted: the object already existed; the operator took it
	// over and, unless deletionPolicy says Delete, leaves it on deletion.
	ManagementAdopted Management = "Adopted"
)

// AccountReference names the MailgunAccount, in the same namespace, whose API
// key and region a resource uses.
type AccountReference struct {
	// name of the MailgunAccount in the same namespace.
	// +optional
	// +kubebuilder:default=default
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name,omitempty"`
}

// ManagedSpec is the part of spec every Mailgun object kind shares.
type ManagedSpec struct {
	// accountRef names the MailgunAccount to use (default: "default"). It
	// cannot change once set: the Mailgun object lives in that account, and
	// another account would mean creating it again there while the old one
	// stays behind.
	// +optional
	// +kubebuilder:default={name: default}
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="accountRef is immutable: the Mailgun object lives in that account. To move it, delete this resource (deletionPolicy: Orphan keeps the Mailgun object) and create a new one naming the other account"
	AccountRef AccountReference `json:"accountRef,omitempty"`

	// deletionPolicy: Delete removes the object from Mailgun when this
	// resource is deleted; Orphan leaves it. When unset, objects the operator
	// created are deleted and objects it adopted are left.
	// +optional
	DeletionPolicy DeletionPolicy `json:"deletionPolicy,omitempty"`
}

// ManagedStatus is the part of status every Mailgun object kind shares.
type ManagedStatus struct {
	Status `json:",inline"`

	// management says whether the operator created the Mailgun object or
	// adopted one that existed.
	// +optional
	Management Management `json:"management,omitempty"`

	// createPendingSince is set just before a create is sent and cleared when
	// its answer is recorded. If it is still set, the create's outcome was
	// lost (a crash or a failed status write), and the operator looks for the
	// object before creating again, so that nothing is ever made twice.
	// +optional
	CreatePendingSince *metav1.Time `json:"createPendingSince,omitempty"`

	// createdTime is when the operator last created the Mailgun object.
	// Mailgun may not show a new object for a short while; a not-found
	// shortly after this time is read as that, not as a deletion, even
	// across a restart of the operator.
	// +optional
	CreatedTime *metav1.Time `json:"createdTime,omitempty"`

	// createConflictSince is set when a create is answered that the object
	// already exists while reads do not show it (Mailgun is eventually
	// consistent). The operator then reads, and sends a create again only
	// at 1, 2, 4 and 8 minutes after this time, until Mailgun shows the
	// object, a create makes it, or 10 minutes have passed since this time
	// (since the earlier create still pending, when there is one: most
	// likely the one that made the object); then one more create decides.
	// It is cleared when the object is seen or made.
	// +optional
	CreateConflictSince *metav1.Time `json:"createConflictSince,omitempty"`

	// createRefusedTime is when the last create that made nothing began
	// (Mailgun refused it: "already exists", an invalid spec; or it failed
	// before it was sent). Its create marker is then done, even when the
	// marker could not be removed: a create is never taken as pending, nor
	// what Mailgun later shows as created by it. Stored to the microsecond,
	// as the marker is compared with it.
	// +optional
	CreateRefusedTime *metav1.MicroTime `json:"createRefusedTime,omitempty"`
}

// EffectiveDeletionPolicy is what happens on deletion: the spec's policy if
// set, else Delete for what the operator created and Orphan for the rest.
// A create whose outcome is not known yet (createPendingSince) counts as
// created: whatever it made is the operator's, and leaving it would leave,
// for example, a route forwarding mail that nobody manages.
func EffectiveDeletionPolicy(spec *ManagedSpec, status *ManagedStatus) DeletionPolicy {
	if spec.DeletionPolicy != "" {
		return spec.DeletionPolicy
	}
	// A pending create counts as created, but never for an object that
	// was adopted: what the lost create would have made is the user's.
	if status.Management == ManagementCreated || (status.CreatePendingSince != nil && status.Management != ManagementAdopted) {
		return DeletionDelete
	}
	return DeletionOrphan
}

// AccountName is the referenced MailgunAccount's name, "default" when unset.
func (s *ManagedSpec) AccountName() string {
	if s.AccountRef.Name == "" {
		return "default"
	}
	return s.AccountRef.Name
}
