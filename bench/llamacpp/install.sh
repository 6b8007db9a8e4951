#!/usr/bin/env bash
# Installs the llama.cpp baseline used by the CPU benchmark, all under the git-ignored .bench/ folder:
#   .bench/npm/                 node-llama-cpp + @node-llama-cpp/linux-x64 (pinned), prebuilt llama.cpp shared libraries
#   .bench/llamacpp/include/    llama.h + ggml/include/*.h of the SAME release, taken from the package's git bundle
#   .bench/llamacpp/env         BINS=<folder of libllama / libggml* / CPU backend variants>, LLAMA_TAG, ...
# Idempotent: every step is skipped when its result is already there. Needs node/npm, git, tar.
# Override the location with BENCH_DIR=/some/where.
set -euo pipefail

NLC_VERSION="3.22.1"  # node-llama-cpp; its linux-x64 prebuilt package has the same version (llama.cpp release v0.5.0)
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
BENCH_DIR="${BENCH_DIR:-$ROOT/.bench}"
NPM_DIR="$BENCH_DIR/npm"
OUT_DIR="$BENCH_DIR/llamacpp"
INC_DIR="$OUT_DIR/include"

die() { echo "install.sh: error: $*" >&2; exit 1; }
log() { echo "install.sh: $*" >&2; }

for tool in node npm git tar; do
  command -v "$tool" >/dev/null 2>&1 || die "'$tool' not found on PATH (Debian: apt-get install nodejs npm git tar)"
done

installed_version() {  # $1 = package name -> version in .bench/npm, or empty
  local pj="$NPM_DIR/node_modules/$1/package.json"
  [[ -f "$pj" ]] && node -e 'process.stdout.write(require(process.argv[1]).version)' "$pj" 2>/dev/null || true
}

# ---- 1. npm packages (pinned) ------------------------------------------------------------------------------------
PKGS=("node-llama-cpp" "@node-llama-cpp/linux-x64")
need_install=0
for p in "${PKGS[@]}"; do
  [[ "$(installed_version "$p")" == "$NLC_VERSION" ]] || need_install=1
done
if [[ $need_install -eq 1 ]]; then
  log "checking the npm registry for the pinned versions ($NLC_VERSION)"
  for p in "${PKGS[@]}"; do
    if ! v="$(timeout 60 npm view "$p@$NLC_VERSION" version 2>/dev/null)"; then
      die "could not query the npm registry for $p@$NLC_VERSION (registry unreachable? check 'npm config get registry' and the network)"
    fi
    [[ "$v" == "$NLC_VERSION" ]] || die "$p@$NLC_VERSION does not exist on the npm registry (got '$v')"
  done
  mkdir -p "$NPM_DIR"
  [[ -f "$NPM_DIR/package.json" ]] || echo '{ "name": "locus-bench-llamacpp", "private": true }' > "$NPM_DIR/package.json"
  log "npm install node-llama-cpp@$NLC_VERSION @node-llama-cpp/linux-x64@$NLC_VERSION into $NPM_DIR"
  # --ignore-scripts: node-llama-cpp's postinstall would try to download/build llama.cpp; the prebuilt package is all we
  # need. --omit=optional: skip the other platforms' (and the large CUDA) prebuilt packages.
  if ! (cd "$NPM_DIR" && timeout 900 npm install --no-save --ignore-scripts --no-audit --no-fund --omit=optional \
          "node-llama-cpp@$NLC_VERSION" "@node-llama-cpp/linux-x64@$NLC_VERSION" >&2); then
    die "npm install failed (registry unreachable or package missing?); see the npm output above"
  fi
  for p in "${PKGS[@]}"; do
    [[ "$(installed_version "$p")" == "$NLC_VERSION" ]] || die "after npm install, $p is not at version $NLC_VERSION"
  done
else
  log "npm packages already installed ($NLC_VERSION)"
fi

