package dev.bpfvm.kernel.cgroup;

import dev.bpfvm.vm.btf.KernelBtf;

/** Offsets of the emulated kernel objects' fields, computed once from {@link KernelBtf}. */
final class Layout {
    private Layout() {}

    static final int CGROUP_SIZE = KernelBtf.sizeOf("cgroup");
    static final int CGROUP_SELF = KernelBtf.offsetOf("cgroup", "self");
    static final int CSS_CGROUP = KernelBtf.offsetOf("cgroup_subsys_state", "cgroup");
    static final int CSS_ID = KernelBtf.offsetOf("cgroup_subsys_state", "id");
    static final int CSS_SERIAL_NR = KernelBtf.offsetOf("cgroup_subsys_state", "serial_nr");
    static final int CSS_ONLINE_CNT = KernelBtf.offsetOf("cgroup_subsys_state", "online_cnt");
    static final int CSS_PARENT = KernelBtf.offsetOf("cgroup_subsys_state", "parent");
    static final int CSS_NR_DESCENDANTS = KernelBtf.offsetOf("cgroup_subsys_state", "nr_descendants");
    static final int CGROUP_LEVEL = KernelBtf.offsetOf("cgroup", "level");
    static final int CGROUP_MAX_DEPTH = KernelBtf.offsetOf("cgroup", "max_depth");
    static final int CGROUP_NR_DESCENDANTS = KernelBtf.offsetOf("cgroup", "nr_descendants");
    static final int CGROUP_MAX_DESCENDANTS = KernelBtf.offsetOf("cgroup", "max_descendants");
    static final int CGROUP_NR_POPULATED_CSETS = KernelBtf.offsetOf("cgroup", "nr_populated_csets");
    static final int CGROUP_KN = KernelBtf.offsetOf("cgroup", "kn");
    static final int CGROUP_SUBSYS = KernelBtf.offsetOf("cgroup", "subsys");
    static final int CGROUP_DOM_CGRP = KernelBtf.offsetOf("cgroup", "dom_cgrp");
    static final int CGROUP_ANCESTORS = KernelBtf.offsetOf("cgroup", "ancestors");
    static final int SUBSYS_COUNT = 12;

    static final int KN_SIZE = KernelBtf.sizeOf("kernfs_node");
    static final int KN_COUNT = KernelBtf.offsetOf("kernfs_node", "count");
    static final int KN_PARENT = KernelBtf.offsetOf("kernfs_node", "parent");
    static final int KN_NAME = KernelBtf.offsetOf("kernfs_node", "name");
    static final int KN_FLAGS = KernelBtf.offsetOf("kernfs_node", "flags");
    static final int KN_MODE = KernelBtf.offsetOf("kernfs_node", "mode");
    static final int KN_ID = KernelBtf.offsetOf("kernfs_node", "id");
    static final int KN_PRIV = KernelBtf.offsetOf("kernfs_node", "priv");
    /** KERNFS_DIR. */
    static final int KERNFS_DIR = 0x0001;

    static final int CSS_SET_SIZE = KernelBtf.sizeOf("css_set");
    static final int CSS_SET_SUBSYS = KernelBtf.offsetOf("css_set", "subsys");
    static final int CSS_SET_REFCOUNT = KernelBtf.offsetOf("css_set", "refcount");
    static final int CSS_SET_DOM_CSET = KernelBtf.offsetOf("css_set", "dom_cset");
    static final int CSS_SET_DFL_CGRP = KernelBtf.offsetOf("css_set", "dfl_cgrp");
    static final int CSS_SET_NR_TASKS = KernelBtf.offsetOf("css_set", "nr_tasks");

    static final int TASK_SIZE = KernelBtf.sizeOf("task_struct");
    static final int TASK_PID = KernelBtf.offsetOf("task_struct", "pid");
    static final int TASK_TGID = KernelBtf.offsetOf("task_struct", "tgid");
    static final int TASK_REAL_PARENT = KernelBtf.offsetOf("task_struct", "real_parent");
    static final int TASK_PARENT = KernelBtf.offsetOf("task_struct", "parent");
    static final int TASK_GROUP_LEADER = KernelBtf.offsetOf("task_struct", "group_leader");
    static final int TASK_START_TIME = KernelBtf.offsetOf("task_struct", "start_time");
    static final int TASK_REAL_CRED = KernelBtf.offsetOf("task_struct", "real_cred");
    static final int TASK_CRED = KernelBtf.offsetOf("task_struct", "cred");
    static final int TASK_COMM = KernelBtf.offsetOf("task_struct", "comm");
    static final int TASK_CGROUPS = KernelBtf.offsetOf("task_struct", "cgroups");

    static final int CRED_SIZE = KernelBtf.sizeOf("cred");
    static final int CRED_USAGE = KernelBtf.offsetOf("cred", "usage");
    static final int CRED_UID = KernelBtf.offsetOf("cred", "uid");
    static final int CRED_GID = KernelBtf.offsetOf("cred", "gid");
    static final int CRED_SUID = KernelBtf.offsetOf("cred", "suid");
    static final int CRED_SGID = KernelBtf.offsetOf("cred", "sgid");
    static final int CRED_EUID = KernelBtf.offsetOf("cred", "euid");
    static final int CRED_EGID = KernelBtf.offsetOf("cred", "egid");
    static final int CRED_FSUID = KernelBtf.offsetOf("cred", "fsuid");
    static final int CRED_FSGID = KernelBtf.offsetOf("cred", "fsgid");

    static int align8(int n) {
        return (n + 7) & ~7;
    }
}
