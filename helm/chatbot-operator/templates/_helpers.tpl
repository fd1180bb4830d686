{{/* Chart name. */}}
{{- define "chatbot-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Full name used as the prefix of every resource. */}}
{{- define "chatbot-operator.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else if contains (include "chatbot-operator.name" .) .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name (include "chatbot-operator.name" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{- define "chatbot-operator.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Selector labels. app.kubernetes.io/name is always "chatbot-operator" (not nameOverride): the backend
NetworkPolicies the operator writes admit pods with this label for migration smoke tests.
*/}}
{{- define "chatbot-operator.selectorLabels" -}}
app.kubernetes.io/name: chatbot-operator
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "chatbot-operator.labels" -}}
helm.sh/chart: {{ include "chatbot-operator.chart" . }}
{{ include "chatbot-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "chatbot-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "chatbot-operator.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The rules list of files/rbac-rules.yaml, the single source of the operator's RBAC. */}}
{{- define "chatbot-operator.rules" -}}
{{- (.Files.Get "files/rbac-rules.yaml" | fromYaml).rules | toYaml }}
{{- end }}

{{/* Only the leader-election (Lease) rules of files/rbac-rules.yaml. */}}
{{- define "chatbot-operator.leaseRules" -}}
{{- $lease := list }}
{{- range (.Files.Get "files/rbac-rules.yaml" | fromYaml).rules }}
{{- if has "coordination.k8s.io" .apiGroups }}
{{- $lease = append $lease . }}
{{- end }}
{{- end }}
{{- $lease | toYaml }}
{{- end }}
