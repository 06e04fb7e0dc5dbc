#!/usr/bin/env bash
# Makes (or reuses) the training virtual environment scripts/train/.venv: Python 3.12 from pyenv
# (or python3.12 on PATH) with the pinned requirements. Rebuilt only when requirements.txt changes
# (its hash is kept in the venv), so a second call costs nothing. Prints the venv's python.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="$here/.venv"
stamp="$venv/requirements.sha256"
want="$(sha256sum "$here/requirements.txt" | cut -d' ' -f1)"

if [[ -x "$venv/bin/python" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  echo "$venv/bin/python"
  exit 0
fi

find_python() {
  local root candidate
  if command -v pyenv >/dev/null 2>&1; then
    root="$(pyenv root)"
    for candidate in $(ls -d "$root"/versions/3.12.* 2>/dev/null | sort -V -r); do
      [[ -x "$candidate/bin/python" ]] && { echo "$candidate/bin/python"; return; }
    done
  fi
  for candidate in "$HOME"/.pyenv/versions/3.12.*/bin/python python3.12; do
    command -v "$candidate" >/dev/null 2>&1 && { command -v "$candidate"; return; }
  done
  return 1
}

python="$(find_python)" || { echo "training needs Python 3.12 (pyenv install 3.12, or python3.12 on PATH)" >&2; exit 1; }
echo "==> training venv: $python -m venv $venv; pip install -r requirements.txt" >&2
rm -rf "$venv"
"$python" -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps -r "$here/requirements.txt" >&2
echo "$want" >"$stamp"
echo "$venv/bin/python"
