package dev.numpool.web;

import dev.numpool.orders.AccountId;
import dev.numpool.orders.Users;

import java.util.Optional;

/**
 * Who is looking at a page: the signed-in session (if any), the CSRF token this visitor's forms
 * must carry, whether this node is a sandbox, and, in test mode, the signed-in account's test
 * account, which every page then shows and acts on instead (see README "Test keys"); and the
 * language every page is written in for them ({@link Texts}).
 */
record Visit(Optional<Users.Session> session, String csrfToken, boolean sandbox, Optional<AccountId> testAccount, Texts texts) {
    Visit(Optional<Users.Session> session, String csrfToken, boolean sandbox, Texts texts) {
        this(session, csrfToken, sandbox, Optional.empty(), texts);
    }

    /** A visitor about whom nothing is known but their language (the error pages before any session is read). */
    static Visit anonymous(Texts texts) {
        return new Visit(Optional.empty(), "", false, texts);
    }

    /**
     * This visit with English pages: the operators' console is written in English only (its
     * readers are our staff), and its frame must say so ({@code lang="en"}) for screen readers.
     */
    Visit inEnglish() {
        return new Visit(session, csrfToken, sandbox, testAccount, Texts.of(Texts.Language.EN));
    }

    boolean signedIn() {
        return session.isPresent();
    }

    /** The account the pages show: the test account in test mode, else the signed-in one. */
    AccountId owner() {
        return testAccount.orElseGet(() -> session.orElseThrow(() -> new IllegalStateException("not signed in")).account());
    }

    boolean testMode() {
        return testAccount.isPresent();
    }

    /** True when this visit's money is play money: a sandbox node, or test mode. */
    boolean playMoney() {
        return sandbox || testMode();
    }
}
