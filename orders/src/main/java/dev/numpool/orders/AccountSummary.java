package dev.numpool.orders;

import java.time.Instant;
import java.util.Optional;

/**
 * An account as an operator finds it: its id, email (API-only accounts have none), whether it is
 * a sandbox account, since when, and why it is blocked (empty while it is not).
 */
public record AccountSummary(AccountId id, Optional<String> email, boolean sandbox, Instant createdAt, Optional<String> blockedReason) {
}
