package dev.bpfvm.helpers;

import dev.bpfvm.vm.exec.BpfRuntime;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The pseudo-random numbers of {@code bpf_get_prandom_u32}: one generator per runtime with one
 * state per virtual CPU, as Linux keeps a per-CPU state, so a CPU's sequence does not depend
 * on what other CPUs draw. Deterministic: the same seed gives the same numbers on each CPU
 * (default seed {@link #DEFAULT_SEED}; set another with {@link #seed}).
 *
 * <p>The generator is SplitMix64 (Steele, Lea and Flood, 2014): the state of CPU {@code c}
 * starts at {@code mix(seed + c)}, each draw adds the golden gamma {@code 0x9e3779b97f4a7c15}
 * and returns the high 32 bits of {@code mix(state)}. Linux's numbers cannot be reproduced
 * anyway (its seed is random); these are well distributed and cheap. Thread-safe.
 */
public final class Prandom {
    public static final long DEFAULT_SEED = 0;

    private static final long GAMMA = 0x9e3779b97f4a7c15L;

    private final AtomicLongArray states;

    private Prandom(int cpus, long seed) {
        this.states = new AtomicLongArray(cpus);
        seed(seed);
    }

    /** The generator of a runtime (made with {@link #DEFAULT_SEED} on first use). */
    public static Prandom of(BpfRuntime runtime) {
        return runtime.service(Prandom.class, () -> new Prandom(runtime.cpus(), DEFAULT_SEED));
    }

    /** Restarts every CPU's sequence from {@code seed}. */
    public synchronized void seed(long seed) {
        for (int c = 0; c < states.length(); c++) {
            states.set(c, mix(seed + c));
        }
    }

    /** The next number of virtual CPU {@code cpu}'s sequence. */
    public int next(int cpu) {
        long s = states.addAndGet(cpu, GAMMA);
        return (int) (mix(s) >>> 32);
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
