#!/usr/bin/env bash
# Install factx and its embedded model into ./.venv.
#
# Why a script and not a bare `pip install`: llama-cpp-python ships as source and
# its default build tunes itself to the CPU ("native"). On machines whose CPU
# reports AMX while the sandbox forbids it, that build segfaults in decode. So we
# pick the SIMD flags ourselves from /proc/cpuinfo (AVX-512 only where present,
# AMX never) and cache the built wheel per flag set, so a re-install is quick.
set -euo pipefail
cd "$(dirname "$0")"

PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null || PYTHON=python3
VENV=${FACTX_VENV:-.venv}
LLAMA_VERSION=0.3.36

cmake_args() {
  # An explicit CMAKE_ARGS from the user always wins.
  if [ -n "${CMAKE_ARGS:-}" ]; then echo "$CMAKE_ARGS"; return; fi
  if [ "$(uname -s)" != Linux ] || [ "$(uname -m)" != x86_64 ]; then
    echo ""; return  # native build elsewhere (macOS Metal, ARM NEON)
  fi
  local flags args="-DGGML_NATIVE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_BF16=OFF"
  flags=" $(grep -m1 '^flags' /proc/cpuinfo | cut -d: -f2) "
  local pair
  for pair in avx2:AVX2 fma:FMA f16c:F16C avx512f:AVX512 avx512_vnni:AVX512_VNNI \
              avx512_bf16:AVX512_BF16 avx512vbmi:AVX512_VBMI avx_vnni:AVX_VNNI; do
    if [[ "$flags" == *" ${pair%%:*} "* ]]; then
      args="$args -DGGML_${pair##*:}=ON"
    else
      args="$args -DGGML_${pair##*:}=OFF"
    fi
  done
  echo "$args"
}

[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip >/dev/null

ARGS=$(cmake_args)
KEY=$(printf '%s %s' "$LLAMA_VERSION" "$ARGS" | sha256sum | cut -c1-16)
WHEELS="${XDG_CACHE_HOME:-$HOME/.cache}/factx/wheels/$KEY"
if ! ls "$WHEELS"/llama_cpp_python-*.whl >/dev/null 2>&1; then
  echo "Building llama-cpp-python $LLAMA_VERSION (5-10 minutes, once) with: ${ARGS:-native flags}" >&2
  mkdir -p "$WHEELS"
  CMAKE_ARGS="$ARGS" "$VENV/bin/python" -m pip wheel -q --no-deps --no-cache-dir \
    -w "$WHEELS" "llama-cpp-python==$LLAMA_VERSION"
fi
"$VENV/bin/python" -m pip install -q --find-links "$WHEELS" "llama-cpp-python==$LLAMA_VERSION"
"$VENV/bin/python" -m pip install -q --find-links "$WHEELS" -e ".[local,dev]"
echo "factx installed in $VENV" >&2
