// SPDX-License-Identifier: GPL-2.0
/* Kfuncs (strong and weak), typeless and weak typed ksyms. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

extern const void bpf_prog_put __ksym;
extern const int bpf_no_such_variable __ksym __weak;
extern void bpf_no_such_kfunc(void) __ksym __weak;

SEC("syscall")
int use_externs(void *ctx)
{
	struct bpf_iter_num it;
	int *v, sum = 0;

	bpf_iter_num_new(&it, 0, 3);
	while ((v = bpf_iter_num_next(&it)))
		sum += *v;
	bpf_iter_num_destroy(&it);
	if (bpf_ksym_exists(bpf_no_such_kfunc))
		bpf_no_such_kfunc();
	if (&bpf_no_such_variable)
		sum++;
	return sum + ((unsigned long)&bpf_prog_put != 0);
}

char LICENSE[] SEC("license") = "GPL";
