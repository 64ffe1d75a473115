package mailguntest

// Op names one Mailgun API operation. The values match the client's
// Operation.String() so a test can say the same word on both sides without
// this package importing the client.
type Op string

// The operations the emulator answers. Every request that is routed to one of
// them is counted under it, whether it is then refused, faulted or served.
const (
	OpListDomains            Op = "ListDomains"
	OpCreateDomain           Op = "CreateDomain"
	OpGetDomain              Op = "GetDomain"
	OpUpdateDomain           Op = "UpdateDomain"
	OpVerifyDomain           Op = "VerifyDomain"
	OpDeleteDomain           Op = "DeleteDomain"
	OpGetTracking            Op = "GetTracking"
	OpSetClickTracking       Op = "SetClickTracking"
	OpSetOpenTracking        Op = "SetOpenTracking"
	OpSetUnsubscribeTracking Op = "SetUnsubscribeTracking"
	OpSetDKIMSelector        Op = "SetDKIMSelector"
	OpSetDKIMAuthority       Op = "SetDKIMAuthority"
	OpListWebhooks           Op = "ListWebhooks"
	OpCreateWebhook          Op = "CreateWebhook"
	OpGetWebhook             Op = "GetWebhook"
	OpUpdateWebhook          Op = "UpdateWebhook"
	OpDeleteWebhook          Op = "DeleteWebhook"
	OpCreateRoute            Op = "CreateRoute"
	OpListRoutes             Op = "ListRoutes"
	OpGetRoute               Op = "GetRoute"
	OpUpdateRoute            Op = "UpdateRoute"
	OpDeleteRoute            Op = "DeleteRoute"
	OpListCredentials        Op = "ListCredentials"
	OpCreateCredential       Op = "CreateCredential"
	OpUpdateCredential       Op = "UpdateCredential"
	OpDeleteCredential       Op = "DeleteCredential"
	OpCreateTemplate         Op = "CreateTemplate"
	OpGetTemplate            Op = "GetTemplate"
	OpUpdateTemplate         Op = "UpdateTemplate"
	OpDeleteTemplate         Op = "DeleteTemplate"
	OpListTemplateVersions   Op = "ListTemplateVersions"
	OpCreateTemplateVersion  Op = "CreateTemplateVersion"
	OpGetTemplateVersion     Op = "GetTemplateVersion"
	OpUpdateTemplateVersion  Op = "UpdateTemplateVersion"
	OpDeleteTemplateVersion  Op = "DeleteTemplateVersion"
	OpCreateList             Op = "CreateList"
	OpGetList                Op = "GetList"
	OpUpdateList             Op = "UpdateList"
	OpDeleteList             Op = "DeleteList"
	OpListMembers            Op = "ListMembers"
	OpAddMembers             Op = "AddMembers"
	OpDeleteMember           Op = "DeleteMember"
)

// allOps is in the client's Operation order so dumps read the same way.
var allOps = []Op{
	OpListDomains, OpCreateDomain, OpGetDomain, OpUpdateDomain, OpVerifyDomain, OpDeleteDomain,
	OpGetTracking, OpSetClickTracking, OpSetOpenTracking, OpSetUnsubscribeTracking, OpSetDKIMSelector, OpSetDKIMAuthority,
	OpListWebhooks, OpCreateWebhook, OpGetWebhook, OpUpdateWebhook, OpDeleteWebhook,
	OpCreateRoute, OpListRoutes, OpGetRoute, OpUpdateRoute, OpDeleteRoute,
	OpListCredentials, OpCreateCredential, OpUpdateCredential, OpDeleteCredential,
	OpCreateTemplate, OpGetTemplate, OpUpdateTemplate, OpDeleteTemplate,
	OpListTemplateVersions, OpCreateTemplateVersion, OpGetTemplateVersion, OpUpdateTemplateVersion, OpDeleteTemplateVersion,
	OpCreateList, OpGetList, OpUpdateList, OpDeleteList, OpListMembers, OpAddMembers, OpDeleteMember,
}

// Ops lists every operation the emulator knows, for dumps and for callers
// that validate an Op read from outside (the standalone command's admin API).
func Ops() []Op {
	return append([]Op(nil), allOps...)
}

// Valid reports whether o is one of the operations in Ops.
func (o Op) Valid() bool {
	for _, k := range allOps {
		if k == o {
			return true
		}
	}
	return false
}
