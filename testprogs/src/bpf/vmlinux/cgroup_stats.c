/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bpfvm's hierarchical cgroup stats program (the shape of Linux's cgroup_hierarchical_stats
 * selftest, our own code) built against a full vmlinux.h dumped from a real kernel; the
 * program is cgroup_stats.bpf.h.
 */
#include "vmlinux.h"
#include "../cgroup_stats.bpf.h"
