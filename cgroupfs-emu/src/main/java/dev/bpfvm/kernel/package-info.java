/** The emulated kernel: bpf() facade, cgroup tree, rstat, cgroup iterators, bpffs, privileges. */
package dev.bpfvm.kernel;
