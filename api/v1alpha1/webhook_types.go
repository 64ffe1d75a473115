package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// WebhookEvent is a Mailgun event type that a webhook can receive.
// +kubebuilder:validation:Enum=accepted;delivered;opened;clicked;unsubscribed;complained;permanent_fail;temporary_fail
type WebhookEvent string

// WebhookSpec is the desired state of the webhook of one event on one domain.
type WebhookSpec struct {
	ManagedSpec `json:",inline"`

	// domain is the Mailgun domain name (not a MailgunDomain resource name),
	// for example mg.example.com. Immutable.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="domain is immutable: create another Webhook for another domain"
	Domain string `json:"domain"`

	// event is the event type this webhook receives. Immutable. Only one
	// Webhook may claim an event of a domain.
	// +required
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="event is immutable: create another Webhook for another event"
	Event WebhookEvent `json:"event"`

	// urls receive the event: 1 to 3 http or https URLs.
	// +required
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=3
	// +kubebuilder:validation:XValidation:rule="self.all(u, isURL(u) && (url(u).getScheme() == 'https' || url(u).getScheme() == 'http'))",message="each of urls must be an absolute http or https URL, for example https://hooks.example.com/mailgun"
	// +kubebuilder:validation:XValidation:rule="self.all(u, self.exists_one(v, v == u))",message="urls must not repeat a URL"
	// +listType=atomic
	URLs []WebhookURL `json:"urls"`
}

// WebhookURL is the address a webhook posts events to.
// +kubebuilder:validation:MinLength=1
// +kubebuilder:validation:MaxLength=2048
type WebhookURL string

// WebhookStatus is the observed state of a Webhook.
type WebhookStatus struct {
	ManagedStatus `json:",inline"`

	// urls Mailgun last had for the event.
	// +optional
	URLs []string `json:"urls,omitempty"`
}

// Webhook is the set of URLs (1 to 3) that Mailgun calls for one event type
// on one domain.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=mgwh,categories=mailgun
// +kubebuilder:printcolumn:name="Domain",type=string,JSONPath=`.spec.domain`
// +kubebuilder:printcolumn:name="Event",type=string,JSONPath=`.spec.event`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].reason`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type Webhook struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is the desired state of the webhook.
	// +required
	Spec WebhookSpec `json:"spec"`

	// status is what the operator last saw in Mailgun.
	// +optional
	Status WebhookStatus `json:"status,omitempty"`
}

// WebhookList is a list of Webhook.
// +kubebuilder:object:root=true
type WebhookList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Webhook `json:"items"`
}

func init() {
	register(&Webhook{}, &WebhookList{})
}
