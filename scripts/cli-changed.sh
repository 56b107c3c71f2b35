#!/usr/bin/env bash
# Prints the first CLI source file changed since STAMP (nothing when none), for ./batchfcn's rebuild check:
# C# sources, project files and the shared .props under src/ and at the root. Build outputs (bin/, obj/) are not
# sources: a build or restore regenerates obj/*.nuget.g.props, which must not make the next run rebuild.
#
#   scripts/cli-changed.sh ROOT STAMP
set -euo pipefail
root="$1" stamp="$2"
find "$root/src" "$root/Directory.Build.props" "$root/Directory.Packages.props" \
  \( -type d \( -name bin -o -name obj \) -prune \) -o \
  -newer "$stamp" \( -name '*.cs' -o -name '*.csproj' -o -name '*.props' \) -print -quit 2>/dev/null