NLC="$NPM_DIR/node_modules/node-llama-cpp"
BUNDLE="$NLC/llama/gitRelease.bundle"
[[ -f "$BUNDLE" ]] || die "$BUNDLE missing: node-llama-cpp@$NLC_VERSION no longer ships the llama.cpp git bundle?"
LLAMA_TAG="$(node -e 'process.stdout.write(require(process.argv[1]).tag)' "$NLC/llama/llama.cpp.info.json" 2>/dev/null || echo unknown)"

# ---- 2. locate the prebuilt linux-x64 libraries ------------------------------------------------------------------
BINS=""
for d in "$NPM_DIR/node_modules/@node-llama-cpp/linux-x64/bins/linux-x64" \
         "$NPM_DIR"/node_modules/@node-llama-cpp/linux-x64/bins/*; do
  if [[ -d "$d" ]] && compgen -G "$d/libllama*.so" >/dev/null && compgen -G "$d/libggml-base*.so" >/dev/null; then
    BINS="$(cd "$d" && pwd)"; break
  fi
done
[[ -n "$BINS" ]] || die "no folder with libllama*.so and libggml-base*.so under $NPM_DIR/node_modules/@node-llama-cpp/linux-x64/bins"
compgen -G "$BINS/libggml-cpu-*.so" >/dev/null || die "no CPU backend variants (libggml-cpu-*.so) in $BINS"
BUILT_TAG="$(node -e 'process.stdout.write(require(process.argv[1]).buildOptions.llamaCpp.release)' \
             "$BINS/_nlcBuildMetadata.json" 2>/dev/null || echo unknown)"
if [[ "$BUILT_TAG" != "unknown" && "$LLAMA_TAG" != "unknown" && "$BUILT_TAG" != "$LLAMA_TAG" ]]; then
  die "prebuilt libraries are llama.cpp $BUILT_TAG but the bundle is $LLAMA_TAG: headers would not match"
fi

# ---- 3. headers of the same release from the git bundle ---------------------------------------------------------
STAMP="$INC_DIR/.from-bundle"
BUNDLE_HEAD="$(git bundle list-heads "$BUNDLE" | awk '{print $1; exit}')"
[[ -n "$BUNDLE_HEAD" ]] || die "git bundle list-heads $BUNDLE gave nothing"
if [[ -f "$INC_DIR/llama.h" && -f "$INC_DIR/ggml.h" && -f "$STAMP" && "$(cat "$STAMP")" == "$BUNDLE_HEAD" ]]; then
  log "headers already extracted (llama.cpp $LLAMA_TAG, commit $BUNDLE_HEAD)"
else
  log "extracting include/llama.h and ggml/include/*.h from the bundle (commit $BUNDLE_HEAD)"
  tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
  git init -q "$tmp/repo"
  git -C "$tmp/repo" fetch -q "$BUNDLE" "$BUNDLE_HEAD" 2>/dev/null || git -C "$tmp/repo" fetch -q "$BUNDLE" HEAD \
    || die "git fetch from the bundle $BUNDLE failed"
  git -C "$tmp/repo" archive FETCH_HEAD include/llama.h ggml/include | tar -x -C "$tmp" \
    || die "git archive of include/llama.h ggml/include failed"
  rm -rf "$INC_DIR"; mkdir -p "$INC_DIR"
  cp "$tmp/include/llama.h" "$tmp"/ggml/include/*.h "$INC_DIR/"
  echo "$BUNDLE_HEAD" > "$STAMP"
fi

# ---- 4. record where everything is ------------------------------------------------------------------------------
mkdir -p "$OUT_DIR"
cat > "$OUT_DIR/env" <<EOF
# written by bench/llamacpp/install.sh
NLC_VERSION=$NLC_VERSION
LLAMA_TAG=$LLAMA_TAG
BUNDLE_COMMIT=$BUNDLE_HEAD
BINS=$BINS
INCLUDE=$INC_DIR
EOF
log "llama.cpp $LLAMA_TAG ready: libraries in $BINS, headers in $INC_DIR"
echo "$BINS"
