package dev.bpfvm.junit;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/** A nanosecond clock that starts at a fixed time and advances a fixed step on each read. */
public final class DeterministicClock implements LongSupplier {
    public static final long DEFAULT_START_NS = 1_000_000_000L;
    public static final long DEFAULT_STEP_NS = 1_000L;

    private final AtomicLong now;
    private final long step;

    public DeterministicClock(long startNs, long stepNs) {
        if (startNs < 0 || stepNs < 0) {
            throw new IllegalArgumentException("clock start and step must be >= 0: " + startNs + ", " + stepNs);
        }
        this.now = new AtomicLong(startNs);
        this.step = stepNs;
    }

    public DeterministicClock() {
        this(DEFAULT_START_NS, DEFAULT_STEP_NS);
    }

    /** The current time, then advances the clock by the step. */
    @Override
    public long getAsLong() {
        return now.getAndAdd(step);
    }

    /** The time the next read returns, without advancing. */
    public long peek() {
        return now.get();
    }

    /** Moves the clock forward by {@code ns}. */
    public void advance(long ns) {
        if (ns < 0) {
            throw new IllegalArgumentException("the clock cannot go back: " + ns);
        }
        now.addAndGet(ns);
    }
}
