// SPDX-License-Identifier: GPL-2.0
/*
 * Programs that need trampolines or LSM hooks; some kernels refuse to load
 * them (EPERM on the test hosts), so they are checked at generation time
 * here and loaded in the guest.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

SEC("fentry/do_nanosleep")
int BPF_PROG(prog_fentry) { return 0; }

SEC("fexit/do_nanosleep")
int BPF_PROG(prog_fexit) { return 0; }

SEC("fmod_ret/security_file_open")
int BPF_PROG(prog_fmod_ret) { return 0; }

SEC("lsm/file_open")
int BPF_PROG(prog_lsm) { return 0; }

SEC("lsm.s/bpf")
int BPF_PROG(prog_lsm_sleepable) { return 0; }

char LICENSE[] SEC("license") = "GPL";
