// SPDX-License-Identifier: GPL-2.0
/*
 * One program per section family of libbpf's table that loads here without
 * attaching, in the table's order, and two whose section turns autoload off
 * ("?"). Where the kernel ties a context field to an expected attach type,
 * the program reads that field, so it only loads with the right one; the
 * sleepable ones call a helper only sleepable programs may call. Only
 * sections bpftool's libbpf (1.5) knows, so that bpftool's skeleton is the
 * reference for every request: tests/sections.rs compares them. (bpftool's
 * loader itself cannot run: libbpf's gen_loader has room for 32 programs.)
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

/* Sleepable programs only: a helper that may fault in user memory. */
static __always_inline int sleeps(void)
{
	int v = 0;

	bpf_copy_from_user(&v, sizeof(v), (void *)0);
	return v == 1;
}

SEC("socket")
int socket_filter(struct __sk_buff *skb) { return skb->len; }

SEC("sk_reuseport/migrate")
int reuse_migrate(struct sk_reuseport_md *md) { return SK_PASS; }

SEC("sk_reuseport")
int reuse_select(struct sk_reuseport_md *md) { return SK_PASS; }

SEC("kprobe/do_nanosleep")
int kprobe_sleep(void *ctx) { return 0; }

SEC("uprobe")
int uprobe_bare(void *ctx) { return 0; }

SEC("uprobe//proc/self/exe:main+0x4")
int uprobe_path(void *ctx) { return 0; }

SEC("uprobe.s//proc/self/exe:main")
int uprobe_sleep(void *ctx) { return sleeps(); }

SEC("kretprobe/do_nanosleep")
int kretprobe_slp(void *ctx) { return 0; }

SEC("uretprobe//proc/self/exe:main")
int uretprobe_main(void *ctx) { return 0; }

SEC("uretprobe.s//proc/self/exe:main")
int uretprobe_slp(void *ctx) { return sleeps(); }

SEC("kprobe.multi/do_nano*")
int kmulti(void *ctx) { return 0; }

SEC("kretprobe.multi/do_nano*")
int kretmulti(void *ctx) { return 0; }

SEC("kprobe.session/do_nano*")
int ksession(void *ctx) { return 0; }

SEC("uprobe.multi//proc/self/exe:ma*")
int umulti(void *ctx) { return 0; }

SEC("uretprobe.multi//proc/self/exe:ma*")
int uretmulti(void *ctx) { return 0; }

SEC("uprobe.multi.s//proc/self/exe:ma*")
int umulti_sleep(void *ctx) { return sleeps(); }

SEC("uretprobe.multi.s//proc/self/exe:ma*")
int uretmulti_slp(void *ctx) { return sleeps(); }

SEC("ksyscall/nanosleep")
int ksyscall_slp(void *ctx) { return 0; }

SEC("kretsyscall/nanosleep")
int kretsyscall_slp(void *ctx) { return 0; }

SEC("usdt//proc/self/exe:provider:probe")
int usdt_probe(void *ctx) { return 0; }

SEC("usdt.s//proc/self/exe:provider:probe")
int usdt_sleep(void *ctx) { return sleeps(); }

SEC("tc/ingress")
int tc_ingress(struct __sk_buff *skb) { return 0; }

SEC("tc/egress")
int tc_egress(struct __sk_buff *skb) { return 0; }

SEC("tcx/ingress")
int tcx_ingress(struct __sk_buff *skb) { return 0; }

SEC("tcx/egress")
int tcx_egress(struct __sk_buff *skb) { return 0; }

SEC("tc")
int tc_legacy(struct __sk_buff *skb) { return 0; }

/* Autoload off: libbpf's light skeleton lists it but does not load it. */
SEC("?tc")
int tc_off(struct __sk_buff *skb) { return 0; }

SEC("classifier")
int classifier_prog(struct __sk_buff *skb) { return 0; }

SEC("action")
int action_prog(struct __sk_buff *skb) { return 0; }

SEC("netkit/primary")
int netkit_prim(struct __sk_buff *skb) { return 0; }

SEC("netkit/peer")
int netkit_peer(struct __sk_buff *skb) { return 0; }

SEC("tracepoint/syscalls/sys_enter_getpid")
int tracepoint(void *ctx) { return 0; }

SEC("tp/syscalls/sys_enter_getppid")
int tp(void *ctx) { return 0; }

SEC("raw_tracepoint/sys_enter")
int raw_tracepoint(void *ctx) { return 0; }

SEC("raw_tp/sys_exit")
int raw_tp(void *ctx) { return 0; }

SEC("raw_tracepoint.w/sys_enter")
int raw_tp_w_long(void *ctx) { return 0; }

SEC("raw_tp.w/sys_exit")
int raw_tp_w(void *ctx) { return 0; }

SEC("tp_btf/sched_switch")
int tp_btf(void *ctx) { return 0; }

SEC("iter/bpf_map")
int iter_map(void *ctx) { return 0; }

SEC("iter.s/task")
int iter_task_slp(void *ctx) { return sleeps(); }

SEC("syscall")
int syscall_prog(void *ctx) { return 0; }

/* egress_ifindex is only readable with BPF_XDP_DEVMAP. */
SEC("xdp.frags/devmap")
int xdp_frags_dev(struct xdp_md *ctx) { return ctx->egress_ifindex ? XDP_PASS : XDP_DROP; }

SEC("xdp/devmap")
int xdp_devmap(struct xdp_md *ctx) { return ctx->egress_ifindex ? XDP_PASS : XDP_DROP; }

SEC("xdp.frags/cpumap")
int xdp_frags_cpu(struct xdp_md *ctx) { return XDP_PASS; }

SEC("xdp/cpumap")
int xdp_cpumap(struct xdp_md *ctx) { return XDP_PASS; }

