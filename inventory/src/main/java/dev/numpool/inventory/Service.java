package dev.numpool.inventory;

/** A site that sends verification SMS, by its 2-letter sms-activate code. */
public record Service(String code, String name, String fivesimName) {
}
