#!/usr/bin/env bash
# Assembles the shared `deps` Lambda layer in .build/layer (serverless.yml `layers.deps.path`):
#   nodejs/node_modules/onnxruntime-node    the JS binding plus only the linux-x64 native binaries
#   nodejs/node_modules/onnxruntime-common  its one runtime dependency
#   + everything checked in under layers/deps/ (e.g. the risk model, see layers/README.md)
# The npm package ships binaries for every platform (~290 MB); Lambda allows 250 MB unzipped for a
# function and its layers together, and x86_64 Linux is the only platform we run on.
set -euo pipefail
cd "$(dirname "$0")/.."

out=.build/layer
modules=$out/nodejs/node_modules
ort=node_modules/onnxruntime-node
common=node_modules/onnxruntime-common

for package in "$ort" "$common"; do
  if [[ ! -f $package/package.json ]]; then
    echo "build-layer: $package is missing; run: ONNXRUNTIME_NODE_INSTALL=skip npm ci" >&2
    exit 1
  fi
done

binaries=$(find "$ort/bin" -type d -path '*/linux/x64')
if [[ -z $binaries ]]; then
  echo "build-layer: no linux/x64 binaries under $ort/bin" >&2
  exit 1
fi

# package.json, licence and compiled JS of one package; sources, install scripts and typings stay out.
copy_package() {
  local from=$1 to=$2
  mkdir -p "$to"
  cp "$from/package.json" "$to/"
  find "$from" -maxdepth 1 -type f \( -iname 'license*' -o -iname 'readme*' \) -exec cp {} "$to/" \;
  cp -R "$from/dist" "$to/dist"
}

rm -rf "$out"
copy_package "$ort" "$modules/onnxruntime-node"
copy_package "$common" "$modules/onnxruntime-common"

# The binding loads ../bin/napi-v<N>/<platform>/<arch>/onnxruntime_binding.node at run time.
while IFS= read -r dir; do
  mkdir -p "$modules/onnxruntime-node/$(dirname "${dir#"$ort"/}")"
  cp -R "$dir" "$modules/onnxruntime-node/${dir#"$ort"/}"
done <<<"$binaries"

# Checked-in layer content (the model file and anything else the functions read from /opt).
if [[ -d layers/deps ]]; then
  cp -R layers/deps/. "$out/"
fi

size=$(du -sh "$out" | cut -f1)
echo "build-layer: $out assembled ($size unzipped)"
