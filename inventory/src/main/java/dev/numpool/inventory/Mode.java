package dev.numpool.inventory;

/**
 * Whose order or listing it is: a live account's, paid with real money and sold by real
 * providers, or a test account's, paid with play money and sold by the simulator alone. See
 * {@link Inventory#buy} and {@link Inventory#offers(java.util.Optional, java.util.Optional, Mode)}.
 */
public enum Mode {
    LIVE, TEST;

    public static Mode of(boolean test) {
        return test ? TEST : LIVE;
    }
}
