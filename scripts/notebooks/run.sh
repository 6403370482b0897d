#!/usr/bin/env bash
# Executes every notebook in notebooks/ (or the .ipynb files given as
# arguments) top to bottom with the tslab kernel, headless, and exits with
# status 1 if any cell of any notebook fails. The executed copies go to a
# temporary folder, so the committed notebooks keep their cleared outputs.
#
# Run scripts/notebooks/install.sh first. Environment:
#   PBT_MF_NOTEBOOK_QUICK=1       small settings, for CI (read by each notebook)
#   PBT_MF_NOTEBOOK_TIMEOUT=900   seconds allowed per cell
#   PBT_MF_NOTEBOOK_OUT=DIR       keep the executed notebooks in DIR
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
jupyter=/usr/bin/jupyter
timeout="${PBT_MF_NOTEBOOK_TIMEOUT:-900}"

if [[ ! -x "$jupyter" ]]; then
  echo "run.sh: $jupyter not found; run scripts/notebooks/install.sh first" >&2
  exit 1
fi

if [[ -n "${PBT_MF_NOTEBOOK_OUT:-}" ]]; then
  out="$PBT_MF_NOTEBOOK_OUT"
  mkdir -p "$out"
else
  out="$(mktemp -d)"
  trap 'rm -rf "$out"' EXIT
fi

if [[ $# -gt 0 ]]; then
  notebooks=("$@")
else
  notebooks=("$root"/notebooks/*.ipynb)
fi

# Committed notebooks have no outputs, because an executed notebook contains
# the 10 MB plotly bundle. Clear them with
#   jupyter nbconvert --clear-output --inplace notebooks/*.ipynb
stored=()
for notebook in "${notebooks[@]}"; do
  if grep -q '"output_type"' "$notebook"; then stored+=("$notebook"); fi
done
if [[ ${#stored[@]} -gt 0 ]]; then
  echo "run.sh: these notebooks contain stored outputs; clear them before committing: ${stored[*]}" >&2
  exit 1
fi

failed=()
for notebook in "${notebooks[@]}"; do
  name="$(basename "$notebook")"
  echo "=== $name (quick: ${PBT_MF_NOTEBOOK_QUICK:-0})"
  started=$SECONDS
  # The kernel starts in the notebook's folder, where tslab finds notebooks/node_modules.
  if "$jupyter" nbconvert --to notebook --execute \
      --ExecutePreprocessor.kernel_name=tslab \
      --ExecutePreprocessor.timeout="$timeout" \
      --output-dir "$out" "$notebook"; then
    echo "=== $name: passed in $((SECONDS - started)) s"
  else
    echo "=== $name: FAILED after $((SECONDS - started)) s" >&2
    failed+=("$name")
  fi
done

if [[ ${#failed[@]} -gt 0 ]]; then
  echo "run.sh: ${#failed[@]} of ${#notebooks[@]} notebooks failed: ${failed[*]}" >&2
  exit 1
fi
echo "run.sh: all ${#notebooks[@]} notebooks executed without errors"
