#!/usr/bin/env bash
# Installs what the notebooks in notebooks/ need: Debian's Jupyter
# (nbconvert, nbclient, jupyter-client, ipykernel) and the tslab TypeScript
# kernel from notebooks/package-lock.json, then registers the kernel.
#
# The repository root must be installed and built first (`npm ci` at the
# root runs tsc), because the notebooks import pbt-meanfield from dist/.
# apt-get runs as root, or through sudo when this script is not root.
# Set PBT_MF_SKIP_APT=1 to skip apt-get when Jupyter is already installed.
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
notebooks="$root/notebooks"
python=/usr/bin/python3

if [[ ! -f "$root/dist/src/index.js" ]]; then
  echo "install.sh: $root/dist/src/index.js is missing; run 'npm ci' at the repository root first" >&2
  exit 1
fi

if [[ "${PBT_MF_SKIP_APT:-0}" != "1" ]]; then
  sudo=""
  if [[ "$(id -u)" != "0" ]]; then
    if ! command -v sudo >/dev/null; then
      echo "install.sh: apt-get needs root and sudo is not installed; run as root or set PBT_MF_SKIP_APT=1" >&2
      exit 1
    fi
    sudo="sudo"
  fi
  $sudo apt-get update
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends \
    jupyter-core jupyter-nbconvert python3-nbconvert python3-nbclient \
    python3-jupyter-client python3-ipykernel jupyter-client
fi

cd "$notebooks"
npm ci --no-audit --no-fund

# The kernel spec stores the command that starts the kernel. An absolute
# path to this checkout's tslab works without tslab on PATH. --user puts the
# spec in ~/.local/share/jupyter/kernels/tslab, which Jupyter searches for
# root and other users alike.
npx --no-install tslab install --python="$python" --binary="$notebooks/node_modules/.bin/tslab" --user

specs="$("$python" -m jupyter kernelspec list)"
echo "$specs"
if ! grep -q '^ *tslab ' <<<"$specs"; then
  echo "install.sh: the tslab kernel is not in 'jupyter kernelspec list' after installing it" >&2
  exit 1
fi
