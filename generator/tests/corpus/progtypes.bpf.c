// SPDX-License-Identifier: GPL-2.0
/* One program of each type that loads without attaching. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

SEC("socket")
int prog_socket(struct __sk_buff *skb) { return 0; }

SEC("xdp")
int prog_xdp(struct xdp_md *ctx) { return XDP_PASS; }

SEC("tc")
int prog_tc(struct __sk_buff *skb) { return 0; }

SEC("classifier")
int prog_classifier(struct __sk_buff *skb) { return 0; }

SEC("perf_event")
int prog_perf_event(void *ctx) { return 0; }

SEC("kprobe/do_nanosleep")
int prog_kprobe(void *ctx) { return 0; }

SEC("kretprobe/do_nanosleep")
int prog_kretprobe(void *ctx) { return 0; }

SEC("tracepoint/syscalls/sys_enter_getpid")
int prog_tracepoint(void *ctx) { return 0; }

SEC("raw_tp/sys_enter")
int prog_raw_tp(void *ctx) { return 0; }

SEC("tp_btf/sched_switch")
int prog_tp_btf(void *ctx) { return 0; }

SEC("syscall")
int prog_syscall(void *ctx) { return 0; }

SEC("iter/task")
int prog_iter_task(void *ctx) { return 0; }

SEC("cgroup_skb/ingress")
int prog_cgroup_skb(struct __sk_buff *skb) { return 1; }

char LICENSE[] SEC("license") = "GPL";
