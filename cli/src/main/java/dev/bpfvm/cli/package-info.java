/** The bpfvm command line. */
package dev.bpfvm.cli;
