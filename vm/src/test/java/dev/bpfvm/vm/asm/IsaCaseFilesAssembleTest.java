package dev.bpfvm.vm.asm;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The {@code -- asm} sections of the ISA case files (test resources {@code isa/*.bpftest}) all assemble. */
class IsaCaseFilesAssembleTest {

    @Test
    void everyAsmSectionAssembles() throws IOException, URISyntaxException {
        Path dir = Path.of(getClass().getResource("/isa").toURI());
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.toString().endsWith(".bpftest")).sorted().toList();
        }
        assertThat(files).isNotEmpty();
        int sections = 0;
        for (Path f : files) {
            StringBuilder asm = null;
            String name = null;
            List<String> lines = new ArrayList<>(Files.readAllLines(f));
            lines.add("== end");
            for (String line : lines) {
                if (line.startsWith("== ") || line.startsWith("-- ")) {
                    if (asm != null) {
                        String where = f.getFileName() + " case '" + name + "'";
                        assertThat(Assembler.assemble(asm.toString())).as(where).isNotEmpty();
                        sections++;
                        asm = null;
                    }
                    if (line.startsWith("== ")) {
                        name = line.substring(3);
                    } else if (line.strip().equals("-- asm")) {
                        asm = new StringBuilder();
                    }
                } else if (asm != null) {
                    asm.append(line).append('\n');
                }
            }
        }
        assertThat(sections).isGreaterThan(50);
    }
}
