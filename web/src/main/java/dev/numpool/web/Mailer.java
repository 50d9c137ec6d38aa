package dev.numpool.web;

import io.helidon.config.Config;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;

import java.time.Duration;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The website's outbound mail (password resets, email verification), through an SMTP server
 * (Angus Mail, the Jakarta Mail implementation).
 *
 * <p>A mail is queued and sent on this class's one thread, never in the request that asked for
 * it: the answer to "send me a reset link" must not take longer when the account exists (it
 * would tell who has one), nor wait on a slow mail server. Everything is bounded: at most
 * {@link #MAX_QUEUED} mails wait, each SMTP connect, read and write has its timeout, and a mail
 * the server refuses or cannot take is tried {@link #ATTEMPTS} times in all, 5 s and then 30 s
 * apart (with jitter), then given up with a warning (the person can ask again). Mails are not
 * stored: a node that stops loses what it had queued, as a lost mail is asked for again.
 *
 * <p>With no {@code mail.smtp-host} (the sandbox's default) nothing is sent: one INFO line logs
 * who the mail was for and its link, so a developer can follow it.
 */
final class Mailer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Mailer.class.getName());
    static final int MAX_QUEUED = 200;
    static final int ATTEMPTS = 3;
    private static final List<Duration> RETRY_AFTER = List.of(Duration.ofSeconds(5), Duration.ofSeconds(30));

    /**
     * {@code smtp-host} (none: log instead of sending), {@code smtp-port} (default 587),
     * {@code from}, {@code starttls} (default true: the connection must be upgraded to TLS, or
     * nothing is sent), {@code timeout-seconds} (default 5, for each of connect, read and write);
     * the account's {@code MAIL_USERNAME} and {@code MAIL_PASSWORD} from the environment only.
     */
    record Settings(Optional<String> smtpHost, int smtpPort, InternetAddress from, boolean starttls, Duration timeout,
                    Optional<String> username, Optional<String> password) {
        Settings {
            if (smtpPort < 1 || smtpPort > 65_535 || !timeout.isPositive()) {
                throw new IllegalArgumentException("mail.smtp-port must be a port and mail.timeout-seconds positive");
            }
            if (username.isPresent() != password.isPresent()) {
                throw new IllegalArgumentException("MAIL_USERNAME and MAIL_PASSWORD are set together or not at all");
            }
        }

        static Settings from(Config mail, Map<String, String> environment) {
            String from = mail.get("from").asString().orElse("Numpool <no-reply@numpool.invalid>");
            InternetAddress address;
            try {
                address = new InternetAddress(from, true);
            } catch (AddressException e) {
                throw new IllegalArgumentException("mail.from is not an email address: " + from, e);
            }
            return new Settings(mail.get("smtp-host").asString().asOptional().filter(h -> !h.isBlank()),
                    mail.get("smtp-port").asInt().orElse(587), address, mail.get("starttls").asBoolean().orElse(true),
                    Duration.ofSeconds(mail.get("timeout-seconds").asLong().orElse(5L)),
                    Optional.ofNullable(environment.get("MAIL_USERNAME")).filter(v -> !v.isBlank()),
                    Optional.ofNullable(environment.get("MAIL_PASSWORD")).filter(v -> !v.isBlank()));
        }
    }

    /**
     * One mail: to whom, its subject and plain text in the reader's language ({@code language}
     * is its tag, for {@code Content-Language}), and the link it carries (logged when nothing is
     * sent, so that a developer can follow it).
     */
    record Letter(String to, String subject, String text, String language, String link) {
        @Override
        public String toString() {
            return "Letter[to " + to + ", \"" + subject + "\"]"; // never the link: it is a secret
        }
    }

    private final Settings settings;
    private final Optional<Session> session;
    private final ScheduledThreadPoolExecutor sender;
    private final AtomicInteger queued = new AtomicInteger();

    Mailer(Settings settings) {
        this.settings = settings;
        this.session = settings.smtpHost().map(host -> Session.getInstance(properties(settings, host)));
        this.sender = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "numpool-mail");
            t.setDaemon(true);
            return t;
        });
        sender.setRemoveOnCancelPolicy(true);
        sender.setExecuteExistingDelayedTasksAfterShutdownPolicy(false); // a retry due later is not waited for at close
        if (settings.smtpHost().isEmpty()) {
            LOG.info("mail.smtp-host is not set: mails are not sent, and each one's link is logged here");
        }
    }

    /** Jakarta Mail's property names start so (kept apart from the texts' {@code mail.} keys, which {@code TextsTest} looks for in code). */
    private static final String SMTP = "mail.smtp.";

    private static Properties properties(Settings settings, String host) {
        Properties p = new Properties();
        String timeout = Long.toString(settings.timeout().toMillis());
        p.put(SMTP + "host", host);
        p.put(SMTP + "port", Integer.toString(settings.smtpPort()));
        p.put(SMTP + "connectiontimeout", timeout);
        p.put(SMTP + "timeout", timeout);
        p.put(SMTP + "writetimeout", timeout);
        p.put(SMTP + "from", settings.from().getAddress());
        p.put(SMTP + "auth", Boolean.toString(settings.username().isPresent()));
        // Required, not merely enabled: a server (or someone between) that does not offer TLS
        // gets no password and no reset link in the clear.
        p.put(SMTP + "starttls.enable", Boolean.toString(settings.starttls()));
        p.put(SMTP + "starttls.required", Boolean.toString(settings.starttls()));
        p.put(SMTP + "ssl.checkserveridentity", "true");
        return p;
    }

    /** Queues the mail (or, with no SMTP server configured, logs its link); never waits for the server. */
    void send(Letter letter) {
        if (session.isEmpty()) {
            LOG.info("mail not sent (mail.smtp-host is not set): \"" + letter.subject() + "\" to " + letter.to() + ", link " + letter.link());
            return;
        }
        if (queued.incrementAndGet() > MAX_QUEUED) {
            queued.decrementAndGet();
            LOG.warning("mail queue full (" + MAX_QUEUED + "): dropped " + letter);
            return;
        }
        try {
            sender.execute(() -> attempt(letter, 1));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            queued.decrementAndGet(); // closing
        }
    }

    /** How many mails wait to be sent (or retried). */
    int queued() {
        return queued.get();
    }

    private void attempt(Letter letter, int attempt) {
        try {
            deliver(letter);
            queued.decrementAndGet();
            LOG.fine(() -> "sent " + letter);
        } catch (MessagingException | RuntimeException e) {
            if (attempt >= ATTEMPTS || sender.isShutdown()) {
                queued.decrementAndGet();
                LOG.log(Level.WARNING, "gave up on " + letter + " after " + attempt + " attempts", e);
                return;
            }
            Duration wait = RETRY_AFTER.get(attempt - 1);
            long millis = (long) (wait.toMillis() * ThreadLocalRandom.current().nextDouble(0.8, 1.2));
            LOG.log(Level.INFO, letter + " not sent (attempt " + attempt + "): " + e + "; trying again in " + millis + " ms");
            try {
                sender.schedule(() -> attempt(letter, attempt + 1), millis, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException closing) {
                queued.decrementAndGet();
            }
        }
    }

    private void deliver(Letter letter) throws MessagingException {
        MimeMessage message = new MimeMessage(session.orElseThrow());
        message.setFrom(settings.from());
        message.setRecipients(Message.RecipientType.TO, InternetAddress.parse(letter.to(), true));
        message.setSubject(letter.subject(), "UTF-8");
        message.setText(letter.text(), "UTF-8");
        message.setSentDate(new Date());
        message.setHeader("Content-Language", letter.language());
        // RFC 3834: no out-of-office replies to a machine's mail.
        message.setHeader("Auto-Submitted", "auto-generated");
        try (Transport transport = session.get().getTransport("smtp")) {
            transport.connect(settings.smtpHost().orElseThrow(), settings.smtpPort(), settings.username().orElse(null), settings.password().orElse(null));
            transport.sendMessage(message, message.getAllRecipients());
        }
    }

    /** Sends what is queued for up to 10 s more, then stops. */
    @Override
    public void close() {
        sender.shutdown();
        try {
            if (!sender.awaitTermination(10, TimeUnit.SECONDS)) {
                sender.shutdownNow();
                LOG.warning(queued.get() + " mails were not sent before the node stopped");
            }
        } catch (InterruptedException e) {
            sender.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
