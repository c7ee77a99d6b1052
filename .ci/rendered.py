"""The chart's manifests as deploy-checks.sh rendered them: target/deploy-checks/rendered-<value set>.yaml."""
import sys

import yaml


def render(name):
    """(documents, the Deployment's pod spec, remit's application.yaml from its ConfigMap) of one value set."""
    docs = [d for d in yaml.safe_load_all(open(f'{sys.argv[1]}/rendered-{name}.yaml')) if d]
    dep = next(d for d in docs if d['kind'] == 'Deployment')
    cm = next(d for d in docs if d['kind'] == 'ConfigMap' and 'application.yaml' in d.get('data', {}))
    return docs, dep['spec']['template']['spec'], yaml.safe_load(cm['data']['application.yaml'])


def of(docs, kind):
    return [d for d in docs if d['kind'] == kind]
