#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build a kernel with this project integrated in-tree, plus the reference C
# module, for one series and one config variant.
#
#   scripts/kernel.sh [fetch|tree|config|build|ref|all]
#
# Environment: KERNEL (7.3 or 6.12), VARIANT (m, y, fi or debug).
#
# Layout under $CACHE/kernels/$KERNEL:
#   dl/             the linux-source .deb
#   VERSION         the Debian package version in use
#   src/            git tree: commit tagged "vanilla", then our patch series
#   build-$VARIANT/ O= build directory, with modinst/ (modules_install) and
#                   ref/ (the reference C module, built out of tree)

. "$(dirname "$0")/common.sh"

VARIANT=${VARIANT:-m}
KDIR=$CACHE/kernels/$KERNEL
SRC=$KDIR/src
OUT=$KDIR/build-$VARIANT
LOG=$CACHE/log
JOBS=${JOBS:-$(($(nproc) + 1))}
mkdir -p "$KDIR" "$LOG"

# One build of a series at a time: concurrent runs (several shells, agents or
# CI) share the tree and would corrupt it. Guest runs take the lock shared.
exec 9>"$KDIR/.lock"
flock -n 9 || {
	note "waiting for another build of $KERNEL to finish"
	flock 9
}

case $KERNEL in
7.3 | 6.12) ;;
*) die "KERNEL=$KERNEL is not supported: use 7.3 (default) or 6.12" ;;
esac
case $VARIANT in
m | y | fi | debug) ;;
*) die "VARIANT=$VARIANT is not supported: use m, y, fi or debug" ;;
esac

kmake() {
	in_root make -C "$(root_path "$SRC")" O="$(root_path "$OUT")" LLVM=-19 "$@"
}

# Download and unpack the newest linux-source-$KERNEL the mirror has.
fetch() {
	[ -e "$SRC/.git/vanilla-done" ] && return 0
	note "fetching linux-source-$KERNEL"
	rm -rf "$KDIR/dl" "$SRC"
	mkdir -p "$KDIR/dl"
	in_root sh -ec "cd $(root_path "$KDIR/dl") && apt-get update -q >/dev/null &&
		apt-get download -q linux-source-$KERNEL" >"$LOG/fetch-$KERNEL.log" 2>&1 ||
		die "no linux-source-$KERNEL package could be downloaded, see $LOG/fetch-$KERNEL.log"
	deb=$(ls "$KDIR"/dl/linux-source-"$KERNEL"_*.deb)
	ver=$(dpkg-deb -f "$deb" Version)
	case $ver in
	"$KERNEL".*) ;;
	*) die "linux-source-$KERNEL has version $ver, not a $KERNEL.y release" ;;
	esac
	note "unpacking linux-source-$KERNEL $ver"
	dpkg-deb --fsys-tarfile "$deb" |
		tar -xO --wildcards './usr/src/linux-source-*.tar.xz' |
		tar -xJ -C "$KDIR/dl"
	mv "$KDIR"/dl/linux-source-"$KERNEL" "$SRC"
	rm -f "$deb"
	echo "$ver" >"$KDIR/VERSION"
	note "recording the vanilla tree in git (about a minute)"
	git -C "$SRC" init -q -b upstream
	git -C "$SRC" -c core.autocrlf=false add -A -f
	GIT_AUTHOR_DATE=2000-01-01T00:00:00Z GIT_COMMITTER_DATE=2000-01-01T00:00:00Z git -C "$SRC" \
		-c user.name=vanilla -c user.email=vanilla@invalid \
		commit -q -m "Linux $ver (Debian linux-source-$KERNEL)"
	git -C "$SRC" tag vanilla
	touch "$SRC/.git/vanilla-done"
}

