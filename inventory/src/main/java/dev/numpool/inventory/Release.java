package dev.numpool.inventory;

/** How an activation ended, as told to the provider when its number is given back. */
public enum Release {
    /** A code was received and used: the provider is paid. */
    CODE_USED,
    /** No code came (cancelled or expired): the provider refunds us. */
    NOT_USED
}
