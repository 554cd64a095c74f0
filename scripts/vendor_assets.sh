#!/usr/bin/env bash
# Refresh the front-end files in static/vendor/ from the npm registry.
# Usage: scripts/vendor_assets.sh [BOOTSTRAP_VERSION] [HTMX_VERSION] [SIGNATURE_PAD_VERSION]
# The versions in use are recorded in static/vendor/VERSIONS; bump them here and re-run.
set -euo pipefail
cd "$(dirname "$0")/.."
BOOTSTRAP=${1:-5.3.8}
HTMX=${2:-2.0.11}
SIGNATURE_PAD=${3:-5.1.4}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fetch() { # package@version -> unpacked folder
  (cd "$work" && npm pack --silent "$1" >/dev/null)
  mkdir -p "$work/$2" && tar -xzf "$work"/"${2}"-*.tgz -C "$work/$2" --strip-components 1
}
fetch "bootstrap@$BOOTSTRAP" bootstrap
fetch "htmx.org@$HTMX" htmx.org
fetch "signature_pad@$SIGNATURE_PAD" signature_pad

rm -rf static/vendor/bootstrap static/vendor/htmx static/vendor/signature_pad
mkdir -p static/vendor/bootstrap/css static/vendor/bootstrap/js static/vendor/htmx static/vendor/signature_pad
cp "$work"/bootstrap/dist/css/bootstrap.min.css "$work"/bootstrap/dist/css/bootstrap.min.css.map static/vendor/bootstrap/css/
cp "$work"/bootstrap/dist/js/bootstrap.bundle.min.js "$work"/bootstrap/dist/js/bootstrap.bundle.min.js.map static/vendor/bootstrap/js/
cp "$work"/bootstrap/LICENSE static/vendor/bootstrap/LICENSE
cp "$work"/htmx.org/dist/htmx.min.js static/vendor/htmx/htmx.min.js
cp "$work"/htmx.org/LICENSE static/vendor/htmx/LICENSE
# The map is copied because the minified file names it (the manifest storage follows that reference).
cp "$work"/signature_pad/dist/signature_pad.umd.min.js "$work"/signature_pad/dist/signature_pad.umd.min.js.map static/vendor/signature_pad/
cp "$work"/signature_pad/LICENSE static/vendor/signature_pad/LICENSE
cat > static/vendor/VERSIONS <<VERSIONS
# Vendored front-end files; refresh with scripts/vendor_assets.sh
bootstrap $BOOTSTRAP
htmx.org $HTMX
signature_pad $SIGNATURE_PAD
VERSIONS
echo "Vendored bootstrap $BOOTSTRAP, htmx.org $HTMX and signature_pad $SIGNATURE_PAD into static/vendor/"