# Apply exactly the patch series `make patches` ships onto the vanilla tree.
tree() {
	fetch
	local series=$KDIR/series
	"$TOP/scripts/patches.sh" "$series" >/dev/null
	local want have
	want=$(find "$series" -name '*.patch' | sort | xargs -r cat | sha256sum | cut -d' ' -f1)
	have=$(cat "$SRC/.git/applied-series" 2>/dev/null || true)
	[ "$want" = "$have" ] && return 0
	note "applying the patch series ($(find "$series" -name '*.patch' | wc -l) patches) to $KERNEL"
	git -C "$SRC" am --abort >/dev/null 2>&1 || true
	git -C "$SRC" reset -q --hard
	git -C "$SRC" checkout -q -f -B series refs/tags/vanilla
	git -C "$SRC" clean -q -fdx
	if ls "$series"/*.patch >/dev/null 2>&1; then
		git -C "$SRC" -c user.name=build -c user.email=build@invalid \
			am -q --committer-date-is-author-date "$series"/*.patch ||
			die "the patch series does not apply to linux $(cat "$KDIR/VERSION")"
	fi
	echo "$want" >"$SRC/.git/applied-series"
}

fragments() {
	local d=$TOP/selftests/configs
	echo "$d/base.config"
	echo "$d/${1:-$VARIANT}.config"
}

# config_hash [VARIANT]: identifies the config fragments of VARIANT (default:
# this one), as recorded in a build directory's .config-hash.
config_hash() {
	cat $(fragments "$@") | sha256sum | cut -d' ' -f1
}

# Every line of the fragments must hold in the final .config; Kconfig drops
# options with unmet dependencies silently, so we check and say which.
verify_config() {
	local bad=0 line sym want got
	while IFS= read -r line; do
		case $line in
		CONFIG_*=*)
			sym=${line%%=*}
			want=$line
			;;
		"# CONFIG_"*" is not set")
			sym=${line#\# }
			sym=${sym%% *}
			want=$line
			;;
		*) continue ;;
		esac
		got=$(grep -E "^($sym=|# $sym is not set)" "$OUT/.config" || echo "# $sym is not set")
		[ "$got" = "$want" ] && continue
		bad=1
		printf 'error: %s: wanted "%s", got "%s"\n' "$sym" "$want" "$got" >&2
		grep -rh -A12 --include='Kconfig*' "^config ${sym#CONFIG_}\$" "$SRC" 2>/dev/null |
			grep -E '^\s*(depends on|select)' | sed 's/^\s*/       Kconfig: /' >&2 || true
	done < <(cat $(fragments))
	[ $bad = 0 ] || die "the $VARIANT config for $KERNEL lost options (above)"
}

# A variant whose config differs from a built one in a few symbols (m and y
# differ only in CONFIG_BPF_PRELOAD, fi adds CONFIG_FAIL_BPF_PRELOAD to m)
# starts from a copy of that build: Kbuild tracks which objects depend on
# which CONFIG symbol, so the build that follows recompiles only those,
# minutes instead of a cold build. So does one built before from fragments
# that have changed since (an option added to base.config would otherwise
# rebuild it from scratch), provided the source build has the current ones.
seed() {
	local from v
	case $VARIANT in
	m) v=y ;;
	y | fi | bench) v=m ;;
	*) return 0 ;;
	esac
	from=$KDIR/build-$v
	[ -e "$from/arch/x86/boot/bzImage" ] || return 0
	if [ -e "$OUT/.config" ]; then
		[ "$(cat "$OUT/.config-hash" 2>/dev/null)" != "$(config_hash)" ] || return 0
		[ "$(cat "$from/.config-hash" 2>/dev/null)" = "$(config_hash $v)" ] || return 0
	fi
	note "starting $KERNEL ($VARIANT) from a copy of $(basename "$from")"
	rm -rf "$OUT.tmp"
	cp -a "$from" "$OUT.tmp"
	rm -rf "$OUT.tmp/modinst" "$OUT.tmp/ref" "$OUT.tmp/.fragments" "$OUT.tmp/.config-hash"
	rm -rf "$OUT"
	mv "$OUT.tmp" "$OUT"
}

config() {
	tree
	seed
	mkdir -p "$OUT"
	local want have
	want=$( (cat $(fragments); cat "$SRC/.git/applied-series") | sha256sum | cut -d' ' -f1)
	have=$(cat "$OUT/.fragments" 2>/dev/null || true)
	[ "$want" = "$have" ] && [ -e "$OUT/.config" ] && return 0
	note "configuring $KERNEL ($VARIANT)"
	# One && chain: `set -e` does not apply inside a list tested with ||.
	cat "$SRC/arch/x86/configs/tiny.config" "$SRC/kernel/configs/kvm_guest.config" \
		$(fragments) >"$OUT/.fragment-all"
	{
		kmake tinyconfig &&
			in_root sh -c "cd $(root_path "$OUT") && \
				$(root_path "$SRC")/scripts/kconfig/merge_config.sh -m .config .fragment-all" &&
			kmake olddefconfig
	} >"$LOG/config-$KERNEL-$VARIANT.log" 2>&1 ||
		die "configuring failed, see $LOG/config-$KERNEL-$VARIANT.log"
	verify_config
	kmake -s rustavailable >"$LOG/rustavailable-$KERNEL.log" 2>&1 ||
		die "Rust is not available for $KERNEL, see $LOG/rustavailable-$KERNEL.log"
	echo "$want" >"$OUT/.fragments"
	config_hash >"$OUT/.config-hash"
}

