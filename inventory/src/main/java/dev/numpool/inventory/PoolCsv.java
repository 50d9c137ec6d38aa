package dev.numpool.inventory;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The pool import's CSV (the operator API's {@code text/csv} body and the console's import form):
 * a header {@code phone,rented_from,lease_ends_at[,gateway_device,gateway_sim]} and one number per
 * line. Plain comma-separated values, no quoting: none of the fields may hold a comma. Field
 * values are checked by {@link Inventory#importPool}; only the shape is checked here.
 */
public final class PoolCsv {
    private static final List<String> HEADER = List.of("phone", "rented_from", "lease_ends_at", "gateway_device", "gateway_sim");

    private PoolCsv() {
    }

    /** What a CSV held: its entries, or what is wrong with its shape. */
    public sealed interface Parsed {
        record Entries(List<Inventory.PoolImport> entries) implements Parsed {
        }

        record Malformed(String problem) implements Parsed {
        }
    }

    public static Parsed parse(String csv) {
        List<String> lines = csv.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
        if (lines.isEmpty()) {
            return new Parsed.Malformed("The CSV is empty; its first line is the header " + String.join(",", HEADER) + ".");
        }
        List<String> header = List.of(lines.getFirst().toLowerCase().split(",", -1)).stream().map(String::strip).toList();
        if (!(header.equals(HEADER.subList(0, 3)) || header.equals(HEADER))) {
            return new Parsed.Malformed("The CSV header must be phone,rented_from,lease_ends_at or that and gateway_device,gateway_sim.");
        }
        List<Inventory.PoolImport> entries = new ArrayList<>();
        for (int i = 1; i < lines.size(); i++) {
            String[] f = lines.get(i).split(",", -1);
            if (f.length != header.size()) {
                return new Parsed.Malformed("Line " + (i + 1) + " has " + f.length + " fields; the header has " + header.size() + ".");
            }
            Optional<String> device = f.length > 3 && !f[3].isBlank() ? Optional.of(f[3].strip()) : Optional.empty();
            Optional<Integer> sim = Optional.empty();
            if (f.length > 4 && !f[4].isBlank()) {
                if (!f[4].strip().matches("[0-9]{1,2}")) {
                    return new Parsed.Malformed("Line " + (i + 1) + ": gateway_sim is a SIM slot number from 1 to 8.");
                }
                sim = Optional.of(Integer.parseInt(f[4].strip()));
            }
            entries.add(new Inventory.PoolImport(f[0].strip(), f[1].strip(), f[2].strip(), device, sim));
        }
        return new Parsed.Entries(entries);
    }
}
