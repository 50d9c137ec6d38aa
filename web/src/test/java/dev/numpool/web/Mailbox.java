package dev.numpool.web;

import com.icegreen.greenmail.configuration.GreenMailConfiguration;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import jakarta.mail.Address;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real SMTP server (GreenMail) in the test JVM on 127.0.0.1, on a free port, with an account
 * Numpool must log in with: the far side of the network for the website's mails. Reads what
 * arrived, per recipient, in order.
 */
final class Mailbox implements AutoCloseable {
    static final String USER = "numpool-mailer";
    static final String PASSWORD = "mailer password";
    private static final Duration LIMIT = Duration.ofSeconds(30);

    private final GreenMail server;
    /** The Message-IDs of the mails returned already, so {@link #next} returns each one once. */
    private final Set<String> taken = ConcurrentHashMap.newKeySet();

    record Mail(String to, String from, String subject, String text, String language) {
        /** The first link to this site's {@code path} in the text, with its query. */
        String link(String path) {
            Matcher m = Pattern.compile("https?://[^\\s/]+" + Pattern.quote(path) + "\\?token=[A-Za-z0-9_-]+").matcher(text);
            if (!m.find()) {
                throw new AssertionError("no " + path + " link in: " + text);
            }
            return m.group();
        }
    }

    Mailbox() {
        server = new GreenMail(new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_SMTP).dynamicPort())
                .withConfiguration(GreenMailConfiguration.aConfig().withUser(USER, PASSWORD));
        server.start();
    }

    int port() {
        return server.getSmtp().getPort();
    }

    /** The node's configuration for this server (no TLS: it is 127.0.0.1). */
    void configure(Map<String, String> config) {
        config.put("mail.smtp-host", "127.0.0.1");
        config.put("mail.smtp-port", String.valueOf(port()));
        config.put("mail.starttls", "false");
        config.put("mail.from", "Numpool <no-reply@numpool.test>");
    }

    /** The process environment a node needs to log in to this server. */
    static Map<String, String> environment() {
        return Map.of("MAIL_USERNAME", USER, "MAIL_PASSWORD", PASSWORD);
    }

    /** The next mail to {@code to} not returned before, waiting for it (at most 30 s). */
    Mail next(String to) {
        Instant deadline = Instant.now().plus(LIMIT);
        while (true) {
            MimeMessage[] received = server.getReceivedMessages();
            for (MimeMessage m : received) {
                if (recipients(m).contains(to) && taken.add(messageId(m))) {
                    return read(m);
                }
            }
            long left = Duration.between(Instant.now(), deadline).toMillis();
            if (left <= 0) {
                throw new AssertionError("no mail to " + to + " within " + LIMIT.toSeconds() + " s");
            }
            server.waitForIncomingEmail(left, received.length + 1); // woken by the next arrival
        }
    }

    /** Every mail to {@code to} that arrived so far, returned by {@link #next} or not. */
    List<Mail> all(String to) {
        return Arrays.stream(server.getReceivedMessages()).filter(m -> recipients(m).contains(to)).map(Mailbox::read).toList();
    }

    private static String messageId(MimeMessage m) {
        try {
            return m.getMessageID();
        } catch (MessagingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<String> recipients(MimeMessage m) {
        try {
            Address[] to = m.getAllRecipients();
            return to == null ? List.of() : Arrays.stream(to).map(Address::toString).toList();
        } catch (MessagingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Mail read(MimeMessage m) {
        try {
            return new Mail(recipients(m).getFirst(), m.getFrom()[0].toString(), m.getSubject(), (String) m.getContent(), m.getHeader("Content-Language", ","));
        } catch (MessagingException e) {
            throw new IllegalStateException(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        server.stop();
    }
}
