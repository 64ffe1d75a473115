package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Region is the Mailgun region an account's domains live in.
// +kubebuilder:validation:Enum=us;eu
type Region string

const (
	RegionUS Region = "us"
	RegionEU Region = "eu"
)

// DefaultAPIKeySecretKey is the Secret key read when apiKeySecretRef.key is empty.
const DefaultAPIKeySecretKey = "api-key"

// MailgunAccountSpec says how to reach one Mailgun account.
// +kubebuilder:validation:XValidation:rule="!has(self.apiBaseURL) || !has(self.region) || self.region == 'us'",message="set either region: eu or apiBaseURL, not both: apiBaseURL already decides the region"
type MailgunAccountSpec struct {
	// region of the account's domains: us (api.mailgun.net) or eu
	// (api.eu.mailgun.net). A domain lives in one region only.
	// +optional
	// +kubebuilder:default=us
	Region Region `json:"region,omitempty"`

	// apiBaseURL overrides the region's API address, for a proxy or a test
	// emulator, for example https://mailgun-proxy.internal. Scheme and host
	// only: no path, query or trailing slash.
	// +optional
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:XValidation:rule="isURL(self) && (url(self).getScheme() == 'https' || url(self).getScheme() == 'http')",message="apiBaseURL must be an absolute http or https URL, for example https://api.mailgun.net"
	// +kubebuilder:validation:XValidation:rule="!isURL(self) || url(self).getEscapedPath() == ''",message="apiBaseURL must not have a path or trailing slash: the operator adds /v3 and /v4 itself"
	// +kubebuilder:validation:XValidation:rule="!self.contains('?') && !self.contains('#')",message="apiBaseURL must not have a query or fragment"
	APIBaseURL string `json:"apiBaseURL,omitempty"`

	// apiKeySecretRef points at the Secret key holding the Mailgun API key
	// (key defaults to api-key). A change of the Secret takes effect without
	// a restart.
	// +required
	APIKeySecretRef APIKeySecretReference `json:"apiKeySecretRef"`
}

// APIKeySecretReference names the Secret key that holds a Mailgun API key.
type APIKeySecretReference struct {
	// name of the Secret, in the same namespace as the MailgunAccount.
	// +required
	Name SecretName `json:"name"`

	// key within the Secret's data that holds the API key.
	// +optional
	// +kubebuilder:default=api-key
	Key SecretKey `json:"key,omitempty"`
}

// MailgunAccountStatus is the observed state of a MailgunAccount.
type MailgunAccountStatus struct {
	Status `json:",inline"`

	// apiBaseURL is the Mailgun API address the account's objects live at,
	// recorded at the account's first check. While objects use the account
	// it stays, and a spec pointing elsewhere (another region or address)
	// makes those objects Stalled AccountChanged rather than created again
	// in the other place; once no object uses the account it follows the
	// spec.
	// +optional
	APIBaseURL string `json:"apiBaseURL,omitempty"`

	// heldSecret is the Secret the account holds with the finalizer
	// mailgun.operator.dev/api-key-in-use, so that its key stays readable
	// until every object that may need it to delete itself from Mailgun is
	// gone, even when the Secret is deleted with everything else (a GitOps
	// prune or a namespace deletion).
	// +optional
	HeldSecret string `json:"heldSecret,omitempty"`
}

// MailgunAccount holds the API key (from a Secret) and the region or API
// address of one Mailgun account. Domains, webhooks and routes refer to it by
// name through spec.accountRef.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=mga,categories=mailgun
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].reason`
// +kubebuilder:printcolumn:name="Region",type=string,JSONPath=`.spec.region`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type MailgunAccount struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec says how to reach the account.
	// +required
	Spec MailgunAccountSpec `json:"spec"`

	// status reports whether the key works.
	// +optional
	Status MailgunAccountStatus `json:"status,omitempty"`
}

// MailgunAccountList is a list of MailgunAccount.
// +kubebuilder:object:root=true
type MailgunAccountList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []MailgunAccount `json:"items"`
}

func init() {
	register(&MailgunAccount{}, &MailgunAccountList{})
}
