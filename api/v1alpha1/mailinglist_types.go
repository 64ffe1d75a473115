package v1alpha1

import (
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ListAccessLevel says who may post to a list.
// +kubebuilder:validation:Enum=readonly;members;everyone
type ListAccessLevel string

// ListReplyPreference says where replies to list mail go.
// +kubebuilder:validation:Enum=list;sender
type ListReplyPreference string

// ListMember is one declared member of a list.
type ListMember struct {
	// address of the member, an email address (compared lower-cased).
	// +required
	// +kubebuilder:validation:MinLength=3
	// +kubebuilder:validation:MaxLength=320
	// +kubebuilder:validation:XValidation:rule="self.matches('^[^@\\\\s]+@[^@\\\\s]+\\\\.[^@\\\\s]+$')",message="address must be an email address such as ann@example.com"
	Address string `json:"address"`

	// name of the member. Unset leaves Mailgun's.
	// +optional
	// +kubebuilder:validation:MaxLength=256
	Name string `json:"name,omitempty"`

	// vars are the member's variables, a JSON object, for templates.
	// Unset leaves Mailgun's.
	// +optional
	// +kubebuilder:pruning:PreserveUnknownFields
	// +kubebuilder:validation:Schemaless
	// +kubebuilder:validation:Type=object
	Vars *apiextensionsv1.JSON `json:"vars,omitempty"`

	// subscribed: false keeps the member listed but sends it nothing.
	// Unset leaves Mailgun's: a new member is subscribed, and a member who
	// unsubscribed stays unsubscribed.
	// +optional
	Subscribed *bool `json:"subscribed,omitempty"`
}

// MailingListSpec is the desired state of a mailing list.
type MailingListSpec struct {
	ManagedSpec `json:",inline"`

	// address of the list, for example devs@mg.example.com. Immutable:
	// the operator never renames a list.
	// +required
	// +kubebuilder:validation:MinLength=3
	// +kubebuilder:validation:MaxLength=320
	// +kubebuilder:validation:XValidation:rule="self.matches('^[a-z0-9._%+-]+@[a-z0-9.-]+\\\\.[a-z]+$')",message="address must be a lower-case email address such as devs@mg.example.com"
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="address is immutable: create another MailingList for another address"
	Address string `json:"address"`

	// name shown for the list. Unset leaves Mailgun's.
	// +optional
	// +kubebuilder:validation:MaxLength=256
	Name *string `json:"name,omitempty"`

	// description of the list. Unset leaves Mailgun's.
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	Description *string `json:"description,omitempty"`

	// accessLevel: who may post (readonly: nobody through the list
	// address, members, everyone). Unset leaves Mailgun's (readonly for a
	// new list).
	// +optional
	AccessLevel ListAccessLevel `json:"accessLevel,omitempty"`

	// replyPreference: where replies go (list or sender). Unset leaves
	// Mailgun's (list for a new list).
	// +optional
	ReplyPreference ListReplyPreference `json:"replyPreference,omitempty"`

	// members declared here are added or updated through Mailgun's bulk
	// endpoint. Members not declared are left alone unless pruneMembers is
	// set; a list whose members sign up elsewhere declares none. A declared
	// member list is for configuration-sized lists: up to 5000 here, and
	// the operator reads at most 10000 members of a list to compare them.
	// +optional
	// +kubebuilder:validation:MaxItems=5000
	// +listType=map
	// +listMapKey=address
	Members []ListMember `json:"members,omitempty"`

	// pruneMembers deletes the members Mailgun has that are not declared.
	// +optional
	PruneMembers bool `json:"pruneMembers,omitempty"`
}

// MailingListStatus is the observed state of a MailingList.
type MailingListStatus struct {
	ManagedStatus `json:",inline"`

	// membersCount is how many members Mailgun says the list has.
	// +optional
	MembersCount int32 `json:"membersCount,omitempty"`
}

// MailingList is an account-wide Mailgun mailing list and, optionally, its
// members.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=mgml,categories=mailgun
// +kubebuilder:printcolumn:name="Address",type=string,JSONPath=`.spec.address`
// +kubebuilder:printcolumn:name="Members",type=integer,JSONPath=`.status.membersCount`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].reason`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type MailingList struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is the desired state of the list.
	// +required
	Spec MailingListSpec `json:"spec"`

	// status is what the operator last saw in Mailgun.
	// +optional
	Status MailingListStatus `json:"status,omitempty"`
}

// MailingListList is a list of MailingList.
// +kubebuilder:object:root=true
type MailingListList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []MailingList `json:"items"`
}

func init() {
	register(&MailingList{}, &MailingListList{})
}
