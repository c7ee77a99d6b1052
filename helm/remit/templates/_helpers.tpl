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
{{- $budget := include "remit.stopBudget" . | fromJson -}}
{{- $spring := dict
  "kafka" (dict "bootstrap-servers" $v.kafka.bootstrapServers)
  "datasource" (dict "url" $v.datasource.url)
  "lifecycle" (dict "timeout-per-shutdown-phase" (printf "%ds" (int $budget.phase))) -}}
{{- $console := $v.console -}}
{{- $trees := $v.config.configTrees -}}
{{- if and $console.enabled $console.usersSecret }}{{ $trees = prepend $trees $console.usersPath }}{{ end -}}
{{- $webhooks := $v.webhooks -}}
{{- if $webhooks.enabled }}{{ $trees = prepend $trees $webhooks.secretPath }}{{ end -}}
{{- if $v.secrets.asFiles }}{{ $trees = prepend $trees $v.secrets.filesPath }}{{ end -}}
{{- if $trees -}}
{{- $imports := list -}}
{{- range $trees }}{{ $imports = append $imports (printf "optional:configtree:%s/" (trimSuffix "/" .)) }}{{ end -}}
{{- $_ := set $spring "config" (dict "import" $imports) -}}
{{- end -}}
{{- $cfg := dict
  "spring" $spring
  "management" (dict
    "server" (dict "port" 8080)
    "endpoints" (dict "web" (dict "exposure" (dict "include" "health,info,prometheus")))
    "endpoint" (dict "health" (dict "probes" (dict "enabled" true))))
  "remit" (dict
    "api" (dict "base-url" $v.api.baseUrl "timeout" $v.api.timeout "max-in-flight" $v.api.maxInFlight "idempotency-window" $v.api.idempotencyWindow)
    "topics" (dict
      "commands" $v.topics.commands
      "dead-letter" $v.topics.deadLetter
      "partitions" $v.topics.partitions
      "replication-factor" $v.topics.replicationFactor
      "create" $v.topics.create
      "dead-letter-retention" $v.topics.deadLetterRetention)
    "retry" (dict "delays" $v.retry.delays "codes" $v.retry.codes)
    "worker" (dict "group-id" $v.kafka.consumerGroup "halt-probe-interval" $v.halt.probeInterval
      "shutdown-timeout" $v.shutdownTimeout "consumers" $v.consumers)
    "ops" (dict "port" $console.port))
-}}
{{- with $v.logging.structuredFormat }}
{{- $_ := set $cfg "logging" (dict "structured" (dict "format" (dict "console" .))) }}
{{- end }}
{{- if $console.enabled }}
{{- $_ := set $cfg.remit "ops" (dict "enabled" true "port" $console.port) }}
{{- $server := dict }}
{{- with $console.tls.secretName }}
{{- $dir := trimSuffix "/" $console.tls.path }}
{{- $_ := set $spring "ssl" (dict "bundle" (dict "pem" (dict "console" (dict "keystore" (dict
  "certificate" (printf "file:%s/tls.crt" $dir)
  "private-key" (printf "file:%s/tls.key" $dir)))))) }}
{{- $_ := set $server "ssl" (dict "bundle" "console") }}
{{- end }}
{{- if include "remit.consoleCookieSecure" $ }}
{{- $_ := set $server "servlet" (dict "session" (dict "cookie" (dict "secure" true))) }}
{{- end }}
{{- if $server }}{{ $_ := set $cfg "server" $server }}{{ end }}
{{- end }}
{{- if $webhooks.enabled }}
{{- $_ := set $cfg.remit "webhooks" (dict
  "enabled" true
  "port" $webhooks.port
  "path" $webhooks.path
  "max-body" $webhooks.maxBody
  "tolerance" $webhooks.tolerance
  "future-skew" $webhooks.futureSkew
  "match-window" $webhooks.matchWindow
  "fields" (dict
    "id" $webhooks.fields.id
    "type" $webhooks.fields.type
    "created-at" $webhooks.fields.createdAt
    "resource-id" $webhooks.fields.resourceId
    "request-id" $webhooks.fields.requestId)
  "relay" (dict "interval" $webhooks.relay.interval "batch" $webhooks.relay.batch)) }}
{{- end }}
{{- toYaml (mustMergeOverwrite $cfg (deepCopy $v.config.extra)) }}
{{- end }}

