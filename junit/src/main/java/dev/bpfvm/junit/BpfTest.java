package dev.bpfvm.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Marks a test class whose tests get BPF parameters from {@link BpfExtension}: an
 * {@code EmulatedKernel}, a {@code BpfObject} (with {@link BpfObjectFile}), its
 * {@code MapView}s ({@link BpfMapName}) and {@code BpfProgram}s ({@link BpfProgramName}). Every
 * test gets fresh ones, closed after it.
 *
 * <p>Runs are deterministic: the clock starts at {@link #clockStartNs} and advances by
 * {@link #clockStepNs} on each read, and programs run on CPU 0.
 */
@Documented
@Inherited
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
@ExtendWith(BpfExtension.class)
public @interface BpfTest {
    /** Virtual CPUs of the kernel or object runtime. */
    int cpus() default 4;

    /** The first value {@code bpf_ktime_get_ns} and friends return. */
    long clockStartNs() default DeterministicClock.DEFAULT_START_NS;

    /** How far the clock advances on each read (0 = a frozen clock). */
    long clockStepNs() default DeterministicClock.DEFAULT_STEP_NS;
}
