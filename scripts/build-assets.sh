#!/usr/bin/env bash
# Build the council-branded GOV.UK Frontend assets that crates/web embeds.
#
#   scripts/build-assets.sh          build into crates/web/assets/
#   scripts/build-assets.sh --check  rebuild into a temp dir and fail (exit 1)
#                                    if crates/web/assets/ differs from it
#
# Inputs:  package.json + package-lock.json (govuk-frontend, sass),
#          assets-src/app.scss, assets-src/*.js, assets-src/images/*
# Outputs: crates/web/assets/{app.css, govuk-frontend.min.js, *.js (from
#          assets-src, e.g. init.js), images/*, VERSION}
#
# Runnable from any directory; idempotent (files whose content is unchanged
# are left untouched, so their mtimes do not trigger a cargo rebuild).
# Needs node >= 20 and npm; runs `npm ci` when node_modules is missing or
# does not match package-lock.json.
set -euo pipefail

usage() {
  echo "usage: $0 [--check]" >&2
  exit 2
}

mode=build
case "${1:-}" in
  "") ;;
  --check) mode=check ;;
  -h | --help) usage ;;
  *) usage ;;
esac
[[ $# -le 1 ]] || usage

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

src="$root/assets-src"
out="$root/crates/web/assets"
gf="$root/node_modules/govuk-frontend"
sass="$root/node_modules/.bin/sass"
stamp="$root/node_modules/.earlyhelp-deps.sha256"

log() { echo "build-assets: $*" >&2; }
die() { echo "build-assets: error: $*" >&2; exit 1; }

command -v node >/dev/null || die "node is not installed (need Node.js >= 20)"
command -v npm >/dev/null || die "npm is not installed"

# --- 1. node_modules: install when missing or stale --------------------------
[[ -f package-lock.json ]] || die "package-lock.json missing; run 'npm install' and commit it"
want_hash="$(cat package.json package-lock.json | sha256sum | cut -d' ' -f1)"
have_hash="$(cat "$stamp" 2>/dev/null || true)"
if [[ ! -x "$sass" || ! -f "$gf/package.json" || "$want_hash" != "$have_hash" ]]; then
  log "node_modules missing or stale: running npm ci"
  # No package here needs an install script (sass is pure JS).
  npm ci --ignore-scripts --no-audit --no-fund >&2
  echo "$want_hash" >"$stamp"
fi
[[ -x "$sass" ]] || die "sass not found at $sass after npm ci"
[[ -f "$gf/package.json" ]] || die "govuk-frontend not found after npm ci"

gf_version="$(node -p 'require(process.argv[1]).version' "$gf/package.json")"
[[ "$gf_version" == 5.* ]] || die "expected govuk-frontend 5.x, found $gf_version"

# --- 2. build everything into a fresh temp dir -------------------------------
tmp="$(mktemp -d "${TMPDIR:-/tmp}/earlyhelp-assets.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
build="$tmp/assets"
mkdir -p "$build/images"

# CSS. --quiet-deps hides govuk-frontend's own Sass deprecation warnings
# (@import etc.); warnings from assets-src still show.
"$sass" --pkg-importer=node --quiet-deps --no-source-map --style=compressed \
  "$src/app.scss" "$build/app.css"
[[ -s "$build/app.css" ]] || die "sass produced an empty app.css"

# The council service must never ship the GDS Transport font.
if grep -qi 'GDS Transport' "$build/app.css"; then
  die "app.css mentions 'GDS Transport': check \$govuk-font-family in assets-src/app.scss"
fi
if grep -q '@font-face' "$build/app.css"; then
  die "app.css contains @font-face: check \$govuk-include-default-font-face"
fi

# GOV.UK Frontend JavaScript (ES module; the page imports it from init.js).
cp "$gf/dist/govuk/govuk-frontend.min.js" "$build/govuk-frontend.min.js"

# Our own small ES modules (init.js; app.js if it ever exists).
shopt -s nullglob
for f in "$src"/*.js; do
  cp "$f" "$build/"
done

# Images. govuk-frontend's favicons and icons (dist/govuk/assets/images/) are
# all crown-branded, so none are copied: the favicon is our own SVG.
for f in "$src"/images/*; do
  [[ -f "$f" ]] && cp "$f" "$build/images/"
done
shopt -u nullglob
for f in "$build"/images/*; do
  case "$(basename "$f")" in
    govuk-* | *crest* | *crown*) die "refusing to ship crown/GOV.UK-branded image $(basename "$f")" ;;
  esac
done

echo "$gf_version" >"$build/VERSION"

# --- 3a. --check: compare with the committed files ---------------------------
if [[ "$mode" == check ]]; then
  if [[ ! -d "$out" ]]; then
    die "crates/web/assets/ does not exist; run scripts/build-assets.sh and commit the result"
  fi
  if diff_out="$(diff -rq "$build" "$out" 2>&1)"; then
    log "OK: crates/web/assets/ matches assets-src/ + govuk-frontend $gf_version"
    exit 0
  fi
  {
    echo "build-assets: CHECK FAILED: crates/web/assets/ does not match what"
    echo "build-assets: scripts/build-assets.sh builds from assets-src/ and package-lock.json."
    echo "$diff_out" | sed -e "s|$build|<fresh build>|g" -e "s|$root/||g" -e 's|^|  |'
    echo "build-assets: run scripts/build-assets.sh and commit crates/web/assets/."
  } >&2
  exit 1
fi

# --- 3b. build: sync the temp dir into crates/web/assets ---------------------
mkdir -p "$out"
changed=0
# Copy new or changed files.
while IFS= read -r -d '' f; do
  rel="${f#"$build"/}"
  if ! cmp -s "$f" "$out/$rel"; then
    mkdir -p "$(dirname "$out/$rel")"
    cp "$f" "$out/$rel"
    log "updated $rel"
    changed=1
  fi
done < <(find "$build" -type f -print0)
# Remove files the build no longer produces.
while IFS= read -r -d '' f; do
  rel="${f#"$out"/}"
  if [[ ! -e "$build/$rel" ]]; then
    rm -f "$f"
    log "removed $rel"
    changed=1
  fi
done < <(find "$out" -type f -print0)
find "$out" -mindepth 1 -type d -empty -delete

if [[ "$changed" == 0 ]]; then
  log "up to date (govuk-frontend $gf_version)"
else
  log "built crates/web/assets/ (govuk-frontend $gf_version)"
fi
