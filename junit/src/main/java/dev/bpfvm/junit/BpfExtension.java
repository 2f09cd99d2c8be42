package dev.bpfvm.junit;

import dev.bpfvm.kernel.EmulatedKernel;
import dev.bpfvm.kernel.load.BpfObject;
import dev.bpfvm.kernel.load.BpfProgram;
import dev.bpfvm.kernel.load.LoadOptions;
import dev.bpfvm.kernel.load.MapView;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.lang.reflect.Parameter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * Resolves BPF test parameters, fresh for each test and closed after it:
 * <ul>
 *   <li>{@link EmulatedKernel}: a new kernel with the deterministic clock, acting on CPU 0;</li>
 *   <li>{@link BpfObject}: the object of {@link BpfObjectFile} (parameter, method or class), loaded
 *       into the test's kernel when the test also takes one, else into its own runtime;</li>
 *   <li>{@link MapView} with {@link BpfMapName}, {@link BpfProgram} with {@link BpfProgramName}:
 *       by name from the method's or class's object;</li>
 *   <li>{@link DeterministicClock}: the clock of the test's kernel and object.</li>
 * </ul>
 * Settings come from {@link BpfTest} on the class (defaults without it).
 */
public final class BpfExtension implements ParameterResolver {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(BpfExtension.class);

    @Override
    public boolean supportsParameter(ParameterContext pc, ExtensionContext ec) {
        Class<?> type = pc.getParameter().getType();
        return type == EmulatedKernel.class || type == BpfObject.class || type == DeterministicClock.class
                || (type == MapView.class && pc.isAnnotated(BpfMapName.class))
                || (type == BpfProgram.class && pc.isAnnotated(BpfProgramName.class));
    }

    @Override
    public Object resolveParameter(ParameterContext pc, ExtensionContext ec) {
        TestState state = ec.getStore(NAMESPACE).getOrComputeIfAbsent(TestState.class, k -> new TestState(ec),
                TestState.class);
        Class<?> type = pc.getParameter().getType();
        if (type == EmulatedKernel.class) {
            return state.kernel();
        }
        if (type == DeterministicClock.class) {
            return state.clock;
        }
        if (type == BpfObject.class) {
            Optional<BpfObjectFile> own = pc.findAnnotation(BpfObjectFile.class);
            return own.isPresent() ? state.object(own.get().value()) : state.object(defaultObject(ec));
        }
        BpfObject obj = state.object(defaultObject(ec));
        try {
            if (type == MapView.class) {
                return obj.map(pc.findAnnotation(BpfMapName.class).orElseThrow().value());
            }
            return obj.program(pc.findAnnotation(BpfProgramName.class).orElseThrow().value());
        } catch (RuntimeException e) {
            throw new ParameterResolutionException(e.getMessage(), e);
        }
    }

    /** The object named on the test method, else on its class. */
    static String defaultObject(ExtensionContext ec) {
        Optional<BpfObjectFile> onMethod = ec.getTestMethod()
                .flatMap(m -> AnnotationSupport.findAnnotation(m, BpfObjectFile.class));
        if (onMethod.isPresent()) {
            return onMethod.get().value();
        }
        return ec.getTestClass().flatMap(c -> AnnotationSupport.findAnnotation(c, BpfObjectFile.class))
                .map(BpfObjectFile::value)
                .orElseThrow(() -> new ParameterResolutionException("no @BpfObjectFile on test "
                        + ec.getDisplayName() + " or its class: maps and programs need an object"));
    }

    /** The bytes of {@code name}: a classpath resource ({@code /name}, {@code /bpf/name}) or a file. */
    static byte[] objectBytes(Class<?> testClass, String name) {
        List<String> tried = new ArrayList<>();
        for (String res : new String[] {"/" + name, "/bpf/" + name}) {
            tried.add("classpath:" + res);
            try (InputStream in = testClass.getResourceAsStream(res)) {
                if (in != null) {
                    return in.readAllBytes();
                }
            } catch (IOException e) {
                throw new UncheckedIOException("reading classpath:" + res, e);
            }
        }
        Path file = Path.of(name);
        tried.add(file.toAbsolutePath().toString());
        if (Files.isRegularFile(file)) {
            try {
                return Files.readAllBytes(file);
            } catch (IOException e) {
                throw new UncheckedIOException("reading " + file, e);
            }
        }
        throw new ParameterResolutionException("BPF object " + name + " not found; tried " + String.join(", ", tried));
    }

    /** One test's kernel and objects; the store closes it (an AutoCloseable value) when the test ends. */
    static final class TestState implements AutoCloseable {
        final DeterministicClock clock;
        private final BpfTest settings;
        private final ExtensionContext ec;
        private final boolean wantsKernel;
        private EmulatedKernel kernel;
        private final Map<String, BpfObject> objects = new LinkedHashMap<>();

        TestState(ExtensionContext ec) {
            this.ec = ec;
            this.settings = ec.getTestClass().flatMap(c -> AnnotationSupport.findAnnotation(c, BpfTest.class))
                    .orElse(null);
            this.clock = settings == null ? new DeterministicClock()
                    : new DeterministicClock(settings.clockStartNs(), settings.clockStepNs());
            Optional<Method> m = ec.getTestMethod();
            this.wantsKernel = m.isPresent() && List.of(m.get().getParameters()).stream()
                    .map(Parameter::getType).anyMatch(t -> t == EmulatedKernel.class);
        }

        int cpus() {
            return settings == null ? 4 : settings.cpus();
        }

        EmulatedKernel kernel() {
            if (kernel == null) {
                kernel = new EmulatedKernel(cpus());
                kernel.runtime().clock(clock);
                kernel.cpu(0);
            }
            return kernel;
        }

        BpfObject object(String name) {
            BpfObject obj = objects.get(name);
            if (obj == null) {
                byte[] bytes = objectBytes(ec.getRequiredTestClass(), name);
                LoadOptions options = wantsKernel ? kernel().loadOptions()
                        : LoadOptions.defaults().withCpus(cpus()).withClock(clock);
                try {
                    obj = BpfObject.open(Path.of(name).getFileName().toString(), bytes, options);
                } catch (RuntimeException e) {
                    throw new ParameterResolutionException("loading " + name + ": " + e.getMessage(), e);
                }
                objects.put(name, obj);
            }
            return obj;
        }

        @Override
        public void close() {
            for (BpfObject o : objects.values()) {
                o.close();
            }
            objects.clear();
        }
    }
}
