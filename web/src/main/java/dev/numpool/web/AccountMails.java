package dev.numpool.web;

import dev.numpool.orders.Users;

import java.util.function.Supplier;

/**
 * The mails a website account gets (a password-reset link, an email-verification link), written
 * in the language of the visitor whose request caused them, and handed to the {@link Mailer}.
 * Links point at this site's public address ({@code numpool.public-url}), never at the
 * {@code Host} a request named: else anyone could ask for a reset of someone else's account
 * whose link leads to their own server.
 */
final class AccountMails {
    private final Mailer mailer;
    private final Supplier<String> siteUrl;

    AccountMails(Mailer mailer, Supplier<String> siteUrl) {
        this.mailer = mailer;
        this.siteUrl = siteUrl;
    }

    void passwordReset(Texts t, Users.MailLink link) {
        String url = siteUrl.get() + "/reset-password?token=" + link.token();
        mailer.send(new Mailer.Letter(link.email(), t.get("mail.reset.subject"),
                t.get("mail.reset.body", link.email(), url, Users.RESET_LINK_LIFETIME.toMinutes()), t.language().code, url));
    }

    void emailVerification(Texts t, Users.MailLink link) {
        String url = siteUrl.get() + "/verify-email?token=" + link.token();
        mailer.send(new Mailer.Letter(link.email(), t.get("mail.verify.subject"),
                t.get("mail.verify.body", link.email(), url, Users.VERIFICATION_LINK_LIFETIME.toHours()), t.language().code, url));
    }
}
