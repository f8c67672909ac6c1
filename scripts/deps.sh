#!/usr/bin/env bash
# Installs what the test suite needs when it is missing. Idempotent; quiet
# when everything is present; runs `apt-get update` only when something must
# be installed. Works as root on a fresh Debian machine (CI: `bash .ci/run`,
# no TTY) or with sudo.
#
# Beyond Go modules, the compatibility suite (test/compat, make test-compat)
# needs the real clients: kcat (librdkafka), python3-confluent-kafka and
# python3-kafka for the system python3 (with python3-snappy, python3-lz4 and
# python3-zstandard, kafka-python's codec libraries), node and npm, and
# kafkajs installed by `npm ci` in test/compat/js from the committed
# package-lock.json. Anything that cannot be installed fails this script, so
# `make test` fails rather than skipping a client.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v go >/dev/null 2>&1; then
	echo "deps: Go is required (go 1.26+)" >&2
	exit 1
fi
go mod download

# The Debian client packages install into the system interpreter, which a
# pyenv or venv python3 earlier in PATH does not see.
PY=${COMPAT_PYTHON:-/usr/bin/python3}

missing=()
command -v kcat >/dev/null 2>&1 || missing+=(kcat)
if [ ! -x "$PY" ]; then
	missing+=(python3 python3-confluent-kafka python3-kafka python3-snappy python3-lz4 python3-zstandard)
else
	# module:package pairs
	for pair in confluent_kafka:python3-confluent-kafka kafka:python3-kafka snappy:python3-snappy lz4.frame:python3-lz4 zstandard:python3-zstandard; do
		"$PY" -c "import ${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
	done
fi
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)

if [ ${#missing[@]} -gt 0 ]; then
	if ! command -v apt-get >/dev/null 2>&1; then
		echo "deps: missing ${missing[*]} and no apt-get to install them; install them by hand" >&2
		exit 1
	fi
	sudo=()
	if [ "$(id -u)" -ne 0 ]; then
		if ! command -v sudo >/dev/null 2>&1; then
			echo "deps: missing ${missing[*]}; run as root (or with sudo) to install them" >&2
			exit 1
		fi
		sudo=(sudo)
	fi
	echo "deps: installing ${missing[*]}"
	log=$(mktemp)
	if ! { "${sudo[@]}" apt-get update -qq &&
		"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
		cat "$log" >&2
		rm -f "$log"
		echo "deps: could not install ${missing[*]}" >&2
		exit 1
	fi
	rm -f "$log"
fi

# kafkajs: `npm ci` from the lock file, again only when the installed tree
# does not match it (npm ci always reinstalls from scratch).
js=test/compat/js
stamp=$js/node_modules/.samsa-lock-stamp
if ! cmp -s "$js/package-lock.json" "$stamp" 2>/dev/null; then
	if ! (cd "$js" && npm ci --no-audit --no-fund --loglevel=error >/dev/null); then
		echo "deps: npm ci in $js failed" >&2
		exit 1
	fi
	cp "$js/package-lock.json" "$stamp"
fi
