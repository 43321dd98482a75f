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
