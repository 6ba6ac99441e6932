#!/usr/bin/env bash
# Installs the Debian packages tinyrt builds, tests and benchmarks with, when any is missing.
# Runs as root on Debian 12 (as `make run` / `make test` do on a fresh machine).
set -euo pipefail

packages=(
  build-essential cmake pkg-config clang libclang-rt-14-dev   # compilers; libFuzzer + sanitizers
  libmicrohttpd-dev libcjson-dev                              # the server (tinyrt serve)
  python3-torch python3-onnx python3-numpy                    # exporting models, references
  libonnx-testdata libonnx-dev                                # ONNX node tests, onnx.proto
  chromium                                                    # checking the HTML report
  curl                                                        # server tests
  libsimde-dev                                                # AVX-512 kernels tested by emulation
  libdnnl-dev libsleef-dev                                    # make bench-gemm: oneDNN, SLEEF
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# node and npm run the ONNX Runtime side of `make bench`. Checked by command, not package: a
# nodesource nodejs bundles npm, and Debian's npm package would conflict with it.
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "installing: ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "error: these Debian packages are missing and installing them needs root: ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
