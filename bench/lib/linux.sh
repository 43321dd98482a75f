# Shared by the benchmarks that boot a Linux VM for comparison (sourced).

# debian_kernel - unpack Debian's current kernel package (not installed:
# apt-get download + dpkg-deb -x) into build/bench/linux and print its
# vmlinuz; prints nothing if it cannot.
debian_kernel()
{
	local pkg d=build/bench/linux
	if ! compgen -G "$d/boot/vmlinuz-*" >/dev/null; then
		pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
			sed -n 's/^ *Depends: \(linux-image-[0-9].*\)$/\1/p' | head -n 1)
		[[ -n $pkg ]] || return 0
		mkdir -p "$d"
		(cd "$d" && apt-get download -q "$pkg" >/dev/null 2>&1 &&
			dpkg-deb -x ./*.deb . && rm -f ./*.deb) || return 0
	fi
	compgen -G "$d/boot/vmlinuz-*" | sort -V | tail -n 1
}

# linux_kernel - print the Linux kernel image to boot, if there is one:
# LINUX_KERNEL, else the newest /boot/vmlinuz-*, else Debian's package.
linux_kernel()
{
	if [[ -n ${LINUX_KERNEL:-} ]]; then
		echo "$LINUX_KERNEL"
	elif compgen -G '/boot/vmlinuz-*' >/dev/null; then
		compgen -G '/boot/vmlinuz-*' | sort -V | tail -n 1
	else
		debian_kernel
	fi
}

# linux_moddir KERNEL - print the lib/modules/VERSION directory that goes
# with KERNEL (named vmlinuz-VERSION): LINUX_MODULES, else beside it, else
# the machine's.
linux_moddir()
{
	local ver=${1##*/vmlinuz-} top=${1%/boot/vmlinuz-*}
	if [[ -n ${LINUX_MODULES:-} ]]; then
		echo "$LINUX_MODULES"
	elif [[ $1 == */boot/vmlinuz-* && -d $top/lib/modules/$ver ]]; then
		echo "$top/lib/modules/$ver"
	elif [[ -d /lib/modules/$ver ]]; then
		echo "/lib/modules/$ver"
	fi
}

# module_add MODDIR DEST NAME - put module NAME, uncompressed, into DEST
# after its dependencies (the depends= of its .modinfo) and append it to
# LINUX_MODS; nothing for a module built into the kernel. Prints why and
# returns 1 when it is missing.
module_add()
{
	local dir=$1 dest=$2 name=${3//-/_} m f dep
	for m in "${LINUX_MODS[@]}"; do
		[[ $m != "$name" ]] || return 0
	done
	if [[ -f $dir/modules.builtin ]] &&
		sed 's|.*/||; s|\.ko.*||; s|-|_|g' "$dir/modules.builtin" | grep -qx "$name"; then
		return 0
	fi
	f=$(find "$dir" \( -name "$name.ko*" -o -name "${name//_/-}.ko*" \) -print -quit)
	case $f in
	'') echo "module $name is not in $dir" && return 1 ;;
	*.ko) cp "$f" "$dest/$name.ko" ;;
	*.ko.xz) xz -dc "$f" >"$dest/$name.ko" ;;
	*.ko.zst) zstd -qdc "$f" >"$dest/$name.ko" ;;
	*.ko.gz) gzip -dc "$f" >"$dest/$name.ko" ;;
	*) echo "cannot unpack $f" && return 1 ;;
	esac
	for dep in $(readelf -p .modinfo "$dest/$name.ko" | sed -n 's/^ *\[ *[0-9a-f]*\] *depends=//p' | tr , ' '); do
		module_add "$dir" "$dest" "$dep" || return 1
	done
	LINUX_MODS+=("$name")
}

# linux_init_head SCRIPT - the start of a benchmark VM's /init (busybox
# sh): /dev, the console, /proc, and the modules of LINUX_MODS loaded in
# order; "@fail WHY" and power off on failure. SCRIPT names the maker.
linux_init_head()
{
	cat <<EOF
#!/bin/busybox sh
# Made by $1. Lines starting with @ are read by the host.
/bin/busybox mount -t devtmpfs dev /dev 2>/dev/null
exec </dev/console >/dev/console 2>&1
echo @init
export PATH=/bin
/bin/busybox --install -s /bin
mount -t proc proc /proc
fail() { echo "@fail \$*"; exec poweroff -f; }
for m in ${LINUX_MODS[*]}; do insmod /lib/modules/\$m.ko || fail "insmod \$m.ko"; done
EOF
}

# linux_prepare - QEMU, Linux's kernel and modules, and the initramfs of the
# calling script (its linux_initramfs MODDIR): sets LINUX_K to the kernel
# and returns 0, or sets LINUX_WHY to why not and returns 1.
linux_prepare()
{
	local moddir
	LINUX_K=$(linux_kernel || true)
	LINUX_WHY=
	if [[ -z $QEMU ]]; then
		LINUX_WHY="qemu-system-x86_64 is not installed"
	elif [[ -z $LINUX_K || ! -r $LINUX_K ]]; then
		LINUX_WHY="no kernel: none in /boot, Debian's linux-image package could not be fetched (set LINUX_KERNEL=/path/to/bzImage)"
	elif ! command -v cpio >/dev/null; then
		LINUX_WHY="cpio is not installed"
	elif ! moddir=$(linux_moddir "$LINUX_K") || [[ -z $moddir ]]; then
		LINUX_WHY="no modules for $(basename "$LINUX_K") (set LINUX_MODULES=/lib/modules/VERSION)"
	elif ! linux_initramfs "$moddir" >"$B/initramfs.err" 2>&1; then
		LINUX_WHY="initramfs: $(head -n 1 "$B/initramfs.err")"
	fi
	[[ -z $LINUX_WHY ]]
}

# linux_run CMD... - run the QEMU command line CMD (at most LINUX_TIMEOUT
# seconds) with every line it prints prefixed by the host's time
# ($EPOCHREALTIME) into $B/linux.log, its stderr in $B/linux.err; then
# LINUX_WHY says what went wrong (timeout, "@fail" from the guest, no
# "@done"), empty if nothing did.
linux_run()
{
	local status
	{
		status=0
		timeout "$LINUX_TIMEOUT" "$@" </dev/null 2>"$B/linux.err" || status=$?
		echo "@qemu-exit $status"
	} | while IFS= read -r line; do
		printf '%s %s\n' "$EPOCHREALTIME" "${line%$'\r'}"
	done >"$B/linux.log"
	status=$(sed -n 's/^[0-9.]* @qemu-exit //p' "$B/linux.log")
	LINUX_WHY=
	if [[ $status -eq 124 ]]; then
		LINUX_WHY="timed out after ${LINUX_TIMEOUT}s (see $B/linux.log)"
	elif grep -q '^[0-9.]* @fail' "$B/linux.log"; then
		LINUX_WHY="guest: $(sed -n 's/^[0-9.]* @fail //p' "$B/linux.log" | head -n 1)"
	elif ! grep -q '^[0-9.]* @done' "$B/linux.log"; then
		LINUX_WHY="QEMU exited ($status) before the end: $(head -n 1 "$B/linux.err") (see $B/linux.log)"
	fi
}
