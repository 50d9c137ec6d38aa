package dev.numpool.web;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The website's mail sender on its own: its configuration, and what it does without a mail server. */
class MailerTest {
    private static final String LINK = "http://127.0.0.1:8080/reset-password?token=" + "A".repeat(43);

    @Test
    void theDefaultsSendNothingAndAskForTlsAndShortTimeoutsOnceAServerIsNamed() {
        Mailer.Settings defaults = Mailer.Settings.from(NumpoolConfig.of(Map.of()).get("mail"), Map.of());
        assertEquals(Optional.empty(), defaults.smtpHost(), "the sandbox sends no mail");
        assertEquals(587, defaults.smtpPort());
        assertTrue(defaults.starttls());
        assertEquals(Duration.ofSeconds(5), defaults.timeout());
        assertEquals(Optional.empty(), defaults.username());

        Mailer.Settings configured = Mailer.Settings.from(NumpoolConfig.load(Map.of("MAIL_SMTP_HOST", "smtp.example", "MAIL_SMTP_PORT", "2525",
                "MAIL_FROM", "Shop <shop@example.com>", "MAIL_STARTTLS", "false")).get("mail"), Map.of("MAIL_USERNAME", "u", "MAIL_PASSWORD", "p"));
        assertEquals(Optional.of("smtp.example"), configured.smtpHost());
        assertEquals(2525, configured.smtpPort());
        assertEquals("shop@example.com", configured.from().getAddress());
        assertFalse(configured.starttls());
        assertEquals(Optional.of("u"), configured.username());
    }

    @Test
    void aHalfGivenAccountOrAnAddressThatIsNoneStopsTheStart() {
        assertThrows(IllegalArgumentException.class, () -> Mailer.Settings.from(NumpoolConfig.of(Map.of()).get("mail"), Map.of("MAIL_USERNAME", "u")));
        assertThrows(IllegalArgumentException.class, () -> Mailer.Settings.from(NumpoolConfig.of(Map.of("mail.from", "not an address <")).get("mail"), Map.of()));
    }

    @Test
    void withoutAnSmtpHostAMailIsNotSentAndItsLinkIsLoggedOnOneInfoLine() {
        Logger logger = Logger.getLogger(Mailer.class.getName());
        List<LogRecord> records = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                records.add(record);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        logger.addHandler(capture);
        try (Mailer mailer = new Mailer(Mailer.Settings.from(NumpoolConfig.of(Map.of()).get("mail"), Map.of()))) {
            records.clear();
            mailer.send(new Mailer.Letter("someone@example.com", "Reset your Numpool password", "Open " + LINK, "en", LINK));
            assertEquals(0, mailer.queued(), "nothing waits to be sent");
        } finally {
            logger.removeHandler(capture);
        }
        assertEquals(1, records.size(), records.toString());
        assertEquals(Level.INFO, records.getFirst().getLevel());
        assertTrue(records.getFirst().getMessage().contains("to someone@example.com, link " + LINK), records.getFirst().getMessage());
        assertFalse(records.getFirst().getMessage().contains("\n"));
    }

    @Test
    void aLetterNeverShowsItsLinkWhenPrinted() {
        assertFalse(new Mailer.Letter("a@example.com", "s", "t " + LINK, "en", LINK).toString().contains("token"));
    }
}
