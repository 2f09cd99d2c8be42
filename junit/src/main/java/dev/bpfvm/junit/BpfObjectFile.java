package dev.bpfvm.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The BPF object a test loads: on the test method, else on its class (the method's wins), or on
 * a {@code BpfObject} parameter. The value is a test-classpath resource ({@code "counter.o"}
 * is looked up as {@code /counter.o} then {@code /bpf/counter.o}) or a file path.
 */
@Documented
@Inherited
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD, ElementType.PARAMETER})
public @interface BpfObjectFile {
    String value();
}
