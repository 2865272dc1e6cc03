#!/bin/sh
# install.sh: install guard, and wire it in only where asked.
#
#   ./install.sh [options]
#
#   --prefix DIR     install into DIR/bin (default /usr/local; ~/.local when not root)
#   --destdir DIR    stage everything under DIR (for packaging; nothing is activated)
#   --binary FILE    install this prebuilt guard (a release tarball's) instead of building
#   --bash-hook      for every user: add the hook to /etc/bash.bashrc
#   --zsh-hook       for every user: add the hook to /etc/zsh/zshrc
#   --login-shell    add guard-shell to /etc/shells (then: usermod -s PREFIX/bin/guard-shell USER)
#   --config         write a commented /etc/guard/guard.toml if there is none
#   --dry-run        print what would be done, change nothing
#   --uninstall      remove all of the above that install.sh added (a config file is kept);
#                    refused while guard-shell is a user's login shell (that would lock
#                    them out), unless --restore-shells sets those users back to /bin/bash
#   --deb DIR        build a Debian package into DIR instead (/usr/bin/guard, guard-shell,
#                    /etc/guard/guard.toml as a conffile, man page, completions)
#
# It checks everything first, then acts, so it never stops half-way; run
# twice, it leaves the same result.
set -eu

prefix="" destdir="" binary="" bash_hook=false zsh_hook=false login_shell=false
config=false dry_run=false uninstall=false deb="" restore_shells=false
while [ $# -gt 0 ]; do
	case "$1" in
	--prefix | --destdir | --binary | --deb)
		[ $# -ge 2 ] || { echo "install.sh: $1 needs a value" >&2; exit 2; }
		case "$1" in --prefix) prefix=$2 ;; --destdir) destdir=$2 ;; --binary) binary=$2 ;; --deb) deb=$2 ;; esac
		shift 2 ;;
	--prefix=*) prefix=${1#*=}; shift ;;
	--destdir=*) destdir=${1#*=}; shift ;;
	--binary=*) binary=${1#*=}; shift ;;
	--bash-hook) bash_hook=true; shift ;;
	--zsh-hook) zsh_hook=true; shift ;;
	--login-shell) login_shell=true; shift ;;
	--config) config=true; shift ;;
	--dry-run) dry_run=true; shift ;;
	--uninstall) uninstall=true; shift ;;
	--restore-shells) restore_shells=true; shift ;;
	-h | --help) sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "install.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
	esac
done
src=$(cd "$(dirname "$0")" && pwd)

# --deb: stage a root, describe it, and let dpkg-deb pack it. Nothing on
# this machine is changed; /etc/shells is edited by the package's scripts.
if [ -n "$deb" ]; then
	command -v dpkg-deb >/dev/null || { echo "install.sh: dpkg-deb is needed for --deb" >&2; exit 1; }
	stage=$(mktemp -d)
	trap 'rm -rf "$stage"' EXIT
	root=$stage/root
	set -- --destdir "$root" --prefix /usr --config
	[ -n "$binary" ] && set -- "$@" --binary "$binary"
	"$0" "$@" >/dev/null
	ln -s guard "$root/usr/bin/guard-shell"
	guard="$root/usr/bin/guard"
	mkdir -p "$root/usr/share/man/man1" "$root/usr/share/bash-completion/completions" \
		"$root/usr/share/zsh/vendor-completions" "$root/usr/share/doc/guard" "$root/DEBIAN"
	"$guard" man | gzip -9n >"$root/usr/share/man/man1/guard.1.gz"
	"$guard" completion bash >"$root/usr/share/bash-completion/completions/guard"
	"$guard" completion zsh >"$root/usr/share/zsh/vendor-completions/_guard"
	cp "$src/README.md" "$root/usr/share/doc/guard/README.md"
	version=$("$guard" version | awk '{print $2}')
	case "$version" in v0.0.0-* | "(devel)" | "") version="0.1.0~$(date -u +%Y%m%d)" ;; esac
	version=${version#v}
	arch=$(dpkg --print-architecture)
	cat >"$root/DEBIAN/control" <<CONTROL
Package: guard
Version: $version
Architecture: $arch
Maintainer: guard maintainers <guard@localhost>
Section: admin
Priority: optional
Description: safety guard for the shell on production hosts
 guard reads each shell line before it runs and answers allow, warn,
 confirm or block, with the reason and the safer alternative; confirms come
 with a snapshot of what the command would destroy.
CONTROL
	echo /etc/guard/guard.toml >"$root/DEBIAN/conffiles"
	printf '#!/bin/sh
set -e
if [ "$1" = configure ] && command -v add-shell >/dev/null; then add-shell /usr/bin/guard-shell; fi
' >"$root/DEBIAN/postinst"
	printf '#!/bin/sh
set -e
if [ "$1" = remove ] || [ "$1" = purge ]; then command -v remove-shell >/dev/null && remove-shell /usr/bin/guard-shell || true; fi
' >"$root/DEBIAN/postrm"
	# prerm refuses to remove guard while it is someone's login shell: sshd
	# would then refuse them ("shell does not exist"), a lock-out.
	printf '#!/bin/sh
set -e
case "$1" in remove | deconfigure)
	users=$(getent passwd | awk -F: '"'"'$7 == "/usr/bin/guard-shell" || $7 == "/usr/bin/guard" { print $1 }'"'"')
	if [ -n "$users" ]; then
		echo "guard: not removed: it is the login shell of: $(echo $users)" >&2
		echo "guard: removing it would lock them out (sshd refuses a user whose shell does not exist). First run:" >&2
		for u in $users; do echo "    usermod -s /bin/bash $u" >&2; done
		exit 1
	fi ;;
