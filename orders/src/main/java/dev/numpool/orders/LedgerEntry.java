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

    /** Every transfer kind, as the list filters take them. */
    public static final java.util.Set<String> TYPES = java.util.Set.of("sandbox_credit", "hold", "post", "void", "topup", "refund",
            "dispute", "dispute_won", "debt", "debt_payment", "operator_credit", "operator_debit");
}