{{/* "true" when the console's session cookie is Secure: console.cookieSecure, or with "auto" TLS in the pod or at the Ingress; else "". */}}
{{- define "remit.consoleCookieSecure" -}}
{{- $c := .Values.console -}}
{{- if eq (toString $c.cookieSecure) "auto" }}
{{- if or $c.tls.secretName (and $c.ingress.enabled $c.ingress.tls.secretName) }}true{{ end }}
{{- else if $c.cookieSecure }}true{{ end }}
{{- end }}

{{/* Seconds in a Spring duration written <number><ms|s|m|h|d> (milliseconds round up). */}}
{{- define "remit.seconds" -}}
{{- $d := toString . -}}
{{- if not (regexMatch "^[0-9]+(ms|s|m|h|d)$" $d) }}
{{- fail (printf "cannot read the duration %q: write it as <number><ms|s|m|h|d>, e.g. 20s" $d) }}
{{- end }}
{{- $n := regexReplaceAll "^([0-9]+)(ms|s|m|h|d)$" $d "${1}" | int64 -}}
{{- $unit := regexReplaceAll "^([0-9]+)(ms|s|m|h|d)$" $d "${2}" -}}
{{- $factor := get (dict "s" 1 "m" 60 "h" 3600 "d" 86400) $unit -}}
{{- if eq $unit "ms" }}{{ div (add $n 999) 1000 }}{{ else }}{{ mul $n $factor }}{{ end -}}
{{- end }}

{{/*
remit's worst-case stop after SIGTERM, in seconds, as JSON, from the settings in force
(config.extra included):
  engine = remit.worker.shutdown-timeout (the work in hand finishes its API calls)
           + 10 s (EngineLifecycle's allowance for the last PostgreSQL write and Kafka commit)
           + 5 s per consumer thread (a consumer still busy at that deadline is interrupted, its
           work abandoned uncommitted, and EngineLifecycle waits up to 5 s for it to close)
  phase  = spring.lifecycle.timeout-per-shutdown-phase, rendered = engine: the web server's
           graceful phase follows the engine's and may last that long
  worst  = engine + phase + 5 s for the JVM to exit
  grace  = terminationGracePeriodSeconds, or worst + 5 s when it is 0.
*/}}
{{- define "remit.stopBudget" -}}
{{- $v := .Values -}}
{{- $extra := $v.config.extra | default dict -}}
{{- $shutdown := include "remit.seconds" (dig "remit" "worker" "shutdown-timeout" $v.shutdownTimeout $extra) | int -}}
{{- $consumers := dig "remit" "worker" "consumers" $v.consumers $extra | int -}}
{{- $engine := add $shutdown 10 (mul 5 $consumers) -}}
{{- $phase := include "remit.seconds" (dig "spring" "lifecycle" "timeout-per-shutdown-phase" (printf "%ds" $engine) $extra) | int -}}
{{- $worst := add $engine $phase 5 -}}
{{- $grace := int $v.terminationGracePeriodSeconds | default (add $worst 5) -}}
{{- toJson (dict "shutdown" $shutdown "consumers" $consumers "engine" $engine "phase" $phase "worst" $worst "grace" $grace) -}}
{{- end }}

{{/*
The rule groups of alerts/remit-alerts.yaml with prometheusRule.* applied: per alert, enabled,
the number before "# threshold" in its expression, for and severity; runbook_url from
runbookBaseUrl; the scrape selector job="remit" from upSelector. The defaults change nothing.
*/}}
{{- define "remit.alertGroups" -}}
{{- $values := .Values.prometheusRule -}}
{{- $selector := $values.upSelector | default (printf "job=%q" (include "remit.name" .)) -}}
{{- $groups := list -}}
{{- range (.Files.Get "alerts/remit-alerts.yaml" | fromYaml).groups -}}
{{- $rules := list -}}
{{- range .rules -}}
{{- $rule := deepCopy . -}}
{{- $set := get $values.alerts $rule.alert | default dict -}}
{{- if ne (toString (get $set "enabled")) "false" -}}
{{- if hasKey $set "threshold" -}}
{{- $_ := set $rule "expr" (regexReplaceAll "[0-9][0-9.e+-]*(\\s*# threshold)" $rule.expr (printf "%v${1}" $set.threshold)) -}}
{{- end -}}
{{- $_ := set $rule "expr" (replace "{job=\"remit\"}" (printf "{%s}" $selector) $rule.expr) -}}
{{- with $set.for }}{{ $_ := set $rule "for" . }}{{ end -}}
{{- with $set.severity }}{{ $_ := set $rule.labels "severity" . }}{{ end -}}
{{- $_ := set $rule.annotations "runbook_url" (printf "%s#%s" (trimSuffix "/" $values.runbookBaseUrl) (lower $rule.alert)) -}}
{{- $rules = append $rules $rule -}}
{{- end -}}
{{- end -}}
{{- $groups = append $groups (dict "name" .name "rules" $rules) -}}
{{- end -}}
{{- toYaml (dict "groups" $groups) -}}
{{- end }}

