#!/usr/bin/env bash
# Creates the install's random SECRET_KEY once (mode 0600, outside git) and keeps it afterwards.
# Usage: scripts/ensure_secret_key.sh [path]   (default: var/secret_key)
set -euo pipefail
path="${1:-var/secret_key}"
if [ -s "$path" ]; then
  chmod 600 "$path"
  exit 0
fi
mkdir -p "$(dirname "$path")"
umask 077
tmp="$(mktemp "$path.XXXXXX")"
trap 'rm -f "$tmp"' EXIT
# 64 hex characters from the kernel's CSPRNG.
od -An -vtx1 -N32 /dev/urandom | tr -d ' \n' > "$tmp"
echo >> "$tmp"
chmod 600 "$tmp"
# No clobbering: if another run created the key meanwhile, keep that one.
if ln "$tmp" "$path" 2>/dev/null; then
  echo "Clé secrète créée : $path (gardez-la hors de git)"
fi
