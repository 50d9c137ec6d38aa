package dev.numpool.orders;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The code templates Numpool ships, loaded as the database would hand them to a node (for tests without one). */
final class ShippedTemplates {
    private ShippedTemplates() {
    }

    static CodeTemplates load() throws IOException {
        List<CodeTemplate> rows = new ArrayList<>();
        try (InputStream in = Orders.class.getResourceAsStream("code-templates.tsv")) {
            long id = 1;
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (!line.isBlank() && !line.startsWith("#")) {
                    String[] f = line.split("\t", 3);
                    rows.add(new CodeTemplate(id++, f[0], f[1], CodeReader.normalize(f[2]).strip(), "shipped", 0, Optional.empty(), Instant.EPOCH));
                }
            }
        }
        CodeTemplates templates = new CodeTemplates();
        templates.load(rows);
        return templates;
    }
}
