/** The cgroup v2 hierarchy, tasks and their kernel objects laid out by the kernel BTF. */
package dev.bpfvm.kernel.cgroup;
