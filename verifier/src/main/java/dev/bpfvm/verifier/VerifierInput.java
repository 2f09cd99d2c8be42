package dev.bpfvm.verifier;

import dev.bpfvm.vm.exec.Program;
import dev.bpfvm.vm.spi.HelperRegistry;
import dev.bpfvm.vm.spi.KfuncRegistry;
import java.util.List;
import java.util.Objects;

/**
 * Everything one verification needs: the linked program, its program type, the helpers and
 * kfuncs it may call, the maps its {@code ld_imm64}s name, BTF func info, options, and the
 * kernel BTF that types {@code PTR_TO_BTF_ID} pointers (default: the emulated kernel's).
 */
public record VerifierInput(Program program, ProgramTypeRules programType, HelperRegistry helpers,
        KfuncRegistry kfuncs, MapResolver maps, List<FuncInfo> funcInfo, VerifierOptions options,
        KernelTypes kernelTypes) {

    public VerifierInput {
        Objects.requireNonNull(program, "program");
        Objects.requireNonNull(programType, "programType");
        helpers = helpers != null ? helpers : new HelperRegistry();
        kfuncs = kfuncs != null ? kfuncs : new KfuncRegistry();
        maps = maps != null ? maps : MapResolver.none();
        funcInfo = funcInfo != null ? List.copyOf(funcInfo) : List.of();
        options = options != null ? options : VerifierOptions.defaults();
        kernelTypes = kernelTypes != null ? kernelTypes : KernelTypes.emulated();
    }

    public static Builder builder(Program program, ProgramTypeRules type) {
        return new Builder(program, type);
    }

    /** Step-by-step construction with defaults for everything optional. */
    public static final class Builder {
        private final Program program;
        private final ProgramTypeRules type;
        private HelperRegistry helpers;
        private KfuncRegistry kfuncs;
        private MapResolver maps;
        private List<FuncInfo> funcInfo;
        private VerifierOptions options;
        private KernelTypes kernelTypes;

        Builder(Program program, ProgramTypeRules type) {
            this.program = program;
            this.type = type;
        }

        public Builder helpers(HelperRegistry h) {
            this.helpers = h;
            return this;
        }

        public Builder kfuncs(KfuncRegistry k) {
            this.kfuncs = k;
            return this;
        }

        public Builder maps(MapResolver m) {
            this.maps = m;
            return this;
        }

        public Builder funcInfo(List<FuncInfo> f) {
            this.funcInfo = f;
            return this;
        }

        public Builder options(VerifierOptions o) {
            this.options = o;
            return this;
        }

        public Builder kernelTypes(KernelTypes k) {
            this.kernelTypes = k;
            return this;
        }

        public VerifierInput build() {
            return new VerifierInput(program, type, helpers, kfuncs, maps, funcInfo, options, kernelTypes);
        }
    }
}
