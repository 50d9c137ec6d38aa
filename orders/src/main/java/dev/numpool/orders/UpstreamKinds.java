package dev.numpool.orders;

/**
 * The states and kinds of what is owed to providers, as types rather than strings; each spells
 * itself in lower case as the database's check constraints name it (V4 and V5 migrations).
 */
final class UpstreamKinds {
    private UpstreamKinds() {
    }

    /** A status report owed to a provider. */
    enum Report {
        /** The code was used: the provider is paid. */
        RELEASE_USED,
        /** No code was used: the number goes back unpaid. */
        RELEASE_UNUSED,
        /** One more SMS, please. */
        ANOTHER_CODE;

        String wire() {
            return name().toLowerCase();
        }

        static Report of(String wire) {
            return valueOf(wire.toUpperCase());
        }
    }

    /** Where a status report stands. */
    enum ReportState {
        PENDING, CONFIRMED, REFUSED, ABANDONED;

        String wire() {
            return name().toLowerCase();
        }
    }

    /** A provider's sale of a number, from its answer until the order settles it. */
    enum Purchase {
        SOLD, RECORDED, RELEASED;

        String wire() {
            return name().toLowerCase();
        }
    }
}
