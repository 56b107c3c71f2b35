# Sourced by ./batchfcn and ./build.sh: installs what BatchFcn needs beyond the .NET SDK, once.
# Debian/Ubuntu only; as root, or through sudo. Other systems: install libvips 8.14+ with OpenSlide.

ensure_libvips() {
  if ldconfig -p 2>/dev/null | grep -q 'libvips\.so\.42'; then
    return 0
  fi
  echo "==> installing libvips (Debian libvips42, with OpenSlide)" >&2
  local sudo=""
  if [[ "$(id -u)" -ne 0 ]]; then
    if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
      echo "error: libvips is missing; install it with 'apt-get install libvips42' (as root)" >&2
      return 1
    fi
  fi
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends libvips42 >&2
}

# The tests read scores.zarr the way users do, with the zarr library: Debian's python3-zarr (brings numpy).
ensure_python_zarr() {
  if /usr/bin/python3 -c 'import zarr, numpy' >/dev/null 2>&1; then
    return 0
  fi
  echo "==> installing python3-zarr (Debian) for the interoperability tests" >&2
  local sudo=""
  if [[ "$(id -u)" -ne 0 ]]; then
    if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
      echo "error: python3-zarr is missing; install it with 'apt-get install python3-zarr' (as root)" >&2
      return 1
    fi
  fi
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends python3-zarr >&2
}
