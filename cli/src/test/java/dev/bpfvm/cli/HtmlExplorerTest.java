package dev.bpfvm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.bpfvm.verifier.VerifierResult;
import dev.bpfvm.verifier.VerifierTrace;
import dev.bpfvm.verifier.VerifierVisit;
import dev.bpfvm.verifier.explain.LogExplorer;
import dev.bpfvm.vm.exec.SourceLine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bpfvm verify --html} and its page, without a browser (see {@link HtmlExplorerBrowserTest}). */
class HtmlExplorerTest {
    /** Text that would run script or add elements if a page put it into its markup. */
    static final String EVIL = "</script><script>window.pwned=1</script><img src=x onerror=\"window.pwned=2\"> & <!--";

    private static final String EVIL_LOG = "func#0 @0\n0: R1=ctx() <b>bold</b> R10=fp0\n; " + EVIL + " @ evil.c:1\n";
    private static final String EVIL_INSN = "0: (b7) r0 = 0 <i>x</i>        ; R0_w=0\n";

    /** A program whose name, section, source line, instruction text, state and log are all markup. */
    static LogExplorer.Program evilProgram() {
        String log = EVIL_LOG + EVIL_INSN + "1: (95) exit\nprocessed 2 insns (limit 1000000) max_states_per_insn 0 "
                + "total_states 0 peak_states 0 mark_read 0\n";
        VerifierResult r = new VerifierResult(true, log, null, null, 2, 0, 0, 0, 0, -1, null, List.of(0));
        SourceLine line = new SourceLine("evil.c", 1, 0, EVIL);
        VerifierTrace t = new VerifierTrace(r, List.of(
                new VerifierVisit(0, -1, -1, false, 0, "R1=ctx() <b>bold</b> R10=fp0", EVIL_LOG.length()),
                new VerifierVisit(1, 0, -1, false, 0, "R0_w=0 R1=ctx() R10=fp0", EVIL_LOG.length() + EVIL_INSN.length())),
                List.of("(b7) r0 = 0 <i>x</i>", "(95) exit"), List.of(line, line));
        return new LogExplorer.Program(EVIL, EVIL, "BPF_PROG_TYPE_SOCKET_FILTER", t);
    }

    @TempDir
    Path dir;

    private static String data(String page) {
        Matcher m = Pattern.compile("<script type=\"application/json\" id=\"bpfvm-data\">(.*?)</script>",
                Pattern.DOTALL).matcher(page);
        assertThat(m.find()).isTrue();
        return m.group(1);
    }

    @Test
    void noTextOfTheProgramReachesTheMarkup() {
        String page = HtmlExplorer.page(List.of(evilProgram()));
        String data = data(page);
        assertThat(data).doesNotContain("<", ">", "&");
        assertThat(data).contains("\\u003c/script\\u003e\\u003cscript\\u003ewindow.pwned=1");
        // the template's two script elements and nothing else
        assertThat(page.split("<script", -1)).hasSize(3);
        assertThat(page).doesNotContain("<img", "<b>", "<i>");
    }

    @Test
    void thePageIsSelfContained() {
        String page = HtmlExplorer.page(List.of(evilProgram()));
        assertThat(page).doesNotContain("http://", "https://", "src=\"", "<link", "@import", "url(");
        assertThat(page).contains("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
                + "style-src 'unsafe-inline'; script-src 'unsafe-inline'\">");
    }

    @Test
    void htmlWritesThePageAndPrintsOneLinePerProgram() throws Exception {
        Path out = dir.resolve("core.html");
        CliRun r = CliRun.of("verify", VerifyCommandTest.CORE, "--all", "--html", out.toString());
        assertThat(r.out()).isEqualTo("""
                core_reads: accepted (88 insns processed)
                core_poisoned: accepted (5 insns processed)
                core_iter: rejected: %s
                """.formatted(VerifyCommandTest.CORE_ITER));
        assertThat(r.err()).isEmpty();
        assertThat(r.code()).isEqualTo(1);
        String data = data(Files.readString(out));
        assertThat(data).startsWith("{\"programs\": [{\"name\": \"core_reads\", \"section\": \"tp_btf/cgroup_attach_task\", "
                + "\"type\": \"BPF_PROG_TYPE_TRACING\", \"verdict\": \"accepted\", \"message\": null, \"errno\": null, "
                + "\"errorInsn\": -1, \"errorSource\": null, \"stats\": \"processed 88 insns (limit 1000000) "
                + "max_states_per_insn 0 total_states 4 peak_states 4 mark_read 0\", \"explain\": null,");
        assertThat(data).contains("{\"name\": \"core_iter\", \"section\": \"iter/cgroup\", \"type\": "
                + "\"BPF_PROG_TYPE_TRACING\", \"verdict\": \"rejected\", \"message\": \"" + VerifyCommandTest.CORE_ITER
                + "\", \"errno\": \"EINVAL\", \"errorInsn\": 7, \"errorSource\": \"core.c:51\"");
        assertThat(data).contains("\"explain\": {\"kind\": \"BAD_RETURN_VALUE\", \"title\": \"return value out of range\"");
        assertThat(data).contains("\"path\": [0, 1, 2, 3, 4, 5, 6, 7]");

        Path one = dir.resolve("globals.html");
        CliRun ok = CliRun.of("verify", VerifyCommandTest.GLOBALS, "--html", one.toString());
        assertThat(ok.out()).isEqualTo("use_globals: accepted (79 insns processed)\n");
        assertThat(ok.code()).isZero();
        assertThat(data(Files.readString(one))).startsWith("{\"programs\": [{\"name\": \"use_globals\"");
    }

    @Test
    void htmlRefusesOutputOptionsItReplacesAndUnwritableFiles() {
        for (String other : List.of("--explain", "--json", "--log-level=2")) {
            CliRun r = CliRun.of("verify", VerifyCommandTest.GLOBALS, other, "--html", dir.resolve("x.html").toString());
            assertThat(r.err()).isEqualTo("bpfvm: --html cannot be used with --explain, --json or --log-level\n");
            assertThat(r.code()).isEqualTo(2);
        }
        Path bad = dir.resolve("no/such/dir/x.html");
        CliRun r = CliRun.of("verify", VerifyCommandTest.GLOBALS, "--html", bad.toString());
        assertThat(r.err()).startsWith("bpfvm: cannot write " + bad + ": ");
        assertThat(r.code()).isEqualTo(2);
        assertThat(Files.exists(dir.resolve("x.html"))).isFalse();
    }
}