build() {
	config
	note "building $KERNEL ($VARIANT): bzImage and modules (cold: about 10 min)"
	local t0=$SECONDS
	kmake -j"$JOBS" bzImage modules >"$LOG/build-$KERNEL-$VARIANT.log" 2>&1 || {
		grep -E 'error|Error' "$LOG/build-$KERNEL-$VARIANT.log" | head -n 20 >&2
		die "kernel build failed, see $LOG/build-$KERNEL-$VARIANT.log"
	}
	rm -rf "$OUT/modinst"
	kmake INSTALL_MOD_PATH="$(root_path "$OUT")/modinst" INSTALL_MOD_STRIP=1 \
		modules_install >>"$LOG/build-$KERNEL-$VARIANT.log" 2>&1 ||
		die "modules_install failed, see $LOG/build-$KERNEL-$VARIANT.log"
	fault_steps
	note "built $KERNEL ($VARIANT) in $((SECONDS - t0)) s"
}

# step_calls FILE: the calls of kernel::bpf::loader::step in the Rust FILE,
# comments aside: each is one step that consults the fault attribute.
step_calls() {
	grep -vE '^[[:space:]]*//' "$1" | grep -oE '(^|[^A-Za-z0-9_])step\(' | wc -l || true
}

# With CONFIG_FAIL_BPF_PRELOAD, write $OUT/fault-steps (shell assignments,
# for the guest's /tests/env): how many steps fault injection can fail, as
# the sources just built declare them: the runner's step() calls, the
# fault-injected loader's FAULT_STEPS and the module's step() calls.
# 47-preload-fault-inject fails unless that many steps failed one by one,
# so a step that stops consulting the attribute cannot pass unnoticed.
fault_steps() {
	local d=$SRC/kernel/bpf/preload runner module loader
	rm -f "$OUT/fault-steps"
	grep -qx 'CONFIG_FAIL_BPF_PRELOAD=y' "$OUT/.config" || return 0
	runner=$(step_calls "$SRC/rust/kernel/bpf/loader.rs")
	module=$(step_calls "$d/bpf_preload.rs")
	# The array's length as declared, if it has that many entries.
	loader=$(awk '
		/^[[:space:]]*pub static FAULT_STEPS: \[&kernel::str::CStr; [0-9]+\] = \[$/ {
			n = $0; sub(/.*; /, "", n); sub(/\].*/, "", n); inside = 1; next
		}
		inside && /^[[:space:]]*\];$/ { if (c == n) print n; exit }
		inside && /c_str!\("/ { c++ }
	' "$d/iterators/iterators_fi_skel_generated.rs")
	# A count that cannot be made fails the test, not the build.
	if ! { [ "$runner" -gt 0 ] && [ "$module" -gt 0 ] && [ "${loader:-0}" -gt 0 ]; }; then
		echo "FI_STEPS_ERROR='scripts/kernel.sh cannot count the steps: $runner step() calls in loader.rs, $module in bpf_preload.rs, FAULT_STEPS ${loader:-not found or not as long as declared}'" \
			>"$OUT/fault-steps"
		return 0
	fi
	cat >"$OUT/fault-steps" <<-EOF
		FI_STEPS=$((runner + loader + module))
		FI_STEPS_DECLARED='$runner of the runner (rust/kernel/bpf/loader.rs), $loader of the loader (FAULT_STEPS), $module of the module (bpf_preload.rs)'
	EOF
}

# The upstream C module from the same vanilla tree, renamed bpf_preload_ref so
# one guest can hold it beside ours. The oracle for tests; never shipped.
ref() {
	local r=$OUT/ref
	rm -rf "$r"
	mkdir -p "$r"
	git -C "$SRC" archive refs/tags/vanilla kernel/bpf/preload | tar -x -C "$r" --strip-components=3
	cat >"$r/Kbuild" <<-'EOF'
		obj-m := bpf_preload_ref.o
		bpf_preload_ref-y := bpf_preload_kern.o
		ccflags-y := -I$(srctree)/tools/lib
	EOF
	kmake M="$(root_path "$r")" modules >"$LOG/ref-$KERNEL-$VARIANT.log" 2>&1 ||
		die "building the reference module failed, see $LOG/ref-$KERNEL-$VARIANT.log"
	kmake M="$(root_path "$r")" INSTALL_MOD_PATH="$(root_path "$OUT")/modinst" \
		INSTALL_MOD_STRIP=1 modules_install >>"$LOG/ref-$KERNEL-$VARIANT.log" 2>&1 ||
		die "installing the reference module failed, see $LOG/ref-$KERNEL-$VARIANT.log"
}

case ${1:-all} in
fetch) fetch ;;
tree) tree ;;
config) config ;;
build) build ;;
ref) ref ;;
all)
	build
	ref
	;;
*) die "unknown step $1" ;;
esac
