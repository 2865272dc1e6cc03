#!/usr/bin/env bash
# The test command: sets up what the end-to-end tests drive for real, then
# runs them. On a fresh Debian machine with only Go and this repository:
#
#     ./test.sh            (as root; as another user it uses sudo)
#
# It installs the Debian packages the tests use (bash, zsh, tmux, sudo,
# cron, rsync, git, openssh-server and -client, xfsprogs, …) when missing,
# creates two test users, then runs `go test ./...` with any arguments you
# add (./test.sh -run Login -v). Running it twice changes nothing more.
#
# The users: guardtest (no login; its crontab may be deleted and restored
# by the crontab test) and guardssh (its login shell is
# /usr/local/lib/guard-test/guard-shell, which the sshd tests point at the
# binary they build; it has no password and only the tests' own key, on a
# loopback sshd the tests start and stop themselves).
set -euo pipefail
cd "$(dirname "$0")"
export HOME=${HOME:-/root} # go needs it for its module cache
export PATH=/usr/local/go/bin:$HOME/go/bin:/usr/local/sbin:/usr/sbin:/sbin:$PATH

as_root() {
	if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

# Programs the tests drive for real: command → Debian package.
declare -A pkg=(
	[bash]=bash [zsh]=zsh [tmux]=tmux [python3]=python3 [setpriv]=util-linux
	[setsid]=util-linux [git]=git [rsync]=rsync [crontab]=cron [sudo]=sudo
	[find]=findutils [mount]=mount [mkfs.xfs]=xfsprogs [dpkg-deb]=dpkg
	[scp]=openssh-client [ssh]=openssh-client [ssh-keygen]=openssh-client
	[sshd]=openssh-server [gzip]=gzip [useradd]=passwd
)
missing=()
for cmd in "${!pkg[@]}"; do
	command -v "$cmd" >/dev/null 2>&1 || missing+=("${pkg[$cmd]}")
done
if [ ${#missing[@]} -gt 0 ]; then
	export DEBIAN_FRONTEND=noninteractive
	as_root apt-get update -qq
	# The tests do not use a system sshd: they start their own, on a
	# loopback port, with their own keys, and stop it.
	as_root apt-get install -y -qq --no-install-recommends $(printf '%s\n' "${missing[@]}" | sort -u)
fi

id guardtest >/dev/null 2>&1 || as_root useradd --no-create-home --shell /usr/sbin/nologin guardtest
# guardssh's home is an ordinary one under /home, so that relative paths
# in the tests' commands are judged as a user's would be.
if ! id guardssh >/dev/null 2>&1; then
	as_root mkdir -p /usr/local/lib/guard-test
	as_root useradd --create-home --home-dir /home/guardssh --shell /usr/local/lib/guard-test/guard-shell guardssh
fi
if [ "$(getent passwd guardssh | cut -d: -f6)" != /home/guardssh ]; then
	as_root usermod --home /home/guardssh guardssh
fi
as_root mkdir -p /home/guardssh
as_root chown guardssh: /home/guardssh
# sshd refuses a locked account ("!" in shadow) even for a key: unlock it
# with an impossible password instead.
as_root usermod -p '*' guardssh

go version
go test "$@" ./...
