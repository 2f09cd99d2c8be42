/* SPDX-License-Identifier: Apache-2.0 */
/* bpfvm's hierarchical cgroup stats program against bpfvm_kernel.h; see cgroup_stats.bpf.h. */
#include <linux/bpf.h>
#include "bpfvm_kernel.h"
#include "cgroup_stats.bpf.h"
