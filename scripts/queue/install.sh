#!/usr/bin/env bash
# Installs what n8n's queue mode needs beside n8n itself, from Debian's packages, on first use:
# PostgreSQL's server (initdb, pg_ctl, postgres) and redis-server. Nothing is started here and
# no cluster is created: scripts/lib/queue.ts makes a throw-away one per run.
#
#   scripts/queue/install.sh      prints "<postgres bin dir> <redis-server path>" on its last line
#
# The packages' own services are not used (a Debian install may start them; they listen on the
# default ports, which the throw-away processes never take: they run on free ports).
set -euo pipefail

log() { printf '[queue-install] %s\n' "$*" >&2; }
die() { printf '[queue-install] FAILED: %s\n' "$*" >&2; exit 1; }

pg_bin_dir() {
	local dir
	for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
		if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ] && [ -x "$dir/postgres" ]; then
			echo "$dir"
			return 0
		fi
	done
	return 1
}

redis_path() { command -v redis-server 2>/dev/null || { [ -x /usr/bin/redis-server ] && echo /usr/bin/redis-server; }; }

missing=()
pg_bin_dir >/dev/null || missing+=(postgresql)
redis_path >/dev/null || missing+=(redis-server)
command -v setpriv >/dev/null || missing+=(util-linux)

if [ "${#missing[@]}" -gt 0 ]; then
	[ "$(id -u)" = 0 ] || die "missing ${missing[*]}; install them (apt-get install -y ${missing[*]}) or run this as root"
	command -v apt-get >/dev/null || die "missing ${missing[*]} and no apt-get to install them with"
	# Two callers at once (two jest workers, npm start beside a test run) must not run apt-get together.
	exec 9>/var/lock/n8n-nodes-4see-queue-install.lock
	flock 9
	missing=()
	pg_bin_dir >/dev/null || missing+=(postgresql)
	redis_path >/dev/null || missing+=(redis-server)
	command -v setpriv >/dev/null || missing+=(util-linux)
	if [ "${#missing[@]}" -gt 0 ]; then
		log "installing ${missing[*]} (apt-get; a minute or two the first time)"
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq >&2 || die "apt-get update failed"
		# policy-rc.d keeps Debian from starting the packages' own services on install.
		policy=/usr/sbin/policy-rc.d
		had_policy=0
		[ -e "$policy" ] && had_policy=1
		if [ "$had_policy" = 0 ]; then printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy"; fi
		status=0
		apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2 || status=$?
		[ "$had_policy" = 0 ] && rm -f "$policy"
		[ "$status" = 0 ] || die "apt-get install ${missing[*]} failed (exit $status)"
	fi
	flock -u 9
fi

pg="$(pg_bin_dir)" || die "PostgreSQL's server binaries not found under /usr/lib/postgresql/*/bin"
redis="$(redis_path)" || die "redis-server not found"
id postgres >/dev/null 2>&1 || die "no 'postgres' user (PostgreSQL refuses to run as root; Debian's package creates it)"
echo "$pg $redis"
