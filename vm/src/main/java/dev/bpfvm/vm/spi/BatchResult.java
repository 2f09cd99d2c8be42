package dev.bpfvm.vm.spi;

import java.util.List;

/**
 * The result of {@code BPF_MAP_LOOKUP_BATCH} / {@code BPF_MAP_LOOKUP_AND_DELETE_BATCH}: the keys
 * and values read (values in the user-space format, so per-CPU values hold every CPU's copy), the
 * token to pass as {@code inBatch} to continue, and whether the whole map has been walked (the
 * kernel then returns {@code -ENOENT} together with the last elements).
 *
 * @param keys      keys read, in iteration order
 * @param values    their values
 * @param nextBatch the kernel's {@code out_batch}: where the next call continues (null when done
 *                  with nothing read)
 * @param done      true when iteration reached the end (the kernel's {@code -ENOENT})
 */
public record BatchResult(List<byte[]> keys, List<byte[]> values, byte[] nextBatch, boolean done) {
    public BatchResult {
        keys = List.copyOf(keys);
        values = List.copyOf(values);
    }

    public int count() {
        return keys.size();
    }
}
