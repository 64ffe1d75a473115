{{/*
The chart's name, or nameOverride.
*/}}
{{- define "mailgun-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The prefix of every object's name: fullnameOverride, else the release name
when it already contains the chart's name, else <release>-<chart>.
*/}}
{{- define "mailgun-operator.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "mailgun-operator.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Labels of every object.
*/}}
{{- define "mailgun-operator.labels" -}}
helm.sh/chart: {{ include "mailgun-operator.chart" . }}
{{ include "mailgun-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
Labels that select the manager's pods (the Deployment's selector: never
change them in an upgrade).
*/}}
{{- define "mailgun-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "mailgun-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
control-plane: controller-manager
{{- end }}

{{- define "mailgun-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (printf "%s-controller-manager" (include "mailgun-operator.fullname" .)) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "mailgun-operator.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end }}
{{- end }}

{{/*
Whether the manager serves metrics over HTTPS with authentication and
authorization (and so needs the metrics auth and reader roles).
*/}}
{{- define "mailgun-operator.secureMetrics" -}}
{{- if and .Values.metrics.enabled .Values.metrics.secure }}true{{ end }}
{{- end }}

{{/*
Checks of value combinations that values.schema.json cannot express
clearly. Included by the Deployment, so `helm template` and `helm install`
fail with these messages.
*/}}
{{- define "mailgun-operator.validate" -}}
{{- if and .Values.metrics.serviceMonitor.enabled (not .Values.metrics.enabled) }}
{{- fail "metrics.serviceMonitor.enabled=true needs metrics.enabled=true: the ServiceMonitor scrapes the metrics Service, which exists only when metrics are on" }}
{{- end }}
{{- if and .Values.metrics.tls.secretName .Values.metrics.tls.certManager.enabled }}
{{- fail "metrics.tls.secretName and metrics.tls.certManager.enabled are two sources of the metrics certificate: choose one" }}
{{- end }}
{{- if and (include "mailgun-operator.metricsCertSecret" .) (not .Values.metrics.secure) }}
{{- fail "a metrics certificate (metrics.tls) needs metrics.secure=true: plain-HTTP metrics use none" }}
{{- end }}
{{- if and .Values.metrics.enabled .Values.metrics.secure .Values.metrics.serviceMonitor.enabled (not .Values.metrics.serviceMonitor.tlsConfig) (not (include "mailgun-operator.metricsCertSecret" .)) }}
{{- fail "the ServiceMonitor cannot verify the manager's self-signed metrics certificate: set metrics.tls.certManager.enabled=true (cert-manager issues one) or metrics.tls.secretName (a TLS Secret with ca.crt), or choose metrics.serviceMonitor.tlsConfig yourself (insecureSkipVerify: true skips verification)" }}
{{- end }}
{{- range .Values.extraEnv }}
{{- if and (eq (toString .name) "GOMEMLIMIT") $.Values.goMemLimit }}
{{- fail "GOMEMLIMIT is in extraEnv and goMemLimit is set: set goMemLimit to \"\" to use yours" }}
{{- end }}
{{- if and (eq (toString .name) "GOGC") $.Values.goGC }}
{{- fail "GOGC is in extraEnv and goGC is set: set goGC to \"\" to use yours" }}
{{- end }}
{{- end }}
{{- if .Values.leaderElection.enabled }}
{{- $lease := include "mailgun-operator.seconds" .Values.leaderElection.leaseDuration | float64 }}
{{- $renew := include "mailgun-operator.seconds" .Values.leaderElection.renewDeadline | float64 }}
{{- $retry := include "mailgun-operator.seconds" .Values.leaderElection.retryPeriod | float64 }}
{{- if not (and (gt $retry 0.0) (lt $retry $renew) (lt $renew $lease)) }}
{{- fail (printf "leader election needs 0 < retryPeriod (%s) < renewDeadline (%s) < leaseDuration (%s); the manager would refuse to start" .Values.leaderElection.retryPeriod .Values.leaderElection.renewDeadline .Values.leaderElection.leaseDuration) }}
{{- end }}
{{- end }}
{{- $pdb := .Values.podDisruptionBudget }}
{{- if and $pdb.enabled (gt (int .Values.replicaCount) 1) (not (kindIs "string" $pdb.minAvailable)) (ge (int $pdb.minAvailable) (int .Values.replicaCount)) }}
{{- fail (printf "podDisruptionBudget.minAvailable %d with replicaCount %d would block every node drain: use fewer than the replicas" (int $pdb.minAvailable) (int .Values.replicaCount)) }}
{{- end }}
{{- if and $pdb.enabled (gt (int .Values.replicaCount) 1) (kindIs "string" $pdb.minAvailable) }}
{{- $pct := int (trimSuffix "%" $pdb.minAvailable) }}
{{- /* ceil(pct × replicas / 100) ≥ replicas, that is pct × replicas > 100 × (replicas − 1) */}}
{{- if gt (mul $pct (int .Values.replicaCount)) (mul 100 (sub (int .Values.replicaCount) 1)) }}
{{- fail (printf "podDisruptionBudget.minAvailable %s with replicaCount %d rounds up to every replica and would block every node drain: use a lower percentage" $pdb.minAvailable (int .Values.replicaCount)) }}
{{- end }}
{{- end }}
{{- if and .Values.prometheusRule.enabled (not .Values.metrics.enabled) }}
{{- fail "prometheusRule.enabled=true needs metrics.enabled=true: without the metrics Service nothing is scraped, MailgunOperatorAbsent fires for ever and the other alerts never can" }}
{{- end }}
{{- if and (gt (int .Values.replicaCount) 1) (not .Values.leaderElection.enabled) }}
{{- fail "replicaCount > 1 needs leaderElection.enabled=true: without leader election every replica reconciles and they fight over Mailgun" }}
{{- end }}
{{- end }}

{{/*
The metrics Service's name: <fullname>-controller-manager-metrics-service,
as the kustomize install names it, or <fullname>-metrics where that would
pass the 63 characters a Service name may have.
*/}}
{{- define "mailgun-operator.metricsServiceName" -}}
{{- $full := include "mailgun-operator.fullname" . }}
{{- $name := printf "%s-controller-manager-metrics-service" $full }}
{{- if gt (len $name) 63 }}
{{- $name = printf "%s-metrics" ($full | trunc 55 | trimSuffix "-") }}
{{- end }}
{{- $name }}
{{- end }}

{{/*
The Secret with the metrics server's certificate: metrics.tls.secretName,
or the one cert-manager writes for the chart's Certificate; empty when the
manager uses its self-signed certificate.
*/}}
{{- define "mailgun-operator.metricsCertSecret" -}}
{{- if and .Values.metrics.enabled .Values.metrics.tls.secretName }}
{{- .Values.metrics.tls.secretName }}
{{- else if and .Values.metrics.enabled .Values.metrics.tls.certManager.enabled }}
{{- include "mailgun-operator.fullname" . }}-metrics-cert
{{- end }}
{{- end }}

{{- define "mailgun-operator.metricsCertPath" -}}
/etc/mailgun-operator/metrics-cert
{{- end }}

{{/*
The name the metrics certificate is issued for and the ServiceMonitor
verifies: the metrics Service's in-cluster DNS name.
*/}}
{{- define "mailgun-operator.metricsServerName" -}}
{{ include "mailgun-operator.metricsServiceName" . }}.{{ .Release.Namespace }}.svc
{{- end }}

{{/*
GOMEMLIMIT for the manager: with goMemLimit "auto", 90% of
resources.limits.memory in bytes (the rest is for what the Go runtime does
not count: stacks, the binary, fragmentation), nothing without a limit;
otherwise goMemLimit itself ("" for none).
*/}}
{{- define "mailgun-operator.goMemLimit" -}}
{{- if eq (toString .Values.goMemLimit) "auto" }}
{{- $mem := dig "limits" "memory" "" (.Values.resources | default dict) }}
{{- if kindIs "float64" $mem }}{{ $mem = printf "%.0f" $mem }}{{ end }}
{{- $mem = toString $mem }}
{{- if $mem }}
{{- if not (regexMatch "^[0-9]+(Ki|Mi|Gi|Ti|k|M|G|T)?$" $mem) }}
{{- fail (printf "goMemLimit auto cannot read resources.limits.memory %q (use a whole number with Ki, Mi, Gi, Ti, k, M, G or T): set goMemLimit yourself, for example 230MiB" $mem) }}
{{- end }}
{{- $digits := regexFind "^[0-9]+" $mem }}
{{- $unit := trimPrefix $digits $mem }}
{{- $mult := get (dict "" 1 "Ki" 1024 "Mi" 1048576 "Gi" 1073741824 "Ti" 1099511627776 "k" 1000 "M" 1000000 "G" 1000000000 "T" 1000000000000) $unit }}
{{- mulf (float64 $digits) $mult 0.9 | floor | int64 }}
{{- end }}
{{- else }}
{{- .Values.goMemLimit }}
{{- end }}
{{- end }}

{{/*
The seconds of a Go duration such as 15s, 1m30s or 500ms (values.schema.json
has checked its form).
*/}}
{{- define "mailgun-operator.seconds" -}}
{{- $total := 0.0 }}
{{- $units := dict "h" 3600.0 "m" 60.0 "s" 1.0 "ms" 0.001 "us" 0.000001 "µs" 0.000001 "ns" 0.000000001 }}
{{- range regexFindAll "[0-9]+(\\.[0-9]+)?(ns|us|µs|ms|s|m|h)" (toString .) -1 }}
{{- $num := regexFind "^[0-9]+(\\.[0-9]+)?" . }}
{{- $total = addf $total (mulf (float64 $num) (get $units (trimPrefix $num .))) }}
{{- end }}
{{- $total }}
{{- end }}
