package dev.numpool.db;

import org.postgresql.util.PSQLException;

import java.sql.SQLException;
import java.util.Optional;

/**
 * The database refused a write by one of its integrity constraints (SQLSTATE class 23): a unique
 * index, a check, a foreign key, or a trigger that raises one of those. Stores throw it in place of
 * the driver's or jOOQ's exception, so the code that decides what the refusal means (no money, a
 * race lost to another node) reads the constraint's name and never an exception's message text
 * or a library's type.
 */
public final class ConstraintViolation extends RuntimeException {
    private final String sqlState;
    private final Optional<String> constraint;

    private ConstraintViolation(String sqlState, Optional<String> constraint, Throwable cause) {
        super("constraint " + constraint.orElse("(unnamed)") + " refused the write (SQLSTATE " + sqlState + ")", cause);
        this.sqlState = sqlState;
        this.constraint = constraint;
    }

    /** The violation {@code failure} carries in its causes, if it is one. */
    public static Optional<ConstraintViolation> of(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof ConstraintViolation v) {
                return Optional.of(v);
            }
            if (t instanceof SQLException sql && sql.getSQLState() != null && sql.getSQLState().startsWith("23")) {
                Optional<String> name = t instanceof PSQLException p && p.getServerErrorMessage() != null
                        ? Optional.ofNullable(p.getServerErrorMessage().getConstraint())
                        : Optional.empty();
                return Optional.of(new ConstraintViolation(sql.getSQLState(), name, failure));
            }
        }
        return Optional.empty();
    }

    /**
     * {@code failure} as a violation when it is one, else unchanged: what a store's transaction
     * rethrows.
     */
    public static RuntimeException translated(RuntimeException failure) {
        return of(failure).<RuntimeException>map(v -> v).orElse(failure);
    }

    /** The SQLSTATE: 23505 a unique violation, 23514 a check, 23503 a foreign key, … */
    public String sqlState() {
        return sqlState;
    }

    /** Whether the named constraint (or unique index) refused it. */
    public boolean by(String constraintName) {
        return constraint.filter(constraintName::equals).isPresent();
    }

    /** Whether a unique constraint or index refused it (which one does not matter to the caller). */
    public boolean unique() {
        return "23505".equals(sqlState);
    }
}
