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

{{/*
An image reference from {repository, tag, digest}: repository@digest when a digest is set (the tag
is then not used), else repository:tag, the tag defaulting to the chart's appVersion. A string is a
whole reference and is used as it is. Call with (list <value> $).
*/}}
{{- define "chatbot-operator.image" -}}
{{- $image := index . 0 }}
{{- $root := index . 1 }}
{{- if kindIs "string" $image }}
{{- $image }}
{{- else if $image.digest }}
{{- printf "%s@%s" $image.repository $image.digest }}
{{- else }}
{{- printf "%s:%s" $image.repository (default $root.Chart.AppVersion $image.tag) }}
{{- end }}
{{- end }}

{{/* Refuses combinations the schema cannot express, with a message naming the value. */}}
{{- define "chatbot-operator.checks" -}}
{{- if and (gt (int .Values.replicaCount) 1) (not .Values.leaderElection) }}
{{- fail (printf "replicaCount is %d but leaderElection is false: two active operators would fight over every chatbot; set leaderElection=true or replicaCount=1" (int .Values.replicaCount)) }}
{{- end }}
{{- range $i, $e := .Values.extraEnv }}
{{- if has $e.name (list "WATCH_NAMESPACES" "RUNTIME_IMAGE" "POD_NAMESPACE" "LEADER_ELECTION" "HTTP_PORT") }}
{{- fail (printf "extraEnv[%d].name %s is set by the chart from its own values (watchNamespaces, runtimeImage, leaderElection, httpPort): set the value instead" $i $e.name) }}
{{- end }}
{{- end }}
{{- if and .Values.serviceMonitor.enabled (not .Values.metrics.service.enabled) }}
{{- fail "serviceMonitor.enabled needs metrics.service.enabled: the ServiceMonitor scrapes that Service" }}
{{- end }}
{{- end }}
