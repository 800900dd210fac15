#!/bin/sh
# Rebuild survey/static/vendor/govuk-frontend.css from GOV.UK Frontend's Sass (pinned in
# package.json): only the components the researcher's pages use, our font stack (which
# names the CJK fonts) and no GOV.UK brand (no GDS Transport font, crown or logo).
# Needs node and npm once, when updating; the result is committed and served as a file.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
npm install --no-audit --no-fund --ignore-scripts >/dev/null
out="$here/../../survey/static/vendor/govuk-frontend.css"
mkdir -p "$(dirname "$out")"
npx sass --pkg-importer=node --style=compressed --no-source-map --quiet-deps govuk.scss "$out"
echo "wrote $out ($(wc -c < "$out") bytes)"
