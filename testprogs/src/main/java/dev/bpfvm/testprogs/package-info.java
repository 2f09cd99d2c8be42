/** BPF C sources, their committed objects and end-to-end tests over them. */
package dev.bpfvm.testprogs;
