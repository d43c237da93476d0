#!/usr/bin/env bash
# Checks the Kubernetes manifests against the Kubernetes API schemas (kubernetes-validate from
# PyPI, strict: unknown fields fail too), installed into target/k8s-venv on first use.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=target/k8s-venv
if [ ! -x "$venv/bin/kubernetes-validate" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check kubernetes-validate
fi
"$venv/bin/kubernetes-validate" --strict --quiet deploy/kubernetes/*.yaml
echo "manifests valid: $(ls deploy/kubernetes/*.yaml | tr '\n' ' ')"
