package dev.numpool.orders;

import dev.numpool.db.Database;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The operators' audit log: every change an operator asked for, whoever asked (a signed-in
 * operator, or the shared token as the machine operator {@value #MACHINE}), kept append-only by
 * the database. An entry says what was asked ({@code action}, {@code target}, the request's
 * body), the state before and after where the change has one to read, and the answer's status, so
 * a refused change is in the log too.
 */
public final class OperatorAudit {
    /** The actor of requests made with the shared operator token (automation). */
    public static final String MACHINE = "machine:operator-token";
    /** What an entry keeps of a request's body, and of a state before or after. */
    public static final int MAX_TEXT = 4096;

    private final Stores stores;
    private final Clock clock;

    private OperatorAudit(Stores stores, Clock clock) {
        this.stores = stores;
        this.clock = clock;
    }

    public static OperatorAudit create(Database db, Clock clock) {
        return new OperatorAudit(new Stores(db.dsl()), clock);
    }

    /**
     * One operator action as written down. {@code target}, {@code before} and {@code after} are
     * JSON; {@code before} and {@code after} are empty when the change has no state to read.
     */
    public record Action(Instant at, String actor, String action, String target, Optional<String> request, Optional<String> before,
                         Optional<String> after, int status, Optional<String> requestId) {
    }

    /** An action with its place in the log. */
    public record Entry(long id, Action action) {
    }

    /** Appends an action, timed now; a request body longer than {@value #MAX_TEXT} characters is cut there. */
    public void record(String actor, String action, String target, Optional<String> request, Optional<String> before,
                       Optional<String> after, int status, Optional<String> requestId) {
        stores.audit().insert(new Action(clock.instant(), actor, action, target, request.map(OperatorAudit::clip), before, after, status,
                requestId));
    }

    /** The log, newest first; {@code cursor} is the previous page's {@code nextCursor}. */
    public Page<Entry> entries(int limit, Optional<String> cursor) {
        int bounded = Math.max(1, Math.min(200, limit));
        long before = cursor.filter(c -> c.matches("[0-9]{1,18}")).map(Long::parseLong).orElse(Long.MAX_VALUE);
        List<Entry> rows = stores.audit().entries(before, bounded + 1);
        Optional<String> next = rows.size() > bounded ? Optional.of(String.valueOf(rows.get(bounded - 1).id())) : Optional.empty();
        return new Page<>(rows.subList(0, Math.min(rows.size(), bounded)), next);
    }

    private static String clip(String text) {
        return text.length() <= MAX_TEXT ? text : text.substring(0, MAX_TEXT);
    }
}
