/* SPDX-License-Identifier: Apache-2.0 */
/* Constructs older compilers encode differently: negative enumerators (clang < 15 writes no enum
 * signedness in BTF), static variables at non-zero offsets, function-local statics, static
 * subprograms of a program section, string literals. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

/* The kernel's enum, seen with negative values: CO-RE gives the kernel's value (4). */
enum cgroup_subsys_id___neg {
	cpuset_cgrp_id = -7,
	memory_cgrp_id = -5,
};

enum level { LEVEL_LOW = -2, LEVEL_HIGH = 3 };

static __u32 first;
static __u64 second = 5;
volatile enum level level = LEVEL_LOW;
__s64 out[6];

static __attribute__((noinline)) int bump(int by)
{
	static __u32 bumps;

	bumps += by;
	return bumps;
}

SEC("syscall")
int compat_prog(void *ctx)
{
	static const char word[] = "compat";

	first++;
	second += first;
	out[0] = bpf_core_enum_value(enum cgroup_subsys_id___neg, memory_cgrp_id);
	out[1] = bpf_core_enum_value_exists(enum cgroup_subsys_id___neg, memory_cgrp_id);
	out[2] = level;
	out[3] = second;
	out[4] = bump(2) + bump(3);
	out[5] = word[first & 3];
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
