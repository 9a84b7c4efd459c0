#!/usr/bin/env bash
# require.sh PROGRAM DEBIAN_PACKAGE -- COMMAND...
# Runs COMMAND when PROGRAM (a name on PATH or an absolute path) exists;
# otherwise FAILS, naming the Debian package to install. Tests that need an
# outside tool use this so that a missing tool is a failure, never a pass.
set -euo pipefail
program=$1
package=$2
shift 2
[ "${1:-}" = "--" ] && shift
if ! command -v "$program" >/dev/null 2>&1; then
  echo "error: '$program' not found: install Debian's $package (./scripts/setup.sh --tests)" >&2
  exit 1
fi
exec "$@"
