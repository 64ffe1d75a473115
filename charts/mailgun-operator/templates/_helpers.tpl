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
