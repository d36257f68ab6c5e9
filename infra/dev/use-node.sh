# Sourced (`. infra/dev/use-node.sh`): puts the Node line of .nvmrc first on PATH. When the
# machine's Node is older, that Node comes from the npm registry's `node` package (it holds
# the real binary), installed once into .tools/node. POSIX sh, so npm scripts may source it.
pulsegap_root=$(cd "$(dirname -- "${BASH_SOURCE:-$0}")/../.." 2>/dev/null && pwd)
[ -f "$pulsegap_root/.nvmrc" ] || pulsegap_root=$(pwd)
pulsegap_node=$(tr -d ' \n\r' <"$pulsegap_root/.nvmrc")
pulsegap_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ "$(pulsegap_major)" -lt "$pulsegap_node" ]; then
  if [ ! -x "$pulsegap_root/.tools/node/node_modules/.bin/node" ]; then
    echo "Node $(node -v 2>/dev/null || echo 'is missing'); installing Node $pulsegap_node from the npm registry into .tools/node" >&2
    npm install --prefix "$pulsegap_root/.tools/node" --no-save --no-audit --no-fund --loglevel=error \
      "node@$pulsegap_node" >&2
  fi
  PATH="$pulsegap_root/.tools/node/node_modules/.bin:$PATH"
  export PATH
  hash -r 2>/dev/null || true
fi
if [ "$(pulsegap_major)" -lt "$pulsegap_node" ]; then
  echo "Node $pulsegap_node is needed (see .nvmrc); $(node -v 2>/dev/null || echo 'no Node') was found." >&2
  return 1 2>/dev/null || exit 1
fi
unset pulsegap_root pulsegap_node
unset -f pulsegap_major
