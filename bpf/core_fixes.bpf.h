/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * core_fixes.bpf.h - CO-RE flavors of kernel structs that changed shape,
 * each with the change that needs it, and the accessors that pick one.
 */
#ifndef EW_CORE_FIXES_BPF_H
#define EW_CORE_FIXES_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_core_read.h>

/*
 * kernfs_node.parent became __parent in 6.15 (kernfs commit "kernfs: Use RCU
 * to access kernfs_node::parent", Sebastian Andrzej Siewior), so that direct
 * users go through the RCU accessors. Kernels before 6.15 only have `parent`.
 */
struct kernfs_node___pre615 {
	struct kernfs_node *parent;
} __attribute__((preserve_access_index));

struct kernfs_node___615 {
	struct kernfs_node *__parent;
} __attribute__((preserve_access_index));

static __always_inline struct kernfs_node *ew_kn_parent(struct kernfs_node *kn)
{
	struct kernfs_node___615 *n = (void *)kn;
	struct kernfs_node___pre615 *o = (void *)kn;

	if (bpf_core_field_exists(n->__parent))
		return BPF_CORE_READ(n, __parent);
	return BPF_CORE_READ(o, parent);
}

#endif /* EW_CORE_FIXES_BPF_H */
