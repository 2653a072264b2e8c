// SPDX-License-Identifier: GPL-2.0
/* CO-RE relocations against locally declared kernel types. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

struct task_struct {
	int pid;
	int tgid;
	char comm[16];
	struct task_struct *real_parent;
	int field_that_does_not_exist;
} __attribute__((preserve_access_index));

SEC("tp_btf/sched_process_exec")
int BPF_PROG(on_exec, struct task_struct *p)
{
	int ppid = BPF_CORE_READ(p, real_parent, tgid);

	if (bpf_core_field_exists(p->field_that_does_not_exist))
		return 1;
	bpf_printk("exec %d %d %d", p->pid, ppid, bpf_core_type_id_local(struct task_struct));
	return 0;
}

SEC("kprobe/do_nanosleep")
int BPF_KPROBE(on_sleep)
{
	struct task_struct *t = (void *)bpf_get_current_task();

	return BPF_CORE_READ(t, pid) + bpf_core_field_size(t->comm);
}

char LICENSE[] SEC("license") = "GPL";