{{/* TCP ports of a list of host:port (default when a host names none), as a JSON list. */}}
{{- define "remit.ports" -}}
{{- $ports := list -}}
{{- range .hosts -}}
{{- $port := regexFind ":[0-9]+$" (trim .) | trimPrefix ":" -}}
{{- $ports = append $ports (int (default $.default $port)) -}}
{{- end -}}
{{- toJson (uniq $ports) -}}
{{- end }}

{{/* Egress ports: the configured ones, else those named by bootstrapServers, datasource.url, api.baseUrl. */}}
{{- define "remit.egressPorts" -}}
{{- $v := .Values -}}
{{- $egress := $v.networkPolicy.egress -}}
{{- $api := urlParse $v.api.baseUrl -}}
{{- $apiDefault := ternary 443 80 (eq (lower $api.scheme) "https") -}}
{{- $dbHosts := regexFind "//[^/?]*" $v.datasource.url | trimPrefix "//" | splitList "," -}}
{{- toJson (dict
  "kafka" ($egress.kafka.ports | default (include "remit.ports" (dict "hosts" (splitList "," $v.kafka.bootstrapServers) "default" 9092) | fromJsonArray))
  "postgres" ($egress.postgres.ports | default (include "remit.ports" (dict "hosts" $dbHosts "default" 5432) | fromJsonArray))
  "api" ($egress.api.ports | default (include "remit.ports" (dict "hosts" (list $api.host) "default" $apiDefault) | fromJsonArray))) -}}
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
{{- $budget := include "remit.stopBudget" . | fromJson }}
{{- if le (int $budget.grace) (int $budget.worst) }}
{{- fail (printf "terminationGracePeriodSeconds (%d) must exceed remit's worst-case stop, %d s: shutdownTimeout %d s + 10 s commit + 5 s x %d consumers + timeout-per-shutdown-phase %d s + 5 s to exit; raise it or set it to 0 (computed)" (int $budget.grace) (int $budget.worst) (int $budget.shutdown) (int $budget.consumers) (int $budget.phase)) }}
{{- end }}
{{- if and .Values.console.ingress.enabled (not .Values.console.enabled) }}
{{- fail "console.ingress.enabled needs console.enabled" }}
{{- end }}
{{- if and .Values.console.ingress.enabled (not .Values.console.ingress.host) }}
{{- fail "console.ingress.host is required with console.ingress.enabled" }}
{{- end }}
{{- if lt (int (include "remit.seconds" .Values.shutdownTimeout)) (int (include "remit.seconds" .Values.api.timeout)) }}
{{- fail "shutdownTimeout must be at least api.timeout: a batch in hand waits for its API calls" }}
{{- end }}
{{- include "remit.validateWebhooks" . }}
{{- end }}

{{/* Guard rails of the webhook receiver: a Secret to verify with, a port of its own, somewhere to relay to. */}}
{{- define "remit.validateWebhooks" -}}
{{- $w := .Values.webhooks -}}
{{- $extra := .Values.config.extra | default dict -}}
{{- $inExtra := dig "remit" "webhooks" dict $extra -}}
{{- range $key := list "secret" "previous-secret" "previousSecret" }}
{{- if hasKey $inExtra $key }}
{{- fail (printf "config.extra.remit.webhooks.%s would put the webhook signing secret in a ConfigMap: name a Secret in webhooks.secretName instead" $key) }}
{{- end }}
{{- end }}
{{- if $w.enabled }}
{{- if not $w.secretName }}
{{- fail "webhooks.secretName is required with webhooks.enabled: the existing Secret holding the signing secret (key webhooks.keys.secret)" }}
{{- end }}
{{- $ops := dig "remit" "ops" "port" .Values.console.port $extra | int }}
{{- $management := dig "management" "server" "port" 8080 $extra | int }}
{{- if or (eq (int $w.port) $ops) (eq (int $w.port) $management) }}
{{- fail (printf "webhooks.port %d is taken: the main server (console.port) is on %d and Actuator on %d" (int $w.port) $ops $management) }}
{{- end }}
{{- if eq (toString (dig "remit" "topics" "outcome-events" true $extra)) "false" }}
{{- fail "webhooks.enabled needs remit.topics.outcome-events (config.extra sets it false): settlement events go to the outcomes topic" }}
{{- end }}
{{- end }}
{{- end }}
