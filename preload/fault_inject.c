// SPDX-License-Identifier: GPL-2.0
/*
 * Fault injection for bpf_preload (CONFIG_FAIL_BPF_PRELOAD): makes any step
 * of loading and attaching its iterators fail, so that tests can check that
 * every failure path cleans up. The steps consult fail_bpf_preload in the
 * order they run, so "space=k probability=100 times=1" fails step k; see
 * Documentation/fault-injection/fault-injection.rst.
 *
 * Built in, so that the attribute exists before the module loads and
 * outlives a failed init.
 */

#include <linux/debugfs.h>
#include <linux/err.h>
#include <linux/fault-inject.h>
#include <linux/init.h>
#include <linux/module.h>

#include "bpf_preload.h"

static DECLARE_FAULT_ATTR(fail_bpf_preload);

static int __init setup_fail_bpf_preload(char *str)
{
	return setup_fault_attr(&fail_bpf_preload, str);
}
__setup("fail_bpf_preload=", setup_fail_bpf_preload);

/* Whether the next loading step of bpf_preload fails. */
bool bpf_preload_should_fail(void)
{
	return should_fail(&fail_bpf_preload, 1);
}
EXPORT_SYMBOL_GPL(bpf_preload_should_fail);

static int __init fail_bpf_preload_debugfs(void)
{
	struct dentry *dir;

	dir = fault_create_debugfs_attr("fail_bpf_preload", NULL, &fail_bpf_preload);
	return PTR_ERR_OR_ZERO(dir);
}
late_initcall(fail_bpf_preload_debugfs);
