#!/usr/bin/env bash
# PostgreSQL + Redis for the test suite. Reuses DATABASE_URL / REDIS_URL when they
# answer; otherwise starts throwaway servers in a temp dir and removes them afterwards.
#
#   scripts/test-services.sh run -- CMD [ARGS...]  # ensure services, run CMD, stop what we started
#   eval "$(scripts/test-services.sh start)"       # same, but leave them running (interactive use)
#   scripts/test-services.sh stop [DIR]            # stop those (default: $MORNINGAI_TEST_SERVICES_DIR)
#
# Afterwards DATABASE_URL is a superuser URL (tests CREATE DATABASE / ROLE) and
# REDIS_URL is redis://127.0.0.1:PORT.
set -euo pipefail

say() { printf 'test-services: %s\n' "$*" >&2; }
die() {
	say "error: $*"
	exit 1
}
# URL without password, for logs.
redact() { sed -E 's#^([a-z+]+://[^:/@]*):[^@/]*@#\1@#' <<<"$1"; }
is_root() { [[ $(id -u) -eq 0 ]]; }

TMP=""        # our temp dir; created only if we start something
APT_UPDATED=0
PG_NOTE="" REDIS_NOTE=""

apt_install() {
	is_root && command -v apt-get >/dev/null || return 1
	say "installing $* with apt-get"
	# Called in `||` context where set -e is off, hence the explicit && chain.
	{ [[ $APT_UPDATED == 1 ]] || DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2; } &&
		APT_UPDATED=1 &&
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >&2
}

make_tmp() {
	[[ -n $TMP ]] && return
	# As root the dir must be reachable by the postgres user, so keep it out of a private TMPDIR.
	local base=/tmp
	is_root || base=${TMPDIR:-/tmp}
	TMP=$(mktemp -d "$base/morningai-test.XXXXXX")
	chmod 755 "$TMP"
}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null && return
	local p
	for _ in {1..200}; do # no python: probe random ports
		p=$((20000 + RANDOM % 40000))
		(: <>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || {
			echo "$p"
			return
		}
	done
	return 1
}

# initdb/pg_ctl refuse to run as root: use the postgres user then.
as_pg() {
	if ! is_root; then
		"$@"
	elif command -v runuser >/dev/null; then
		(cd / && runuser -u postgres -- "$@")
	else
		# shellcheck disable=SC2016 # expanded by the inner sh, on purpose
		(cd / && su postgres -s /bin/sh -c 'exec "$0" "$@"' "$@")
	fi
}

pg_bindir() {
	local i
	i=$(printf '%s\n' /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n1) # highest version
	[[ -x $i ]] || i=$(command -v initdb) || return 1
	dirname "$i"
}

ensure_postgres() {
	if [[ -n ${DATABASE_URL:-} ]]; then
		if ! command -v psql >/dev/null; then
			PG_NOTE="existing, not verified: no psql"
			return
		fi
		local super
		if super=$(PGCONNECT_TIMEOUT=5 psql "$DATABASE_URL" -XAtqc 'select rolsuper from pg_roles where rolname = current_user' 2>/dev/null); then
			[[ $super == t ]] || say "warning: DATABASE_URL user is not a superuser; tests needing CREATE DATABASE/ROLE may fail"
			PG_NOTE=existing
			return
		fi
		say "DATABASE_URL $(redact "$DATABASE_URL") does not answer; starting a throwaway PostgreSQL"
	fi

	local bin dir port
	if ! bin=$(pg_bindir); then
		apt_install postgresql || die "PostgreSQL server (initdb) not found; install postgresql or set DATABASE_URL"
		bin=$(pg_bindir) || die "initdb still not found after installing postgresql"
	fi
	if is_root; then id postgres >/dev/null 2>&1 || die "running as root but there is no 'postgres' user to run initdb as"; fi

	make_tmp
	dir=$TMP/pg
	echo "$bin" >"$TMP/pg-bindir" # for stop
	mkdir "$dir"
	if is_root; then chown postgres: "$dir"; fi
	as_pg "$bin/initdb" -D "$dir/data" -U postgres --auth=trust --no-locale -E UTF8 --no-sync >"$TMP/initdb.log" 2>&1 ||
		{ cat "$TMP/initdb.log" >&2; die "initdb failed"; }
	port=$(free_port) || die "no free port for PostgreSQL"
	cat >>"$dir/data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
# Tests run in parallel, each with its own database and connection pools.
max_connections = 200
# Throwaway data: skip durability for speed.
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
	as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 60 start >/dev/null ||
		{ cat "$dir/log" >&2; die "PostgreSQL failed to start"; }
	DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres"
	PG_NOTE="started, v$("$bin/postgres" -V | awk '{print $3}') in $TMP"
}

