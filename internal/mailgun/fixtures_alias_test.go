package mailgun_test

import "github.com/mailgun-operator/mailgun-operator/internal/mailgun/mailguntest"

// Short names for the shared fixtures.
const (
	domainJSON              = mailguntest.FixtureDomain
	recordsJSON             = mailguntest.FixtureRecords
	getDomainJSON           = mailguntest.FixtureGetDomain
	createDomainJSON        = mailguntest.FixtureCreateDomain
	listDomainsJSON         = mailguntest.FixtureListDomains
	trackingJSON            = mailguntest.FixtureTracking
	trackingHTMLOnlyJSON    = mailguntest.FixtureTrackingHTMLOnly
	listWebhooksJSON        = mailguntest.FixtureListWebhooks
	getWebhookJSON          = mailguntest.FixtureGetWebhook
	getWebhookLegacyJSON    = mailguntest.FixtureGetWebhookLegacy
	routeObjJSON            = mailguntest.FixtureRouteObj
	createRouteJSON         = mailguntest.FixtureCreateRoute
	getRouteJSON            = mailguntest.FixtureGetRoute
	updateRouteTopLevelJSON = mailguntest.FixtureUpdateRouteTopLevel
	listRoutesJSON          = mailguntest.FixtureListRoutes
	listCredentialsJSON     = mailguntest.FixtureListCredentials
)
