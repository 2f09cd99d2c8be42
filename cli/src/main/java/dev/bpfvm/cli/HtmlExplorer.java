package dev.bpfvm.cli;

import dev.bpfvm.verifier.explain.LogExplorer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The verifier log explorer page of {@code bpfvm verify --html}: one self-contained HTML file (inline CSS
 * and JavaScript, no network, a Content-Security-Policy that forbids loading anything) holding the
 * {@link LogExplorer} data of one or more programs as JSON in a {@code <script type="application/json">}
 * element. The page's script renders it with DOM text nodes only, never as markup.
 */
final class HtmlExplorer {
    private static final String TEMPLATE = "explorer.html";
    private static final String SLOT = "@@DATA@@";

    private HtmlExplorer() {
    }

    /** The page for these programs (a program selector when there are several). */
    static String page(List<LogExplorer.Program> programs) {
        String template = template();
        int at = template.indexOf(SLOT);
        return template.substring(0, at) + LogExplorer.json(programs) + template.substring(at + SLOT.length());
    }

    private static String template() {
        try (InputStream in = HtmlExplorer.class.getResourceAsStream(TEMPLATE)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + TEMPLATE);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