ensure_redis() {
	# The queue's restart test runs a redis-server of its own, so the binary is
	# needed even when REDIS_URL points at a running server.
	if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
		apt_install redis-server || die "redis-server not found; install redis (the tests start their own too)"
	fi
	if [[ -n ${REDIS_URL:-} ]]; then
		if [[ $(timeout 5 redis-cli -u "$REDIS_URL" ping 2>/dev/null) == PONG ]]; then
			REDIS_NOTE=existing
			return
		fi
		say "REDIS_URL $(redact "$REDIS_URL") does not answer; starting a throwaway Redis"
	fi

	local dir port
	make_tmp
	dir=$TMP/redis
	mkdir "$dir"
	port=$(free_port) || die "no free port for Redis"
	redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --daemonize yes \
		--dir "$dir" --pidfile "$dir/redis.pid" --logfile "$dir/log" >/dev/null ||
		die "redis-server failed to start"
	for _ in {1..100}; do # --daemonize returns before it listens
		[[ $(redis-cli -p "$port" ping 2>/dev/null) == PONG ]] && break
		sleep 0.1
	done
	[[ $(redis-cli -p "$port" ping 2>/dev/null) == PONG ]] || { cat "$dir/log" >&2; die "Redis did not come up"; }
	REDIS_URL="redis://127.0.0.1:$port"
	REDIS_NOTE="started in $TMP"
}

# Stops whatever was started in DIR (only that), then removes DIR.
stop_dir() {
	local dir=$1 pidf pid
	[[ -n $dir && -d $dir ]] || return 0
	pidf=$dir/pg/data/postmaster.pid
	if [[ -f $pidf ]]; then
		as_pg "$(<"$dir/pg-bindir")/pg_ctl" -D "$dir/pg/data" -m immediate -w -t 30 stop >/dev/null 2>&1 ||
			kill -QUIT "$(head -n1 "$pidf")" 2>/dev/null || true
	fi
	pidf=$dir/redis/redis.pid
	if [[ -f $pidf ]]; then
		pid=$(<"$pidf")
		kill "$pid" 2>/dev/null || true
		for _ in {1..100}; do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
	fi
	rm -rf -- "$dir"
}

ensure_services() {
	ensure_postgres
	ensure_redis
	export DATABASE_URL REDIS_URL
	say "PostgreSQL $(redact "$DATABASE_URL") ($PG_NOTE); Redis $(redact "$REDIS_URL") ($REDIS_NOTE)"
}

usage() { die "usage: $0 run -- CMD [ARGS...] | start | stop [DIR]"; }

case ${1:-} in
run)
	shift
	[[ ${1:-} == -- ]] && shift
	(($#)) || usage
	trap 'stop_dir "$TMP"' EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	ensure_services
	status=0
	"$@" || status=$?
	exit "$status"
	;;
start)
	trap 'stop_dir "$TMP"' EXIT # only on failure; disarmed below
	ensure_services
	trap - EXIT
	printf 'export DATABASE_URL=%q REDIS_URL=%q MORNINGAI_TEST_SERVICES_DIR=%q\n' "$DATABASE_URL" "$REDIS_URL" "$TMP"
	;;
stop)
	dir=${2:-${MORNINGAI_TEST_SERVICES_DIR:-}}
	[[ -n $dir ]] || exit 0 # nothing was started
	[[ $(basename "$dir") == morningai-test.* ]] || die "refusing to remove $dir: not a test-services dir"
	stop_dir "$dir"
	;;
*) usage ;;
esac
