#!/bin/sh
# install.sh: build guard as a static binary and install it.
#
#   ./install.sh [--prefix DIR] [--dry-run] [--uninstall]
#
# --prefix DIR   install into DIR/bin (default /usr/local, or ~/.local when
#                not root)
# --dry-run      print what would be done, change nothing
# --uninstall    remove what install.sh installed
#
# It checks everything first, then acts, so it never stops half-way; running
# it twice leaves the same result.
set -eu

prefix=""
dry_run=false
uninstall=false
while [ $# -gt 0 ]; do
	case "$1" in
	--prefix) [ $# -ge 2 ] || { echo "install.sh: --prefix needs a folder" >&2; exit 2; }; prefix=$2; shift 2 ;;
	--prefix=*) prefix=${1#--prefix=}; shift ;;
	--dry-run) dry_run=true; shift ;;
	--uninstall) uninstall=true; shift ;;
	-h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "install.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
	esac
done
if [ -z "$prefix" ]; then
	if [ "$(id -u)" = 0 ]; then prefix=/usr/local; else prefix=$HOME/.local; fi
fi
bindir=$prefix/bin
src=$(cd "$(dirname "$0")" && pwd)

run() {
	if $dry_run; then echo "would run: $*"; else "$@"; fi
}

if $uninstall; then
	for f in "$bindir/guard" "$bindir/guard-shell"; do
		if [ -e "$f" ] || [ -L "$f" ]; then run rm -f "$f"; fi
	done
	exit 0
fi

# Checks first.
command -v go >/dev/null 2>&1 || [ -x /usr/local/go/bin/go ] || {
	echo "install.sh: Go is needed to build guard (apt-get install golang-go, or /usr/local/go)" >&2
	exit 1
}
go=$(command -v go 2>/dev/null || echo /usr/local/go/bin/go)
[ -f "$src/go.mod" ] || { echo "install.sh: run it from guard's source folder" >&2; exit 1; }
if ! $dry_run; then
	mkdir -p "$bindir" 2>/dev/null || { echo "install.sh: cannot create $bindir" >&2; exit 1; }
	[ -w "$bindir" ] || { echo "install.sh: $bindir is not writable (try sudo, or --prefix ~/.local)" >&2; exit 1; }
fi

# Then act: build into a temporary file and move it in place atomically.
tmp=$bindir/.guard.$$
run env CGO_ENABLED=0 "$go" build -C "$src" -trimpath -o "$tmp" ./cmd/guard
run mv -f "$tmp" "$bindir/guard"
$dry_run || echo "installed $bindir/guard ($("$bindir/guard" version))"
