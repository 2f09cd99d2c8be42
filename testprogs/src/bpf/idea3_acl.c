/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Seed Idea III: a per-user ACL for bpf() in BPF LSM programs. The capability checks still
 * apply after them (the baseline is a CAP_BPF-holding user or a token; the ACL narrows what
 * it may do). Root (uid 0) is never restricted.
 *
 * - lsm/bpf (security_bpf: cmd, attr, size) runs before every command: a command is allowed
 *   only if bpf_acl has {uid, cmd} -> 1, else -EPERM.
 * - lsm/bpf_map (security_bpf_map: map, fmode) runs whenever a map fd is made (MAP_CREATE,
 *   OBJ_GET, MAP_GET_FD_BY_ID): a map whose name has an entry {ANY_UID, name} in obj_acl is
 *   protected; a user may open it with the fmode bits (FMODE_READ 1, FMODE_WRITE 2) of its own
 *   entry {uid, name}, else of the ANY_UID entry; more is -EPERM.
 * - lsm/bpf_prog (security_bpf_prog: prog) runs whenever a program fd is made (PROG_LOAD,
 *   OBJ_GET, PROG_GET_FD_BY_ID): the same, keyed by prog->aux->name, any non-zero value allows.
 * - lsm/bpf_token_cmd (security_bpf_token_cmd: token, cmd): a user may use a BPF token for a
 *   command only if token_acl has {uid, cmd} -> 1; otherwise the kernel ignores the token and
 *   the user's own capabilities decide.
 *
 * Every hook is written without BPF_PROG so that the result is a 64-bit value in
 * [-MAX_ERRNO, 0], which the verifier requires of an int LSM hook (a 32-bit -EPERM would read
 * as 0xffffffff).
 */
#include <linux/bpf.h>
#include "bpfvm_kernel.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#define EPERM 1
#define ANY_UID 0xffffffffu
#define FMODE_READ 1
#define FMODE_WRITE 2

char _license[] SEC("license") = "GPL";

#pragma clang attribute push(__attribute__((preserve_access_index)), apply_to = record)
struct bpf_map {
	char name[16];
};

struct bpf_prog_aux {
	char name[16];
};

struct bpf_prog {
	struct bpf_prog_aux *aux;
};
#pragma clang attribute pop

struct acl_key {
	__u32 uid;
	__u32 cmd;
};

struct obj_key {
	__u32 uid;
	char name[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, struct acl_key);
	__type(value, __u32);
} bpf_acl SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, struct obj_key);
	__type(value, __u32);
} obj_acl SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, struct acl_key);
	__type(value, __u32);
} token_acl SEC(".maps");

static __always_inline __u32 current_uid(void)
{
	return (__u32)bpf_get_current_uid_gid();
}

/* security_bpf(int cmd, union bpf_attr *attr, unsigned int size) */
SEC("lsm/bpf")
long acl(unsigned long long *ctx)
{
	struct acl_key k = { .uid = current_uid(), .cmd = (__u32)ctx[0] };
	__u32 *allow;

	if (k.uid == 0)
		return 0;
	allow = bpf_map_lookup_elem(&bpf_acl, &k);
	if (allow && *allow)
		return 0;
	return -EPERM;
}

/* The modes uid may open the object named k->name with; all for an unprotected one. */
static __always_inline __u32 allowed(struct obj_key *k)
{
	__u32 *v = bpf_map_lookup_elem(&obj_acl, k);

	if (v)
		return *v;
	k->uid = ANY_UID;
	v = bpf_map_lookup_elem(&obj_acl, k);
	return v ? *v : FMODE_READ | FMODE_WRITE;
}

/* security_bpf_map(struct bpf_map *map, fmode_t fmode) */
SEC("lsm/bpf_map")
long map_acl(unsigned long long *ctx)
{
	struct bpf_map *map = (void *)ctx[0];
	__u32 fmode = (__u32)ctx[1];
	struct obj_key k = { .uid = current_uid() };

	if (k.uid == 0)
		return 0;
	__builtin_memcpy(k.name, map->name, sizeof(k.name));
	if (fmode & ~allowed(&k))
		return -EPERM;
	return 0;
}

/* security_bpf_prog(struct bpf_prog *prog) */
SEC("lsm/bpf_prog")
long prog_acl(unsigned long long *ctx)
{
	struct bpf_prog *prog = (void *)ctx[0];
	struct obj_key k = { .uid = current_uid() };

	if (k.uid == 0)
		return 0;
	__builtin_memcpy(k.name, prog->aux->name, sizeof(k.name));
	return allowed(&k) ? 0 : -EPERM;
}

/* security_bpf_token_cmd(const struct bpf_token *token, enum bpf_cmd cmd) */
SEC("lsm/bpf_token_cmd")
long token_cmd_acl(unsigned long long *ctx)
{
	struct acl_key k = { .uid = current_uid(), .cmd = (__u32)ctx[1] };
	__u32 *allow;

	if (k.uid == 0)
		return 0;
	allow = bpf_map_lookup_elem(&token_acl, &k);
	if (allow && *allow)
		return 0;
	return -EPERM;
}
