package mailgun_test

import "github.com/mailgun-operator/mailgun-operator/internal/mailgun"

// Short names for the shared fixtures.
const (
	domainJSON              = mailgun.FixtureDomain
	recordsJSON             = mailgun.FixtureRecords
	getDomainJSON           = mailgun.FixtureGetDomain
	createDomainJSON        = mailgun.FixtureCreateDomain
	listDomainsJSON         = mailgun.FixtureListDomains
	trackingJSON            = mailgun.FixtureTracking
	trackingHTMLOnlyJSON    = mailgun.FixtureTrackingHTMLOnly
	listWebhooksJSON        = mailgun.FixtureListWebhooks
	getWebhookJSON          = mailgun.FixtureGetWebhook
	getWebhookLegacyJSON    = mailgun.FixtureGetWebhookLegacy
	routeObjJSON            = mailgun.FixtureRouteObj
	createRouteJSON         = mailgun.FixtureCreateRoute
	getRouteJSON            = mailgun.FixtureGetRoute
	updateRouteTopLevelJSON = mailgun.FixtureUpdateRouteTopLevel
	listRoutesJSON          = mailgun.FixtureListRoutes
	listCredentialsJSON     = mailgun.FixtureListCredentials
)