esac
' >"$root/DEBIAN/prerm"
	chmod 0755 "$root/DEBIAN/postinst" "$root/DEBIAN/postrm" "$root/DEBIAN/prerm"
	mkdir -p "$deb"
	out="$deb/guard_${version}_${arch}.deb"
	dpkg-deb --root-owner-group -Zxz --build "$root" "$out" >/dev/null
	echo "$out"
	exit 0
fi

if [ -z "$prefix" ]; then
	if [ "$(id -u)" = 0 ] || [ -n "$destdir" ]; then prefix=/usr/local; else prefix=$HOME/.local; fi
fi
bindir=$destdir$prefix/bin
guard_path=$prefix/bin/guard # as seen on the installed system
mark_begin="# >>> guard: judge each line before it runs (install.sh) >>>"
mark_end="# <<< guard <<<"

run() {
	if $dry_run; then echo "would run: $*"; else "$@"; fi
}
say() { $dry_run || echo "$@"; }

# remove_block FILE: drop guard's marked block, leaving the rest as it was.
remove_block() {
	[ -f "$1" ] && grep -qF "$mark_begin" "$1" || return 0
	if $dry_run; then echo "would remove guard's block from $1"; return 0; fi
	tmp=$1.guard-tmp
	awk -v b="$mark_begin" -v e="$mark_end" '$0==b{skip=1;next} skip&&$0==e{skip=0;next} !skip' "$1" >"$tmp"
	cat "$tmp" >"$1" && rm -f "$tmp"
	echo "removed guard's block from $1"
}

# add_block FILE SHELL: append the hook block once.
add_block() {
	if [ -f "$1" ] && grep -qF "$mark_begin" "$1"; then
		say "$1 already has guard's hook"
		return 0
	fi
	if $dry_run; then echo "would add guard's $2 hook to $1"; return 0; fi
	mkdir -p "$(dirname "$1")"
	printf '%s\n[ -x %s ] && eval "$(%s init %s)"\n%s\n' "$mark_begin" "$guard_path" "$guard_path" "$2" "$mark_end" >>"$1"
	echo "added guard's $2 hook to $1"
}

# login_users: the users whose login shell is this guard (the passwd of
# --destdir when given, else every account NSS knows: getent covers LDAP).
login_users() {
	if [ -n "$destdir" ]; then cat "$destdir/etc/passwd" 2>/dev/null || true
	elif command -v getent >/dev/null; then getent passwd || true
	else cat /etc/passwd; fi |
		awk -F: -v a="$prefix/bin/guard-shell" -v b="$prefix/bin/guard" '$7 == a || $7 == b { print $1 }'
}

