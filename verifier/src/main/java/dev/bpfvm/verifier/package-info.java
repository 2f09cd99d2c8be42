/** Static checking of loaded programs with a kernel-style log. */
package dev.bpfvm.verifier;
