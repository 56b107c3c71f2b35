# Sourced by ./batchfcn and ./build.sh: installs what BatchFcn needs beyond the .NET SDK, once.
# Debian/Ubuntu only; as root, or through sudo. Other systems: install libvips 8.14+ with OpenSlide.

# apt_install PACKAGE WHY: installs a Debian package as root or through sudo, or says how to.
apt_install() {
  echo "==> installing $1 (Debian) $2" >&2
  local sudo=""
  if [[ "$(id -u)" -ne 0 ]]; then
    if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
      echo "error: $1 is missing; install it with 'apt-get install $1' (as root)" >&2
      return 1
    fi
  fi
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$1" >&2
}

ensure_libvips() {
  # grep reads all of ldconfig's output (no -q): with pipefail, a grep that stops at the first match can kill
  # ldconfig with SIGPIPE, and the check would then fail now and then although libvips is installed.
  if ldconfig -p 2>/dev/null | grep 'libvips\.so\.42' >/dev/null; then
    return 0
  fi
  apt_install libvips42 "(libvips, with OpenSlide)"
}

# The tests read scores.zarr the way users do, with the zarr library: Debian's python3-zarr (brings numpy).
ensure_python_zarr() {
  if /usr/bin/python3 -c 'import zarr, numpy' >/dev/null 2>&1; then
    return 0
  fi
  apt_install python3-zarr "for the interoperability tests"
}
