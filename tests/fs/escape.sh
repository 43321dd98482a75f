#!/usr/bin/env bash
# tests/fs/escape.sh: a share (`bothy run -v HOST:/work`) gives the guest
# HOST and nothing else. The guest tries ".." chains, symlinks planted on
# the host that point outside (absolute and relative, to a file and to a
# directory), a symlink it makes to a host path, and renames and links
# out of the share, reading and writing. Each case passes when every read
# through an escape fails, nothing the guest printed or wrote holds the
# secret kept beside the share, the secret's atime shows it was never
# read, and the host tree outside the share is unchanged.
# Needs the KVM monitor (the -v share); run by tests/run.sh.
. "$(dirname "${BASH_SOURCE[0]}")/../lib/script.sh"

T=$OUT/fs/scripts/escape
LOG=$T.log   # what the guest printed
LAST=$T.last # the last command's stdout
OLD_ATIME=631152000 # 1990: older than the mtime, so any read moves it (relatime)

# setup: T/share is shared; T/secret and T/outside/secret2 are beside it;
# the host plants symlinks in the share that point at them.
setup() {
	rm -rf -- "$T"
	mkdir -p "$T/share/sub" "$T/outside"
	MARK="bothy-secret-$$-$RANDOM$RANDOM"
	printf '%s\n' "$MARK" >"$T/secret"
	printf '%s\n' "$MARK" >"$T/outside/secret2"
	for f in inside inside2 inside3 inside4; do
		printf '%s\n' "$f" >"$T/share/$f"
	done
	ln -s "$T/secret" "$T/share/abs"
	ln -s ../secret "$T/share/rel"
	ln -s sub/../../secret "$T/share/chain"
	ln -s ../outside "$T/share/outdir"
	ln -s "$T/outside" "$T/share/absdir"
	touch -d @946684800 "$T/secret" "$T/outside/secret2" "$T/outside"
	touch -a -d "@$OLD_ATIME" "$T/secret" "$T/outside/secret2"
	: >"$LOG"
	BEFORE=$(outside_state)
}

# outside_state: the host tree around the share, without reading a file.
outside_state() {
	(cd "$T" && find . -path ./share -prune -o -printf '%P %y %#m %s %T@ %l\n' | LC_ALL=C sort)
}

# guest ARGS...: busybox ARGS under bothy with the share at /work; its
# stdout and stderr go to LOG, and stdout also to LAST. Returns busybox's
# status.
guest() {
	local st=0
	echo "\$ busybox $*" >>"$LOG"
	timeout -k 5 60 "$BOTHY" run --vmm kvm -v "$T/share:/work" /bin/busybox "$@" \
		</dev/null >"$LAST" 2>>"$LOG" || st=$?
	cat -- "$LAST" >>"$LOG"
	return "$st"
}

# must_fail ARGS...: a read through an escape; the guest has no such file.
must_fail() {
	local st=0
	guest "$@" || st=$?
	((st != 0)) || echo "busybox $* succeeded"
	((st != 124)) || echo "busybox $* timed out"
}

# check_outside: the verdict of a case, one line per problem.
check_outside() {
	local after f
	for f in secret outside/secret2; do
		[[ $(stat -c %X "$T/$f" 2>/dev/null) == "$OLD_ATIME" ]] ||
			echo "$f beside the share was read or removed (its atime changed)"
	done
	after=$(outside_state)
	if [[ $after != "$BEFORE" ]]; then
		echo "the host tree outside the share changed:"
		diff <(echo "$BEFORE") <(echo "$after") | head -n 8 | sed 's/^/  /' || true
	fi
	[[ $(cat "$T/secret" "$T/outside/secret2" 2>/dev/null) == "$MARK"$'\n'"$MARK" ]] ||
		echo "a secret's contents changed"
	! grep -q -- "$MARK" "$LOG" || echo "the guest printed the secret"
	! grep -rlq -- "$MARK" "$T/share" ||
		echo "the share has a file with the secret: $(grep -rl -- "$MARK" "$T/share" | head -n 1)"
	return 0
}

dotdot() {
	setup
	must_fail cat /work/../secret
	must_fail cat /work/sub/../../secret
	must_fail cat /work/./../secret
	must_fail cat /work/../../../../../secret
	must_fail cat /work/sub/../../outside/secret2
	must_fail ls /work/../outside
	guest cp /work/../secret /work/copied || true
	guest touch /work/../escaped || true
	guest mkdir /work/../escaped-dir || true
	guest ls -a /work/.. || true
	if grep -qxE 'secret|outside|share' "$LAST"; then
		echo "ls /work/.. lists the host directory around the share"
	fi
	check_outside
}

host_symlinks() {
	setup
	must_fail cat /work/abs
	must_fail cat /work/rel
	must_fail cat /work/chain
	must_fail cat /work/outdir/secret2
	must_fail cat /work/absdir/secret2
	must_fail ls /work/outdir/
	must_fail ls /work/absdir/
	guest cp /work/rel /work/copied-rel || true
	guest cp /work/absdir/secret2 /work/copied2 || true
	guest tee /work/rel || true
	guest truncate -s 0 /work/abs || true
	guest dd if=/dev/zero of=/work/chain bs=1 count=1 conv=notrunc || true
	guest chmod 0777 /work/rel || true
	guest touch /work/outdir/new /work/absdir/new || true
	guest mkdir /work/absdir/newdir || true
	guest rm /work/outdir/secret2 || true
	guest ln -s x /work/outdir/l || true
	check_outside
}

guest_symlink() {
	setup
	guest ln -s "$T/secret" /work/mine || true
	guest ln -s "$T/outside" /work/minedir || true
	must_fail cat /work/mine
	must_fail cat /work/minedir/secret2
	guest cp /work/inside /work/minedir/ || true
	check_outside
}

renames() {
	local tmp=/tmp/bothy-escape-$$
	setup
	guest mv /work/inside /work/../moved || true
	guest mv /work/sub /work/../moved-dir || true
	guest ln /work/inside2 /work/../hardlink || true
	guest mv /work/inside3 "$tmp" || true
	guest mv /work/inside4 /work/outdir/ || true
	guest ln /work/inside4 /work/absdir/hardlink || true
	[[ ! -e $tmp ]] || echo "a rename out of the share reached the host's $tmp"
	rm -rf -- "$tmp"
	check_outside
}

fs_script_case escape_dotdot dotdot
fs_script_case escape_host_symlinks host_symlinks
fs_script_case escape_guest_symlink guest_symlink
fs_script_case escape_rename renames
