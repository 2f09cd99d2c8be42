package dev.bpfvm.vm.jit;

import dev.bpfvm.vm.exec.BpfRuntime;
import dev.bpfvm.vm.exec.Program;
import dev.bpfvm.vm.exec.Tiering;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The JIT's tiering: installed on a {@link BpfRuntime}, it decides when programs are compiled
 * ({@link TierPolicy}) and swaps compiled code in. Background compilations run on one daemon
 * thread; a running program never waits for one, and runs already started finish in the
 * interpreter. A program that cannot be compiled stays interpreted with the reason in
 * {@link Program#tierNote()}, and the {@link InterpreterFallback} decides what else happens.
 *
 * <pre>{@code
 * Jit jit = Jit.install(runtime, JitOptions.of(TierPolicy.AUTO));
 * }</pre>
 */
public final class Jit implements Tiering {
    private final JitOptions options;
    /** Programs queued for, or done with, a background compilation (weak: programs come and go). */
    private final Map<Program, Boolean> seen = Collections.synchronizedMap(new WeakHashMap<>());
    /** Failures to report to the next run, for {@link InterpreterFallback#FAIL} in the background. */
    private final Map<Program, JitException> failed = Collections.synchronizedMap(new WeakHashMap<>());
    private final AtomicInteger pending = new AtomicInteger();
    private volatile ExecutorService background;

    public Jit(JitOptions options) {
        this.options = options;
    }

    /** Creates a JIT with these options and installs it as the runtime's tiering. */
    public static Jit install(BpfRuntime rt, JitOptions options) {
        Jit j = new Jit(options);
        rt.tiering(j);
        return j;
    }

    public JitOptions options() {
        return options;
    }

    @Override
    public void interpreting(Program p, long runs) {
        JitException f = failed.remove(p);
        if (f != null) {
            throw f;
        }
        switch (options.policy()) {
            case JIT:
                if (p.tierNote() == null) {
                    compileNow(p);
                }
                break;
            case AUTO:
                if (runs >= options.compileAfterRuns() && p.tierNote() == null && seen.putIfAbsent(p, Boolean.TRUE) == null) {
                    compileInBackground(p);
                }
                break;
            default:
                break;
        }
    }

    /**
     * Compiles and installs {@code p} now, on this thread. Returns whether it is compiled; on
     * failure applies the fallback policy ({@link InterpreterFallback#FAIL} throws the
     * {@link JitException}).
     */
    public boolean compileNow(Program p) {
        if (p.compiledCode() != null) {
            return true;
        }
        try {
            JitCode code = JitCompiler.compile(p, options.emit());
            p.tierNote("compiled: " + describe(code.stats()));
            p.installCompiledCode(code);
            return true;
        } catch (JitException e) {
            p.tierNote("interpreted: " + e.getMessage());
            switch (options.fallback()) {
                case FAIL: throw e;
                case WARN: options.warnings().accept(e.getMessage()); break;
                default: break;
            }
            return false;
        }
    }

    private static String describe(CompileStats s) {
        return s.functions() + " function" + (s.functions() == 1 ? "" : "s") + " in " + s.methods() + " method"
                + (s.methods() == 1 ? "" : "s") + ", largest " + s.maxMethodBytes() + " bytes, "
                + (s.nanos() / 1000) + " us";
    }

    private void compileInBackground(Program p) {
        pending.incrementAndGet();
        executor().execute(() -> {
            try {
                compileNow(p);
            } catch (JitException e) {
                failed.put(p, e);
            } finally {
                synchronized (pending) {
                    pending.decrementAndGet();
                    pending.notifyAll();
                }
            }
        });
    }

    private ExecutorService executor() {
        ExecutorService e = background;
        if (e == null) {
            synchronized (this) {
                e = background;
                if (e == null) {
                    e = Executors.newSingleThreadExecutor(r -> {
                        Thread t = new Thread(r, "bpfvm-jit");
                        t.setDaemon(true);
                        return t;
                    });
                    background = e;
                }
            }
        }
        return e;
    }

    /** Waits until no background compilation is queued or running; false on timeout. */
    public boolean awaitIdle(long timeout, TimeUnit unit) throws InterruptedException {
        long end = System.nanoTime() + unit.toNanos(timeout);
        synchronized (pending) {
            while (pending.get() > 0) {
                long left = end - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(pending, left);
            }
        }
        return true;
    }

    /** Stops the background thread (queued compilations are dropped). */
    public void shutdown() {
        ExecutorService e = background;
        if (e != null) {
            e.shutdownNow();
        }
    }
}