SEC("xdp.frags")
int xdp_frags(struct xdp_md *ctx) { return XDP_PASS; }

SEC("xdp")
int xdp_prog(struct xdp_md *ctx) { return XDP_PASS; }

SEC("perf_event")
int perf_event_prog(void *ctx) { return 0; }

SEC("lwt_in")
int lwt_in_prog(struct __sk_buff *skb) { return BPF_OK; }

SEC("lwt_out")
int lwt_out_prog(struct __sk_buff *skb) { return BPF_OK; }

SEC("lwt_xmit")
int lwt_xmit_prog(struct __sk_buff *skb) { return BPF_OK; }

SEC("sockops")
int sockops_prog(struct bpf_sock_ops *ops) { return 1; }

SEC("sk_skb/stream_parser")
int stream_parser(struct __sk_buff *skb) { return skb->len; }

SEC("sk_skb/stream_verdict")
int stream_verdict(struct __sk_buff *skb) { return SK_PASS; }

SEC("sk_skb/verdict")
int skb_verdict(struct __sk_buff *skb) { return SK_PASS; }

SEC("sk_skb")
int sk_skb_prog(struct __sk_buff *skb) { return SK_PASS; }

SEC("sk_msg")
int sk_msg_prog(struct sk_msg_md *msg) { return SK_PASS; }

SEC("flow_dissector")
int flow_dissect(struct __sk_buff *skb) { return BPF_OK; }

SEC("cgroup_skb/ingress")
int skb_ingress(struct __sk_buff *skb) { return 1; }

SEC("cgroup_skb/egress")
int skb_egress(struct __sk_buff *skb) { return 1; }

SEC("cgroup/skb")
int cgroup_skb(struct __sk_buff *skb) { return 1; }

SEC("cgroup/sock_create")
int sock_create(struct bpf_sock *sk) { return 1; }

SEC("cgroup/sock_release")
int sock_release(struct bpf_sock *sk) { return 1; }

SEC("cgroup/sock")
int sock(struct bpf_sock *sk) { return 1; }

/* src_ip4 and src_ip6 are only readable after a bind of their family. */
SEC("cgroup/post_bind4")
int post_bind4(struct bpf_sock *sk) { return sk->src_ip4 != 1; }

SEC("cgroup/post_bind6")
int post_bind6(struct bpf_sock *sk) { return sk->src_ip6[0] != 1; }

/* user_ip4 is only readable for IPv4 attach types, user_ip6 for IPv6. */
SEC("cgroup/bind4")
int bind4(struct bpf_sock_addr *ctx) { return ctx->user_ip4 != 1; }

SEC("cgroup/bind6")
int bind6(struct bpf_sock_addr *ctx) { return ctx->user_ip6[0] != 1; }

SEC("cgroup/connect4")
int connect4(struct bpf_sock_addr *ctx) { return ctx->user_ip4 != 1; }

SEC("cgroup/connect6")
int connect6(struct bpf_sock_addr *ctx) { return ctx->user_ip6[0] != 1; }

SEC("cgroup/connect_unix")
int connect_unix(struct bpf_sock_addr *ctx) { return 1; }

/* msg_src_ip4 is only readable when sending UDP over IPv4. */
SEC("cgroup/sendmsg4")
int sendmsg4(struct bpf_sock_addr *ctx) { return ctx->msg_src_ip4 != 1; }

SEC("cgroup/sendmsg6")
int sendmsg6(struct bpf_sock_addr *ctx) { return ctx->msg_src_ip6[0] != 1; }

SEC("cgroup/sendmsg_unix")
int sendmsg_unix(struct bpf_sock_addr *ctx) { return 1; }

SEC("cgroup/recvmsg4")
int recvmsg4(struct bpf_sock_addr *ctx) { return 1; }

SEC("cgroup/recvmsg6")
int recvmsg6(struct bpf_sock_addr *ctx) { return 1; }

SEC("cgroup/recvmsg_unix")
int recvmsg_unix(struct bpf_sock_addr *ctx) { return 1; }

SEC("cgroup/getpeername4")
int getpeername4(struct bpf_sock_addr *ctx) { return 1; }

SEC("cgroup/getpeername6")
int getpeername6(struct bpf_sock_addr *ctx) { return 1; }

SEC("cgroup/getpeername_unix")
int getpeername_unx(struct bpf_sock_addr *ctx) { return 1; }

SEC("cgroup/getsockname4")
int getsockname4(struct bpf_sock_addr *ctx) { return 1; }

SEC("cgroup/getsockname6")
int getsockname6(struct bpf_sock_addr *ctx) { return 1; }

SEC("cgroup/getsockname_unix")
int getsockname_unx(struct bpf_sock_addr *ctx) { return 1; }

SEC("cgroup/sysctl")
int sysctl(struct bpf_sysctl *ctx) { return 1; }

/* retval is only there for getsockopt. */
SEC("cgroup/getsockopt")
int getsockopt(struct bpf_sockopt *ctx) { return ctx->retval == 0; }

SEC("cgroup/setsockopt")
int setsockopt(struct bpf_sockopt *ctx) { return 1; }

SEC("cgroup/dev")
int dev(struct bpf_cgroup_dev_ctx *ctx) { return 1; }

SEC("sk_lookup")
int sk_lookup_prog(struct bpf_sk_lookup *ctx) { return SK_PASS; }

SEC("netfilter")
int netfilter_prog(void *ctx) { return 1; /* NF_ACCEPT */ }

/* Autoload off, last: a slot bpftool's loader leaves unset. */
SEC("?socket")
int socket_off(struct __sk_buff *skb) { return 0; }

char LICENSE[] SEC("license") = "GPL";
