#!/usr/bin/env bash
# Installs what the test suite needs when it is missing. Idempotent; quiet when
# everything is present. Later issues add client libraries (kcat, python and
# node clients) here.
set -euo pipefail
if ! command -v go >/dev/null 2>&1; then
	echo "deps: Go is required (go 1.26+)" >&2
	exit 1
fi
go mod download
