# Sourced by scripts/run and scripts/test: create <repo>/.venv when missing and install the
# project into it with the extras given (e.g. "dev"), quietly. The install is skipped when
# pyproject.toml and the extras are unchanged since the last one (a stamp in .venv records
# them); the install is editable, so code changes never need it.
ensure_venv() {
  local repo="$1" extras="${2:-}"
  if [[ ! -x "$repo/.venv/bin/python" ]]; then
    local python
    python="$(command -v python3.11 || command -v python3)"
    echo "creating $repo/.venv with $python" >&2
    "$python" -m venv "$repo/.venv"
  fi
  local target="$repo" stamp="$repo/.venv/.imr-installed" wanted
  [[ -n "$extras" ]] && target="$repo[$extras]"
  wanted="$(cat "$repo/pyproject.toml" - <<<"extras=$extras" | sha256sum | cut -d' ' -f1)"
  if [[ -f "$stamp" ]] && grep -qx "$wanted" "$stamp"; then
    return 0
  fi
  "$repo/.venv/bin/python" -m pip install --quiet --disable-pip-version-check -e "$target"
  echo "$wanted" >>"$stamp"
}
