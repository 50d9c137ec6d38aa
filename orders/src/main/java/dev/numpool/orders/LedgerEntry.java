package dev.numpool.orders;

import java.time.Instant;

/**
 * One movement of an account's money, as its owner sees it: the transfer's kind and amount, and
 * what it did to the available, held and owed amounts (a hold moves the price from available to
 * held; a debt payment lowers both available and owed). {@code reference} names what caused it
 * ({@code activation:42}, {@code topup:7}, {@code adjustment:3}).
 */
public record LedgerEntry(long id, String type, long amountMicros, String currency, long availableChangeMicros,
                          long heldChangeMicros, long debtChangeMicros, String reference, Instant createdAt) {

    /**
     * Every transfer kind, as the list filters take them: the {@link Ledger.Kind}s, and the debt
     * payments the database writes itself when money reaches a wallet that owes.
     */
    public static final java.util.Set<String> TYPES = java.util.stream.Stream.concat(
            java.util.Arrays.stream(Ledger.Kind.values()).map(Ledger.Kind::wire), java.util.stream.Stream.of("debt_payment"))
            .collect(java.util.stream.Collectors.toUnmodifiableSet());
}
