# Sourced by scripts/run and scripts/test: create <repo>/.venv when missing and install the
# project into it with the extras given (e.g. "dev"), quietly.
ensure_venv() {
  local repo="$1" extras="${2:-}"
  if [[ ! -x "$repo/.venv/bin/python" ]]; then
    local python
    python="$(command -v python3.11 || command -v python3)"
    echo "creating $repo/.venv with $python" >&2
    "$python" -m venv "$repo/.venv"
  fi
  local target="$repo"
  [[ -n "$extras" ]] && target="$repo[$extras]"
  "$repo/.venv/bin/python" -m pip install --quiet --disable-pip-version-check -e "$target"
}
