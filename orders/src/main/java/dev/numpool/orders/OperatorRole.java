package dev.numpool.orders;

import java.util.EnumSet;
import java.util.Set;

/**
 * What an operator may do. An admin may do everything and must pass a TOTP second factor; support
 * reads everything (accounts, activations, providers, the audit log), answers the code review
 * queue and blocks abusive accounts, and changes nothing that moves money, prices or routing.
 */
public enum OperatorRole {
    ADMIN("admin", EnumSet.allOf(Permission.class)),
    SUPPORT("support", EnumSet.of(Permission.READ, Permission.REVIEW_CODES, Permission.BLOCK_ACCOUNTS));

    /** One kind of operator action. */
    public enum Permission {
        READ, REVIEW_CODES, BLOCK_ACCOUNTS, PAUSE_PROVIDERS, CHANGE_CATALOGUE, CHANGE_MARKUPS, ADJUST_BALANCES, IMPORT_POOL, MANAGE_OPERATORS
    }

    private final String wire;
    private final Set<Permission> permissions;

    OperatorRole(String wire, Set<Permission> permissions) {
        this.wire = wire;
        this.permissions = permissions;
    }

    public String wire() {
        return wire;
    }

    public boolean may(Permission permission) {
        return permissions.contains(permission);
    }

    /** Admins must pass a second factor before the console opens. */
    public boolean needsSecondFactor() {
        return this == ADMIN;
    }

    public static OperatorRole fromWire(String wire) {
        for (OperatorRole role : values()) {
            if (role.wire.equals(wire)) {
                return role;
            }
        }
        throw new IllegalArgumentException("no operator role '" + wire + "'");
    }
}
