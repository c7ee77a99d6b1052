{{/* Chart name, truncated to the 63 characters Kubernetes allows in names. */}}
{{- define "remit.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Fully qualified app name: release name, plus chart name unless already contained. */}}
{{- define "remit.fullname" -}}
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

{{/* chart label value: name-version. */}}
{{- define "remit.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels shared by every resource. */}}
{{- define "remit.labels" -}}
helm.sh/chart: {{ include "remit.chart" . }}
{{ include "remit.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: remit
{{- end }}

{{/* Labels selecting the worker pods (immutable in a Deployment: never add to these). */}}
{{- define "remit.selectorLabels" -}}
app.kubernetes.io/name: {{ include "remit.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* ServiceAccount name. */}}
{{- define "remit.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "remit.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* Name of the Secret holding the API credentials and database credentials. */}}
{{- define "remit.secretName" -}}
{{- default (include "remit.fullname" .) .Values.secrets.existingSecret }}
{{- end }}

{{/* Container image reference; the tag defaults to the chart's appVersion. */}}
{{- define "remit.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/*
The worker's application.yaml, rendered into the ConfigMap mounted at /config and picked up
through SPRING_CONFIG_ADDITIONAL_LOCATION=file:/config/. config.extra is deep-merged last.
*/}}
{{- define "remit.applicationYaml" -}}
{{- $v := .Values -}}
{{- $cfg := dict
  "server" (dict "port" 8080)
  "spring" (dict
    "kafka" (dict "bootstrap-servers" $v.kafka.bootstrapServers)
    "datasource" (dict "url" $v.datasource.url)
    "lifecycle" (dict "timeout-per-shutdown-phase" $v.shutdownTimeout))
  "management" (dict
    "endpoints" (dict "web" (dict "exposure" (dict "include" "health,info,prometheus")))
    "endpoint" (dict "health" (dict "probes" (dict "enabled" true))))
  "remit" (dict
    "api" (dict "base-url" $v.api.baseUrl "timeout" $v.api.timeout "max-in-flight" $v.api.maxInFlight)
    "topics" (dict
      "commands" $v.topics.commands
      "dead-letter" $v.topics.deadLetter
      "partitions" $v.topics.partitions
      "replication-factor" $v.topics.replicationFactor)
    "retry" (dict "delays" $v.retry.delays "codes" $v.retry.codes)
    "worker" (dict "group-id" $v.kafka.consumerGroup "halt-probe-interval" $v.halt.probeInterval "shutdown-timeout" $v.shutdownTimeout))
-}}
{{- toYaml (mustMergeOverwrite $cfg (deepCopy $v.config.extra)) }}
{{- end }}

{{/* Guard rails for value combinations that cannot work. */}}
{{- define "remit.validateValues" -}}
{{- if and .Values.autoscaling.keda.enabled .Values.autoscaling.hpa.enabled }}
{{- fail "autoscaling.keda.enabled and autoscaling.hpa.enabled are mutually exclusive (KEDA creates its own HPA)" }}
{{- end }}
{{- if and .Values.autoscaling.keda.enabled (gt (int .Values.autoscaling.keda.maxReplicaCount) (int .Values.topics.partitions)) }}
{{- fail "autoscaling.keda.maxReplicaCount must not exceed topics.partitions: extra consumers would sit idle" }}
{{- end }}
{{- if and .Values.autoscaling.hpa.enabled (gt (int .Values.autoscaling.hpa.maxReplicas) (int .Values.topics.partitions)) }}
{{- fail "autoscaling.hpa.maxReplicas must not exceed topics.partitions: extra consumers would sit idle" }}
{{- end }}
{{- if and (not .Values.autoscaling.keda.enabled) (not .Values.autoscaling.hpa.enabled) (gt (int .Values.replicaCount) (int .Values.topics.partitions)) }}
{{- fail "replicaCount must not exceed topics.partitions: extra consumers would sit idle" }}
{{- end }}
{{- end }}
