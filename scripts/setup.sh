#!/bin/sh
# Installs everything npuquant's build and tests need, from Debian packages and npm.
# Idempotent and non-interactive (CI runs it as root without stdin): packages already
# installed are not touched, and apt-get update runs only when something is missing.
#
#   sh scripts/setup.sh            # everything (build, tests, oracles)
#   sh scripts/setup.sh --demo     # only what the README demo needs (no test oracles)
#   NQ_SETUP_SKIP_NPM=1 sh scripts/setup.sh   # Debian packages only
set -eu

# ---- Debian packages: add new ones here (one list, kept in one place) ---------------
DEB_PACKAGES="
  build-essential cmake pkg-config clang libclang-rt-14-dev clang-format-14
  libopenblas-dev libjpeg-dev libpng-dev zlib1g-dev libhdf5-dev libcjson-dev libzip-dev
  protobuf-c-compiler libprotobuf-c-dev libonnx-dev libonnx-testdata
  flatbuffers-compiler python3-flatbuffers python3-numpy python3-pil python3-h5py
  python3-pyarmnn libarmnn-cpuref-backend22 libarmnntfliteparser22
  python3-torch python3-torchvision python3-onnx
  dataset-fashion-mnist
"
# The README demo needs only these: the build, numpy for its data script, the data set.
DEMO_DEB_PACKAGES="
  build-essential cmake pkg-config libjpeg-dev libpng-dev zlib1g-dev libhdf5-dev libcjson-dev
  libzip-dev protobuf-c-compiler libprotobuf-c-dev libonnx-dev libopenblas-dev python3-numpy
  dataset-fashion-mnist
"
# Node.js is needed for the LiteRT.js and onnxruntime-node oracles; any working
# node >= NODE_MIN_MAJOR with npm will do, Debian's is installed only when there is none.
NODE_DEB_PACKAGES="nodejs npm"
NODE_MIN_MAJOR=18
# -------------------------------------------------------------------------------------

ROOT=$(cd "$(dirname "$0")/.." && pwd)
ORACLES="$ROOT/tests/oracles"

say() { printf 'setup: %s\n' "$*"; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    say "need root (or sudo) to run: $*" >&2
    exit 1
  fi
}

is_installed() {
  [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]
}

node_ok() {
  command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || return 1
  major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null) || return 1
  [ "${major:-0}" -ge "$NODE_MIN_MAJOR" ]
}

demo_only=0
[ "${1:-}" = "--demo" ] && demo_only=1

wanted="$DEB_PACKAGES"
if [ "$demo_only" = "1" ]; then
  wanted="$DEMO_DEB_PACKAGES"
elif ! node_ok; then
  wanted="$wanted $NODE_DEB_PACKAGES"
fi

missing=""
for p in $wanted; do
  is_installed "$p" || missing="$missing $p"
done

if [ -n "$missing" ]; then
  say "installing Debian packages:$missing"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
  # shellcheck disable=SC2086 # the list is meant to split into words
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
else
  say "all Debian packages present"
fi

if [ "$demo_only" = "1" ]; then
  say "done (demo packages only)"
  exit 0
fi
if [ "${NQ_SETUP_SKIP_NPM:-0}" = "1" ]; then
  say "skipping npm (NQ_SETUP_SKIP_NPM=1)"
  exit 0
fi
node_ok || { say "node >= $NODE_MIN_MAJOR with npm is still missing" >&2; exit 1; }

# The oracles' npm packages, pinned by tests/oracles/package-lock.json. ONNXRUNTIME_NODE_
# INSTALL=skip: onnxruntime-node ships its CPU library in the package; its install script
# would try to download GPU files, which fails offline and is not needed.
cd "$ORACLES"
if [ -f node_modules/.package-lock.json ] && cmp -s package-lock.json node_modules/.npm-setup-lock 2>/dev/null; then
  say "oracle npm packages up to date"
else
  say "installing oracle npm packages in tests/oracles"
  if [ -f package-lock.json ]; then
    ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund --loglevel=error
  else
    ONNXRUNTIME_NODE_INSTALL=skip npm install --no-audit --no-fund --loglevel=error
  fi
  cp package-lock.json node_modules/.npm-setup-lock
fi

# Prove the runtimes load (each runner exits 77 when its runtime is missing).
node -e 'import("@litertjs/core").then(() => import("onnxruntime-node")).catch((e) => { console.error(e.message); process.exit(1); })' \
  || { say "the oracle npm packages do not load" >&2; exit 1; }
/usr/bin/python3 -c 'import numpy, flatbuffers, PIL' \
  || { say "Debian Python modules (numpy, flatbuffers, PIL) do not import" >&2; exit 1; }
say "done"
