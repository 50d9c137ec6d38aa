package dev.numpool.orders;

import dev.numpool.inventory.Inventory;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * What people teach the code reader: the review queue of SMS with no code read (an operator's
 * code is delivered as a read one would be), and the templates (shipped, learned from confirmed
 * codes, an operator's), stored for every node and reloaded by each within seconds.
 */
final class CodeReviews {
    private static final Logger LOG = Logger.getLogger(CodeReviews.class.getName());

    private final Stores stores;
    private final Inventory inventory;
    private final Clock clock;
    private final CodeTemplates templates;
    private final Intake intake;

    CodeReviews(Stores stores, Inventory inventory, Clock clock, CodeTemplates templates, Intake intake) {
        this.stores = stores;
        this.inventory = inventory;
        this.clock = clock;
        this.templates = templates;
        this.intake = intake;
    }


    /** Learned templates a service keeps at most; the least used go first. */
    static final int MAX_LEARNED_PER_SERVICE = 200;

    /**
     * SMS waiting for an operator, oldest first: they reached a live activation and no code was
     * read in them. At most {@code limit} (1 to 500), with ids above {@code afterId}.
     */
    List<SmsReview> reviewQueue(long afterId, int limit) {
        return stores.codes().openReviews(afterId, Math.max(1, Math.min(500, limit)));
    }

    /**
     * An operator marks the code of an SMS under review. It is delivered exactly as a code read
     * from the text would be (status, charge, webhook, live events, compatible APIs), once: the
     * review closes in the same transaction. The SMS's shape is learned as a template of the
     * activation's service and sender.
     */
    CodeReviewResult markCode(long smsId, String code) {
        String wanted = CodeReader.normalize(code == null ? "" : code).strip().replaceAll("[- ]", "");
        if (!wanted.matches("[0-9A-Za-z]{3,12}")) {
            return new CodeReviewResult.NotInText();
        }
        return review(smsId, Optional.of(wanted));
    }

    /** An operator says an SMS under review holds no code: it leaves the queue, nothing is delivered. */
    CodeReviewResult dismissSms(long smsId) {
        return review(smsId, Optional.empty());
    }

    private CodeReviewResult review(long smsId, Optional<String> wanted) {
        Instant now = clock.instant();
        record Done(CodeReviewResult refused, Intake.Applied applied, AccountId owner, int activationId, boolean learned) {
        }
        Done done = stores.transaction(s -> {
            Optional<Integer> activationId = s.codes().activationOfSms(smsId);
            if (activationId.isEmpty()) {
                return new Done(new CodeReviewResult.NotFound(), null, null, 0, false);
            }
            // The activation first, as the intake locks it: a review and an SMS never wait on each other in turn.
            ActivationStore.ActivationRow a = s.activations().activationByIdForUpdate(activationId.get()).orElseThrow();
            CodeStore.ReviewRow row = s.codes().reviewForUpdate(smsId).orElseThrow();
            AccountId owner = new AccountId(a.accountId());
            if (!row.review().equals(Optional.of("open"))) {
                return new Done(new CodeReviewResult.NotOpen(row.review().orElse("none")), null, owner, a.id(), false);
            }
            ActivationStatus status = a.status();
            if (!status.live() || !now.isBefore(a.expiresAt())) {
                return new Done(new CodeReviewResult.ActivationEnded(status.live() ? ActivationStatus.EXPIRED : status), null, owner, a.id(), false);
            }
            if (wanted.isEmpty()) {
                s.codes().closeReview(smsId, Optional.empty(), now);
                return new Done(null, null, owner, a.id(), false);
            }
            String normalized = CodeReader.normalize(row.text());
            Optional<String> code = CodeTemplates.locate(normalized, wanted.get());
            if (code.isEmpty()) {
                return new Done(new CodeReviewResult.NotInText(), null, owner, a.id(), false);
            }
            s.codes().closeReview(smsId, code, now);
            ActivationStore.ActivationRow first = intake.deliverCode(s, a, status, code.get(), row.text());
            boolean learned = learn(s, a.service(), row.sender(), normalized, code.get(), now);
            return new Done(null, new Intake.Applied(new SmsIntake.Accepted(a.id(), code), first, a.accountId(), Optional.of(row.text())),
                    owner, a.id(), learned);
        });
        if (done.refused() != null) {
            return done.refused();
        }
        if (done.applied() != null) {
            intake.afterApplied(done.applied());
        }
        if (done.learned()) {
            reloadTemplatesQuietly();
        }
        return new CodeReviewResult.Reviewed(stores.activations().activation(done.owner(), done.activationId()).orElseThrow());
    }

    /** Stores the template a confirmed code makes of its SMS, keeping the service's learned ones bounded; true when one was added. */
    static boolean learn(Stores s, String service, String sender, String normalized, String code, Instant now) {
        Optional<String> template = CodeTemplates.learn(normalized, code);
        if (template.isEmpty() || s.codes().insertTemplate(service, sender, template.get(), "learned", now).isEmpty()) {
            return false;
        }
        s.codes().evictLearned(service, MAX_LEARNED_PER_SERVICE);
        return true;
    }

    /** Every template, or one service's, with its hits (as last written down; nodes write theirs every few seconds). */
    List<CodeTemplate> codeTemplates(Optional<String> service) {
        return stores.codes().templates(service);
    }

    /** An operator's template for {@code service} ({@code sender} empty for any sender); every node uses it within seconds. */
    Orders.TemplateResult addCodeTemplate(String service, String sender, String template) {
        if (service == null || inventory.service(service).isEmpty()) {
            return new Orders.TemplateResult.Invalid("unknown service: " + service);
        }
        String cleanSender = sender == null ? "" : sender.strip();
        if (cleanSender.length() > 64) {
            return new Orders.TemplateResult.Invalid("a sender has at most 64 characters");
        }
        String text = template == null ? "" : CodeReader.normalize(template).strip();
        if (CodeTemplates.compile(text).isEmpty()) {
            return new Orders.TemplateResult.Invalid("a template is up to " + CodeTemplates.MAX_TEMPLATE_LENGTH
                    + " characters with exactly one {code} or {code:alnum}, and no braces but {code}, {code:alnum}, {n} and {*}");
        }
        Optional<Long> id = stores.transaction(s -> s.codes().insertTemplate(service, cleanSender, text, "operator", clock.instant()));
        if (id.isEmpty()) {
            return new Orders.TemplateResult.Exists();
        }
        reloadTemplatesQuietly();
        return new Orders.TemplateResult.Added(codeTemplates(Optional.of(service)).stream().filter(t -> t.id() == id.get()).findFirst().orElseThrow());
    }

    /** Removes a template (any origin; a shipped one comes back at the next start). False when there is none. */
    boolean removeCodeTemplate(long id) {
        boolean removed = stores.transaction(s -> s.codes().deleteTemplate(id));
        if (removed) {
            reloadTemplatesQuietly();
        }
        return removed;
    }

    /**
     * Writes down this node's template hits and reloads every template: run by the workers every
     * few seconds, so a template added or learned on any node serves all of them.
     */
    void refreshCodeTemplates() {
        Map<Long, Long> hits = templates.drainHits();
        stores.transaction(s -> {
            s.codes().addHits(hits, clock.instant());
            return null;
        });
        templates.load(stores.codes().templates(Optional.empty()));
    }

    void reloadTemplatesQuietly() {
        try {
            templates.load(stores.codes().templates(Optional.empty()));
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "code templates not reloaded; the workers' next refresh will", e);
        }
    }

    /**
     * Loads the templates shipped in {@value CodeTemplates#SHIPPED} (service, sender, template,
     * tab-separated) into the database, where operators see them; rows already there are kept as
     * they are, with their hits. Services not in this catalogue are skipped.
     */
    void installShippedTemplates() {
        List<CodeTemplate> rows = CodeTemplates.shipped();
        Instant now = clock.instant();
        stores.transaction(s -> {
            for (CodeTemplate t : rows) {
                if (inventory.service(t.service()).isPresent() && CodeTemplates.compile(t.template()).isPresent()) {
                    s.codes().insertTemplate(t.service(), t.sender(), t.template(), "shipped", now);
                } else {
                    LOG.warning("shipped code template skipped (unknown service or not a template): "
                            + t.service() + " | " + t.sender() + " | " + t.template());
                }
            }
            return null;
        });
        templates.load(stores.codes().templates(Optional.empty()));
    }
}