if $uninstall; then
	users=$(login_users)
	if [ -n "$users" ]; then
		if $restore_shells; then
			for u in $users; do
				if [ -n "$destdir" ]; then run usermod --prefix "$destdir" -s /bin/bash "$u"; else run usermod -s /bin/bash "$u"; fi
				say "set $u's login shell back to /bin/bash"
			done
		else
			echo "install.sh: not uninstalled: $prefix/bin/guard-shell is the login shell of: $(echo $users)" >&2
			echo "install.sh: removing it would lock them out (sshd refuses a user whose shell does not exist). First run:" >&2
			for u in $users; do echo "    usermod -s /bin/bash $u" >&2; done
			echo "install.sh: or let install.sh do it: ./install.sh --uninstall --restore-shells" >&2
			exit 1
		fi
	fi
	for f in "$bindir/guard" "$bindir/guard-shell"; do
		if [ -e "$f" ] || [ -L "$f" ]; then run rm -f "$f"; fi
	done
	remove_block "$destdir/etc/bash.bashrc"
	remove_block "$destdir/etc/zsh/zshrc"
	shells=$destdir/etc/shells
	if [ -f "$shells" ] && grep -qxF "$prefix/bin/guard-shell" "$shells"; then
		if $dry_run; then echo "would remove $prefix/bin/guard-shell from $shells"; else
			grep -vxF "$prefix/bin/guard-shell" "$shells" >"$shells.guard-tmp" || true
			cat "$shells.guard-tmp" >"$shells" && rm -f "$shells.guard-tmp"
			echo "removed $prefix/bin/guard-shell from $shells (change the login shell of users who had it: usermod -s /bin/bash USER)"
		fi
	fi
	[ -f "$destdir/etc/guard/guard.toml" ] && say "kept $destdir/etc/guard/guard.toml (your configuration)"
	exit 0
fi

# Checks first.
if [ -n "$binary" ]; then
	[ -x "$binary" ] || { echo "install.sh: $binary is not an executable" >&2; exit 1; }
else
	command -v go >/dev/null 2>&1 || [ -x /usr/local/go/bin/go ] || {
		echo "install.sh: Go is needed to build guard (apt-get install golang-go, or /usr/local/go), or give --binary" >&2
		exit 1
	}
	[ -f "$src/go.mod" ] || { echo "install.sh: run it from guard's source folder, or give --binary" >&2; exit 1; }
fi
for target in "$bindir" "$destdir/etc"; do
	case "$target" in "$destdir/etc") $bash_hook || $zsh_hook || $login_shell || $config || continue ;; esac
	probe=$target
	while [ ! -d "$probe" ]; do probe=$(dirname "$probe"); done
	[ -w "$probe" ] || { echo "install.sh: cannot write under $target (try sudo, or --prefix ~/.local)" >&2; exit 1; }
done

# Then act. The binary is built or copied next to its place, then renamed.
run mkdir -p "$bindir"
tmp=$bindir/.guard.$$
if [ -n "$binary" ]; then
	run cp "$binary" "$tmp"
else
	go=$(command -v go 2>/dev/null || echo /usr/local/go/bin/go)
	run env CGO_ENABLED=0 "$go" build -C "$src" -trimpath -o "$tmp" ./cmd/guard
fi
run chmod 0755 "$tmp"
run mv -f "$tmp" "$bindir/guard"
say "installed $bindir/guard"

if $login_shell; then
	if [ ! -L "$bindir/guard-shell" ]; then run ln -sf guard "$bindir/guard-shell"; fi
	shells=$destdir/etc/shells
	if [ -f "$shells" ] && grep -qxF "$prefix/bin/guard-shell" "$shells"; then
		say "$shells already lists $prefix/bin/guard-shell"
	elif $dry_run; then
		echo "would add $prefix/bin/guard-shell to $shells"
	else
		mkdir -p "$(dirname "$shells")"
		echo "$prefix/bin/guard-shell" >>"$shells"
		echo "added $prefix/bin/guard-shell to $shells; make it a user's login shell with: usermod -s $prefix/bin/guard-shell USER"
	fi
fi
$bash_hook && add_block "$destdir/etc/bash.bashrc" bash
$zsh_hook && add_block "$destdir/etc/zsh/zshrc" zsh
if $config; then
	conf=$destdir/etc/guard/guard.toml
	if [ -e "$conf" ]; then
		say "kept the existing $conf"
	elif $dry_run; then
		echo "would write a commented $conf"
	else
		mkdir -p "$(dirname "$conf")"
		cp "$src/testdata/guard.toml.example" "$conf" 2>/dev/null || printf '# guard site policy: see guard explain and README\n' >"$conf"
		echo "wrote $conf"
	fi
fi
exit 0
