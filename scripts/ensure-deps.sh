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
