// Package observability tests the shipped alert rules and Grafana dashboard
// with Prometheus's own rule evaluation and PromQL parser. It is a module of
// its own so that github.com/prometheus/prometheus never enters the
// operator's go.mod.
package observability
