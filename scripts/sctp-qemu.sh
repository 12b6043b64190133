#!/usr/bin/env bash
# Runs the SCTP tests inside a Debian kernel under qemu: the kernel of the build machines has no SCTP
# (socket(..., IPPROTO_SCTP) gives errno 93), Debian's linux-image-amd64 has it as a module.
#
#   scripts/sctp-qemu.sh         build the tests, boot the VM, run the suites named "SCTP" (the peer layer's
#                                and "S6a over SCTP"), exit with their status
#
# What it does: apt-get download the kernel package that linux-image-amd64 depends on and unpack it;
# make an initramfs with busybox, the modules crc32c_generic, libcrc32c, udp_tunnel, ip6_udp_tunnel and
# sctp, the test binary and every shared library ldd lists for it (at the same paths); boot it with
# qemu-system-x86_64 under TCG (KVM is not available here); /init loads the modules, brings lo up, runs
# the tests and powers off. Timings inside TCG are meaningless; correctness is what it shows.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
WORK="$ROOT/.build-sctp-vm"
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"

need=()
for p in qemu-system-x86 busybox-static; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if [ "${#need[@]}" -gt 0 ]; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

swift build --build-tests >/dev/null
BIN="$ROOT/.build/debug/swift-ims-hssPackageTests.xctest"
[ -x "$BIN" ] || { echo "sctp-qemu: test binary not found at $BIN"; exit 1; }

mkdir -p "$WORK"
cd "$WORK"
KPKG="$(apt-cache depends linux-image-amd64 | sed -n 's/.*Depends: \(linux-image-[0-9].*-amd64\)$/\1/p' | head -1)"
[ -n "$KPKG" ] || { echo "sctp-qemu: cannot find the kernel package (apt-get update?)"; exit 1; }
if [ ! -d "kernel-$KPKG" ]; then
  rm -f ./*.deb
  apt-get download "$KPKG" >/dev/null
  dpkg -x ./"$KPKG"_*.deb "kernel-$KPKG"
fi
KDIR="$WORK/kernel-$KPKG"
VMLINUZ="$(ls "$KDIR"/boot/vmlinuz-* | head -1)"
KVER="$(basename "$VMLINUZ" | sed 's/^vmlinuz-//')"

rm -rf initramfs && mkdir -p initramfs/{bin,proc,sys,dev,tmp,modules}
cp /bin/busybox initramfs/bin/busybox
for m in crc32c_generic libcrc32c udp_tunnel ip6_udp_tunnel sctp; do
  f="$(find "$KDIR/lib/modules/$KVER" -name "$m.ko*" | head -1)"
  [ -n "$f" ] || { echo "sctp-qemu: module $m not found"; exit 1; }
  case "$f" in
    *.ko.xz) xz -dc "$f" > "initramfs/modules/$m.ko" ;;
    *.ko.zst) zstd -dqc "$f" > "initramfs/modules/$m.ko" ;;
    *) cp "$f" "initramfs/modules/$m.ko" ;;
  esac
done
# The test binary and its libraries, at the same paths.
mkdir -p "initramfs$(dirname "$BIN")"
cp "$BIN" "initramfs$BIN"
for lib in $(ldd "$BIN" | grep -o '/[^ ]*'); do
  mkdir -p "initramfs$(dirname "$lib")"
  cp -L "$lib" "initramfs$lib"
done
# The demo subscribers (the HSS-level SCTP suite serves them), at the same path.
mkdir -p "initramfs$ROOT/docs/examples"
cp "$ROOT/docs/examples/subscribers.json" "initramfs$ROOT/docs/examples/"
cat > initramfs/init <<INIT
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in crc32c_generic libcrc32c udp_tunnel ip6_udp_tunnel sctp; do insmod /modules/\$m.ko || echo "insmod \$m failed"; done
ip link set lo up
export HOME=/tmp TMPDIR=/tmp SWIFT_BACKTRACE=enable=no
$BIN --testing-library swift-testing --filter 'SCTP' 2>&1
echo "SCTP-TESTS-EXIT=\$?"
poweroff -f
INIT
chmod +x initramfs/init
(cd initramfs && find . | ./bin/busybox cpio -o -H newc 2>/dev/null | gzip -1 > ../initrd.gz)

echo "sctp-qemu: booting $KPKG under qemu (TCG)..."
timeout 600 qemu-system-x86_64 -accel tcg -cpu max -m 2048 -smp 2 -nographic -no-reboot \
  -kernel "$VMLINUZ" -initrd initrd.gz -append "console=ttyS0 panic=-1 rdinit=/init quiet" | tee vm.log \
  | grep -E "✔|✘|➜|Test run|SCTP-TESTS-EXIT|insmod|error" || true
grep -q "SCTP-TESTS-EXIT=0" vm.log && grep -qE "Test run with [0-9]+ tests? .*passed" vm.log
