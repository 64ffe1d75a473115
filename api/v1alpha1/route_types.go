package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// RouteSpec is the desired state of an inbound route.
// +kubebuilder:validation:XValidation:rule="!has(oldSelf.routeID) || (has(self.routeID) && self.routeID == oldSelf.routeID)",message="routeID is immutable once set: create another Route to adopt another route"
type RouteSpec struct {
	ManagedSpec `json:",inline"`

	// priority: smaller numbers are tried first; 0 is the highest.
	// +optional
	// +kubebuilder:default=0
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=2147483647
	Priority int32 `json:"priority"`

	// expression is the filter, for example match_recipient(".*@example.com").
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=4096
	Expression string `json:"expression"`

	// actions run when the expression matches, in order, for example
	// forward("https://example.com/inbound") or stop().
	// +required
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=64
	// +listType=atomic
	Actions []RouteAction `json:"actions"`

	// description is shown in the Mailgun console. The operator appends a
	// marker with this resource's UID, which lets it find the route again.
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	Description string `json:"description,omitempty"`

	// routeID adopts an existing route by its Mailgun id instead of creating
	// one. Adopted routes are left in Mailgun on deletion unless
	// deletionPolicy is Delete.
	// +optional
	// +kubebuilder:validation:Pattern=`^[a-zA-Z0-9]{1,64}$`
	RouteID string `json:"routeID,omitempty"`
}

// RouteAction is one action of a route, at most 4096 characters.
// +kubebuilder:validation:MinLength=1
// +kubebuilder:validation:MaxLength=4096
type RouteAction string

// RouteStatus is the observed state of a Route.
type RouteStatus struct {
	ManagedStatus `json:",inline"`

	// id of the route in Mailgun.
	// +optional
	ID string `json:"id,omitempty"`
}

// Route is an inbound Mailgun route: a priority, a filter expression and the
// actions to take on a match. Routes belong to the account, not a domain.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=mgr,categories=mailgun
// +kubebuilder:printcolumn:name="Priority",type=integer,JSONPath=`.spec.priority`
// +kubebuilder:printcolumn:name="Expression",type=string,JSONPath=`.spec.expression`,priority=1
// +kubebuilder:printcolumn:name="ID",type=string,JSONPath=`.status.id`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].reason`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type Route struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is the desired state of the route.
	// +required
	Spec RouteSpec `json:"spec"`

	// status is what the operator last saw in Mailgun.
	// +optional
	Status RouteStatus `json:"status,omitempty"`
}

// RouteList is a list of Route.
// +kubebuilder:object:root=true
type RouteList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Route `json:"items"`
}

func init() {
	register(&Route{}, &RouteList{})
}
